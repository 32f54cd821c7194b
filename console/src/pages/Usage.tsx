import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { useI18n } from '../i18n';
import { formatMoney, formatNumber, fromFen, toFen } from '../format';
import { Field, GqlError, Section } from '../ui';

const UsageApps = graphql(`
  query UsageApps {
    applications { sdkAppId name package { includedMinutesLeft } }
    orders(kind: POSTPAID, first: 100) { edges { node { sdkAppId amount { amount } } } }
  }
`);
const UsageDaily = graphql(`
  query UsageDaily($sdkAppId: Int!) { usageDaily(sdkAppId: $sdkAppId, days: 30) { day standardMinutes includedMinutes billableMinutes } }
`);

/** UI-2 usage: daily standard minutes per app as a bar chart (plain SVG: no chart library in the bundle). */
export default function Usage() {
  const { t, locale } = useI18n();
  const [{ data, error }] = useQuery({ query: UsageApps });
  const [sdkAppId, setSdkAppId] = useState<number | null>(null);
  const apps = data?.applications ?? [];
  useEffect(() => { if (sdkAppId === null && apps.length) setSdkAppId(apps[0].sdkAppId); }, [apps, sdkAppId]);
  const [daily] = useQuery({ query: UsageDaily, variables: { sdkAppId: sdkAppId ?? 0 }, pause: sdkAppId === null });
  const days = daily.data?.usageDaily ?? [];
  const max = Math.max(1, ...days.map((d) => d.standardMinutes));
  const app = apps.find((a) => a.sdkAppId === sdkAppId);
  const overage = fromFen((data?.orders.edges ?? []).filter((e) => e.node.sdkAppId === sdkAppId)
    .reduce((s, e) => s + toFen(e.node.amount.amount), 0));
  const W = 18;
  return (
    <>
      <h1>{t('usage.title')}</h1>
      <GqlError error={error ?? daily.error} />
      <Section title={t('usage.chart')}>
        <Field label={t('common.app')}>
          <select value={sdkAppId ?? ''} onChange={(e) => setSdkAppId(Number(e.target.value))}>
            {apps.map((a) => <option key={a.sdkAppId} value={a.sdkAppId}>{a.name} ({a.sdkAppId})</option>)}
          </select>
        </Field>
        <p>{t('usage.allowance', { left: app?.package?.includedMinutesLeft != null ? formatNumber(app.package.includedMinutesLeft, locale) : '—' })}</p>
        <p>{t('usage.overage', { amount: formatMoney(overage, locale) })}</p>
        <svg role="img" aria-label={t('usage.chart')} width={days.length * W + 40} height={180}>
          {days.map((d, i) => {
            const h = Math.round((d.standardMinutes / max) * 140);
            const hb = Math.round((d.billableMinutes / max) * 140);
            return (
              <g key={d.day}>
                <title>{`${d.day}: ${formatNumber(d.standardMinutes, locale)} (${t('usage.billable')} ${formatNumber(d.billableMinutes, locale)})`}</title>
                <rect x={30 + i * W} y={150 - h} width={W - 4} height={h} fill="#0052d9" />
                <rect x={30 + i * W} y={150 - hb} width={W - 4} height={hb} fill="#b3261e" />
              </g>);
          })}
          <line x1={28} y1={150} x2={days.length * W + 30} y2={150} stroke="#333" />
        </svg>
        <table className="rk-table" aria-label={t('usage.chart')}>
          <thead><tr><th scope="col">{t('common.time')}</th><th scope="col">{t('usage.std')}</th><th scope="col">{t('usage.included')}</th><th scope="col">{t('usage.billable')}</th></tr></thead>
          <tbody>{days.filter((d) => d.standardMinutes > 0).map((d) => (
            <tr key={d.day}><td>{d.day}</td><td>{formatNumber(d.standardMinutes, locale)}</td><td>{formatNumber(d.includedMinutes, locale)}</td><td>{formatNumber(d.billableMinutes, locale)}</td></tr>))}</tbody>
        </table>
      </Section>
    </>
  );
}
