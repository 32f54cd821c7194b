import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Button } from 'tdesign-react';
import { graphql } from '../gql';
import { useI18n, type MessageKey } from '../i18n';
import { formatMoney, formatTime } from '../format';
import { downloadCsv, ordersToCsv } from '../csv';
import { idempotencyKey } from '../session';
import { useReadOnly, useViewer } from '../viewer';
import { Field, GqlError, Refusals, Section } from '../ui';

const BillingQuery = graphql(`
  query Billing {
    me {
      id balance { cash { amount } income { amount } gift { amount } available { amount } }
      vouchers { id amount { amount } expiresAt usedAt }
    }
    orders(first: 100) {
      edges { node { id kind status sdkAppId edition months createdAt amount { amount }
        paid { voucher { amount } gift { amount } income { amount } cash { amount } }
        lines { description months amount { amount } campaign } } }
    }
  }
`);
const TopUp = graphql(`
  mutation TopUp($amount: Decimal!, $key: String!) { topUp(amount: $amount, idempotencyKey: $key) { account { id } errors { code message field } } }
`);

/** UI-2 billing: balance by source, vouchers, orders with lines and payment split, CSV export, sandbox top-up. */
export default function Billing() {
  const { t, locale } = useI18n();
  const readOnly = useReadOnly();
  const viewer = useViewer();
  const [{ data, error }, refetch] = useQuery({ query: BillingQuery });
  const [amount, setAmount] = useState('100.00');
  const [topped, topUp] = useMutation(TopUp);
  const m = (a: string) => formatMoney(a, locale);
  const orders = (data?.orders.edges ?? []).map((e) => e.node);
  return (
    <>
      <h1>{t('billing.title')}</h1>
      <GqlError error={error ?? topped.error} />
      {data && (
        <Section title={t('billing.balance')}>
          <dl className="rk-row" style={{ gap: 32 }}>
            {(['available', 'cash', 'income', 'gift'] as const).map((k) => (
              <div key={k}><dt className="rk-muted">{t(`billing.${k}` as MessageKey)}</dt>
                <dd style={{ margin: 0, fontSize: 20 }} data-testid={`balance-${k}`}>{m(data.me.balance[k].amount)}</dd></div>
            ))}
          </dl>
          {viewer?.sandboxPayments && (
            <div className="rk-row">
              <Field label={t('billing.topUpAmount')}><input type="text" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} /></Field>
              <Button disabled={readOnly} onClick={() => topUp({ amount, key: idempotencyKey('topup') }).then(() => refetch({ requestPolicy: 'network-only' }))}>
                {t('billing.topUp')}</Button>
              <Refusals errors={topped.data?.topUp.errors} />
              {topped.data?.topUp.account && <span role="status" className="rk-ok">{t('billing.topUpOk')}</span>}
            </div>)}
        </Section>)}
      <Section title={t('billing.vouchers')}>
        <table className="rk-table" aria-label={t('billing.vouchers')}>
          <thead><tr><th scope="col">ID</th><th scope="col">{t('common.amount')}</th><th scope="col">{t('billing.expires')}</th><th scope="col">{t('common.status')}</th></tr></thead>
          <tbody>{(data?.me.vouchers ?? []).map((v) => (
            <tr key={v.id}><td>{v.id}</td><td>{m(v.amount.amount)}</td><td>{formatTime(v.expiresAt, locale)}</td>
              <td>{v.usedAt ? `${t('billing.used')} ${formatTime(v.usedAt, locale)}` : t('billing.unused')}</td></tr>))}</tbody>
        </table>
      </Section>
      <Section title={t('billing.orders')}>
        <div className="rk-row">
          <Button onClick={() => downloadCsv('roomkit-orders.csv', ordersToCsv(orders))}>{t('billing.csv')}</Button>
        </div>
        <table className="rk-table" aria-label={t('billing.orders')}>
          <thead><tr><th scope="col">ID</th><th scope="col">{t('common.time')}</th><th scope="col">{t('common.app')}</th>
            <th scope="col">{t('common.status')}</th><th scope="col">{t('billing.lines')}</th><th scope="col">{t('common.amount')}</th>
            <th scope="col">{t('billing.paid')}</th></tr></thead>
          <tbody>{orders.map((o) => (
            <tr key={o.id} data-order={o.id}>
              <td>{o.id}</td><td>{formatTime(o.createdAt, locale)}</td><td>{o.sdkAppId}</td>
              <td>{t(`kind.${o.kind}` as MessageKey)} · {o.status}</td>
              <td><ul style={{ margin: 0, paddingLeft: 16 }}>{o.lines.map((l, i) => (
                <li key={i}>{l.description} × {l.months}: {m(l.amount.amount)}{l.campaign ? ` (${l.campaign})` : ''}</li>))}</ul></td>
              <td data-testid="order-amount">{m(o.amount.amount)}</td>
              <td className="rk-muted">{t('billing.vouchers')} {m(o.paid.voucher.amount)} · {t('billing.gift')} {m(o.paid.gift.amount)} · {t('billing.income')} {m(o.paid.income.amount)} · {t('billing.cash')} {m(o.paid.cash.amount)}</td>
            </tr>))}</tbody>
        </table>
      </Section>
    </>
  );
}
