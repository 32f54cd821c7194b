import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Button } from 'tdesign-react';
import { graphql } from '../gql';
import type { EditionCode } from '../gql/graphql';
import { useI18n } from '../i18n';
import { formatMoney } from '../format';
import { idempotencyKey } from '../session';
import { useReadOnly } from '../viewer';
import { Field, GqlError, QuoteTable, Refusals, Section } from '../ui';

const UpgradeData = graphql(`
  query UpgradeData { applications { sdkAppId name package { status edition } } editions { code name trialDays } }
`);
const UpgradeQuoteQ = graphql(`
  query UpgradeQuote($sdkAppId: Int!, $target: EditionCode!) {
    upgradeQuote(sdkAppId: $sdkAppId, targetEdition: $target) { lines { description months amount { amount } campaign } total { amount } }
  }
`);
const DoUpgrade = graphql(`
  mutation DoUpgrade($input: UpgradeInput!) { upgradePackage(input: $input) { order { id amount { amount } } package { edition status } errors { code message field } } }
`);

/** UI-2 upgrade (U-1…U-4): the exact quote from `upgradeQuote` before paying. */
export default function Upgrade() {
  const { t, locale } = useI18n();
  const readOnly = useReadOnly();
  const [{ data, error }, refetch] = useQuery({ query: UpgradeData });
  const apps = (data?.applications ?? []).filter((a) => a.package?.status === 'ACTIVE');
  const [sdkAppId, setSdkAppId] = useState<number | null>(null);
  const [target, setTarget] = useState<EditionCode>('ADVANCED');
  useEffect(() => { if (sdkAppId === null && apps.length) setSdkAppId(apps[0].sdkAppId); }, [apps, sdkAppId]);
  const [q] = useQuery({ query: UpgradeQuoteQ, variables: { sdkAppId: sdkAppId ?? 0, target }, pause: sdkAppId === null,
    requestPolicy: 'network-only' });
  const [res, upgrade] = useMutation(DoUpgrade);
  const ok = res.data?.upgradePackage.order;
  return (
    <>
      <h1>{t('upgrade.title')}</h1>
      <GqlError error={error ?? res.error} />
      <Section title={t('upgrade.title')}>
        <div className="rk-row">
          <Field label={t('common.app')}>
            <select value={sdkAppId ?? ''} onChange={(e) => setSdkAppId(Number(e.target.value))}>
              {apps.map((a) => <option key={a.sdkAppId} value={a.sdkAppId}>{a.name} ({a.sdkAppId}) · {a.package?.edition}</option>)}
            </select>
          </Field>
          <Field label={t('upgrade.target')}>
            <select value={target} onChange={(e) => setTarget(e.target.value as EditionCode)}>
              {(data?.editions ?? []).filter((e) => e.trialDays == null && e.code !== 'BASIC').map((e) => (
                <option key={e.code} value={e.code}>{e.name}</option>))}
            </select>
          </Field>
        </div>
      </Section>
      <Section title={t('upgrade.quote')}>
        {q.data && <QuoteTable quote={q.data.upgradeQuote} caption={t('upgrade.quote')} />}
        {q.error && <Refusals errors={q.error.graphQLErrors.map((g) => ({ code: String(g.extensions?.code ?? ''), message: g.message }))} />}
        <div className="rk-row">
          <Button theme="primary" disabled={readOnly || sdkAppId === null || !q.data} onClick={() => upgrade({
            input: { sdkAppId: sdkAppId!, targetEdition: target, idempotencyKey: idempotencyKey('upgrade') } })
            .then(() => refetch({ requestPolicy: 'network-only' }))}>{t('upgrade.submit')}</Button>
        </div>
        <Refusals errors={res.data?.upgradePackage.errors} />
        {ok && <p role="status" className="rk-ok">{t('upgrade.ok', { amount: formatMoney(ok.amount.amount, locale) })}</p>}
      </Section>
    </>
  );
}
