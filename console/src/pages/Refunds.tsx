import { useMutation, useQuery } from 'urql';
import { Button } from 'tdesign-react';
import { graphql } from '../gql';
import { useI18n, type MessageKey } from '../i18n';
import { formatMoney, formatTime } from '../format';
import { idempotencyKey } from '../session';
import { useReadOnly } from '../viewer';
import { GqlError, Refusals, Section } from '../ui';

const RefundsQuery = graphql(`
  query Refunds {
    now
    orders(first: 100) { edges { node { id kind status sdkAppId createdAt amount { amount } } } }
    refunds { id status amount { amount } createdAt order { id kind sdkAppId } }
  }
`);
const RequestRefund = graphql(`
  mutation RequestRefund($orderId: ID!, $key: String!) { requestRefund(orderId: $orderId, idempotencyKey: $key) { refund { id status amount { amount } } errors { code message field } } }
`);

const WINDOW_MS = 120 * 3600_000;

/** UI-2 refunds (F-1…F-4): the rules in words, a request per refundable order, the server's verdict. */
export default function Refunds() {
  const { t, locale } = useI18n();
  const readOnly = useReadOnly();
  const [{ data, error }, refetch] = useQuery({ query: RefundsQuery });
  const [res, request] = useMutation(RequestRefund);
  const now = data ? Date.parse(data.now) : Date.now();
  // Only the window and kind are known here; the server checks usage and the one-refund rule (F-1).
  const candidates = (data?.orders.edges ?? []).map((e) => e.node)
    .filter((o) => ['PURCHASE', 'RENEWAL'].includes(o.kind) && o.status === 'PAID' && now - Date.parse(o.createdAt) <= WINDOW_MS);
  const made = res.data?.requestRefund.refund;
  return (
    <>
      <h1>{t('refunds.title')}</h1>
      <GqlError error={error ?? res.error} />
      <Section title={t('refunds.request')}>
        <p>{t('refunds.rules')}</p>
        <table className="rk-table" aria-label={t('refunds.request')}>
          <thead><tr><th scope="col">{t('refunds.order')}</th><th scope="col">{t('common.app')}</th><th scope="col">{t('common.time')}</th>
            <th scope="col">{t('common.amount')}</th><th scope="col">{t('common.actions')}</th></tr></thead>
          <tbody>{candidates.map((o) => (
            <tr key={o.id}><td>{o.id} · {t(`kind.${o.kind}` as MessageKey)}</td><td>{o.sdkAppId}</td><td>{formatTime(o.createdAt, locale)}</td>
              <td>{formatMoney(o.amount.amount, locale)}</td>
              <td><Button size="small" disabled={readOnly} aria-label={t('refunds.requestFor', { id: o.id })}
                onClick={() => request({ orderId: o.id, key: idempotencyKey('refund') }).then(() => refetch({ requestPolicy: 'network-only' }))}>
                {t('refunds.request')}</Button></td></tr>))}</tbody>
        </table>
        <Refusals errors={res.data?.requestRefund.errors} />
        {made && <p role="status" className="rk-ok">{t('refunds.ok', { status: t(`refund.${made.status}` as MessageKey) })}</p>}
      </Section>
      <Section title={t('refunds.list')}>
        <table className="rk-table" aria-label={t('refunds.list')}>
          <thead><tr><th scope="col">ID</th><th scope="col">{t('refunds.order')}</th><th scope="col">{t('common.status')}</th>
            <th scope="col">{t('refunds.amount')}</th><th scope="col">{t('common.time')}</th></tr></thead>
          <tbody>{(data?.refunds ?? []).map((r) => (
            <tr key={r.id}><td>{r.id}</td><td>{r.order.id} · {r.order.sdkAppId}</td>
              <td data-testid="refund-status">{t(`refund.${r.status}` as MessageKey)}</td>
              <td>{formatMoney(r.amount.amount, locale)}</td><td>{formatTime(r.createdAt, locale)}</td></tr>))}</tbody>
        </table>
      </Section>
    </>
  );
}
