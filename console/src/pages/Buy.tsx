import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Button } from 'tdesign-react';
import { graphql } from '../gql';
import type { EditionCode } from '../gql/graphql';
import { useI18n } from '../i18n';
import { formatMoney } from '../format';
import { idempotencyKey } from '../session';
import { useReadOnly } from '../viewer';
import { Field, GqlError, Money, QuoteTable, Refusals, Section } from '../ui';

const BuyData = graphql(`
  query BuyData {
    applications { sdkAppId name package { status edition } }
    editions { code name currentPrice { amount } trialDays }
    me { balance { available { amount } } }
  }
`);
const BuyQuote = graphql(`
  query BuyQuote($edition: EditionCode!, $months: Int!, $sdkAppId: Int) {
    quote(edition: $edition, months: $months, sdkAppId: $sdkAppId) {
      lines { description months amount { amount } campaign } total { amount }
    }
  }
`);
const CreateApp = graphql(`
  mutation CreateApp($name: String!) { createApplication(name: $name) { application { sdkAppId name } errors { code message field } } }
`);
const Purchase = graphql(`
  mutation Purchase($input: PurchaseInput!) {
    purchasePackage(input: $input) {
      order { id amount { amount } }
      package { sdkAppId status edition expiresAt }
      errors { code message field }
    }
  }
`);

const QUICK_MONTHS = [1, 2, 3, 4, 5, 6];

/** UI-2 buy: app, edition, 1–6 months (or up to 36), auto-renew, agreement, live quote, buy. */
export default function Buy() {
  const { t, locale } = useI18n();
  const readOnly = useReadOnly();
  const [{ data, error }, refetch] = useQuery({ query: BuyData });
  const [sdkAppId, setSdkAppId] = useState<number | null>(null);
  const [edition, setEdition] = useState<EditionCode>('BASIC');
  const [months, setMonths] = useState(1);
  const [autoRenew, setAutoRenew] = useState(false);
  const [agreed, setAgreed] = useState(false);
  const [newName, setNewName] = useState('');
  const [{ data: q }] = useQuery({ query: BuyQuote, variables: { edition, months, sdkAppId },
    pause: months < 1 || months > 36 });
  const [created, createApp] = useMutation(CreateApp);
  const [bought, purchase] = useMutation(Purchase);
  const apps = data?.applications ?? [];
  useEffect(() => { if (sdkAppId === null && apps.length) setSdkAppId(apps[0].sdkAppId); }, [apps, sdkAppId]);
  const result = bought.data?.purchasePackage;
  const paid = result?.order && result.package;
  return (
    <>
      <h1>{t('buy.title')}</h1>
      <GqlError error={error ?? bought.error} />
      <Section title={t('buy.app')}>
        <div className="rk-row">
          <Field label={t('buy.app')}>
            <select value={sdkAppId ?? ''} onChange={(e) => setSdkAppId(Number(e.target.value))}>
              {apps.map((a) => <option key={a.sdkAppId} value={a.sdkAppId}>{a.name} ({a.sdkAppId})</option>)}
            </select>
          </Field>
          <Field label={t('buy.newApp')}>
            <input type="text" value={newName} maxLength={200} onChange={(e) => setNewName(e.target.value)} />
          </Field>
          <Button disabled={readOnly || !newName.trim()} onClick={async () => {
            const r = await createApp({ name: newName.trim() });
            const made = r.data?.createApplication.application;
            if (made) { setSdkAppId(made.sdkAppId); setNewName(''); refetch({ requestPolicy: 'network-only' }); }
          }}>{t('buy.createApp')}</Button>
        </div>
        <Refusals errors={created.data?.createApplication.errors} />
      </Section>
      <Section title={t('buy.edition')}>
        <fieldset className="rk-row" style={{ border: 0, padding: 0 }}>
          <legend className="rk-muted">{t('buy.edition')}</legend>
          {(data?.editions ?? []).filter((e) => e.trialDays == null).map((e) => (
            <label key={e.code} className="rk-card" style={{ margin: 0, border: '1px solid #c5ccd8' }}>
              <input type="radio" name="edition" value={e.code} checked={edition === e.code}
                onChange={() => setEdition(e.code)} /> {e.name} · <Money amount={e.currentPrice.amount} />{t('pricing.perMonth')}
            </label>
          ))}
        </fieldset>
        <fieldset className="rk-row" style={{ border: 0, padding: 0 }}>
          <legend className="rk-muted">{t('buy.months')}</legend>
          {QUICK_MONTHS.map((n) => (
            <label key={n}><input type="radio" name="months" checked={months === n} onChange={() => setMonths(n)} /> {t('common.monthsN', { n })}</label>
          ))}
          <Field label={t('buy.moreMonths')}>
            <input type="number" min={1} max={36} value={months} onChange={(e) => setMonths(Math.trunc(Number(e.target.value)) || 0)} />
          </Field>
        </fieldset>
        <div className="rk-row">
          <label><input type="checkbox" checked={autoRenew} onChange={(e) => setAutoRenew(e.target.checked)} /> {t('buy.autoRenew')}</label>
        </div>
        <div className="rk-row">
          <label><input type="checkbox" checked={agreed} onChange={(e) => setAgreed(e.target.checked)} /> {t('buy.agreement')}</label>
        </div>
      </Section>
      <Section title={t('buy.quote')}>
        {q?.quote && <QuoteTable quote={q.quote} caption={t('buy.quote')} />}
        <div className="rk-row">
          <Button theme="primary" disabled={readOnly || sdkAppId === null} loading={bought.fetching} onClick={() => purchase({
            input: { sdkAppId: sdkAppId!, edition, months, autoRenew, acceptAgreements: agreed, idempotencyKey: idempotencyKey('buy') },
          }).then(() => refetch({ requestPolicy: 'network-only' }))}>{t('buy.submit')}</Button>
        </div>
        <Refusals errors={result?.errors} ctx={{ total: q?.quote.total.amount, available: data?.me.balance.available.amount }} />
        {paid && <p role="status" className="rk-ok">{t('buy.charged', { amount: formatMoney(result.order!.amount.amount, locale),
          status: result.package!.status })}</p>}
      </Section>
    </>
  );
}
