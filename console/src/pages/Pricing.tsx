import { useQuery } from 'urql';
import { graphql } from '../gql';
import { useI18n } from '../i18n';
import { formatMoney, formatNumber } from '../format';
import { campaignName } from '../quote';
import { useCapabilities } from '../capabilities';
import { GqlError, Section } from '../ui';

// The campaigns as the customer would get them: the first-month line of a 1-month quote per edition
// (with a token, the caller's own eligibility; without, a new owner's, as B-4 says).
const FirstMonth = graphql(`
  query FirstMonth {
    basic: quote(edition: BASIC, months: 1) { lines { campaign amount { amount } } }
    advanced: quote(edition: ADVANCED, months: 1) { lines { campaign amount { amount } } }
    largeRoom: quote(edition: LARGE_ROOM, months: 1) { lines { campaign amount { amount } } }
  }
`);
const CampaignList = graphql(`
  query PublicCampaigns { campaigns { code percentOfList editions firstOrderOnly endsAt } }
`);

const PricingQuery = graphql(`
  query Pricing {
    featureMatrix {
      editions { code name listPrice { amount } currentPrice { amount } trialDays includedMinutes maxParticipants }
      rows { feature { code group name } values { included value } }
    }
  }
`);

/** UI-2 pricing: editions with the list price struck through beside the current price, the matrix, campaigns. */
export default function Pricing() {
  const { t, locale } = useI18n();
  const [{ data, error }] = useQuery({ query: PricingQuery });
  const [{ data: first }] = useQuery({ query: FirstMonth });
  const caps = useCapabilities();
  const [{ data: camps }] = useQuery({ query: CampaignList, pause: !caps.has('campaigns') });
  const firstLine = (code: string) => {
    const q = code === 'BASIC' ? first?.basic : code === 'ADVANCED' ? first?.advanced : code === 'LARGE_ROOM' ? first?.largeRoom : null;
    return q?.lines[0];
  };
  const m = data?.featureMatrix;
  return (
    <>
      <h1>{t('pricing.title')}</h1>
      <GqlError error={error} />
      {m && (
        <>
          <Section title={t('pricing.matrix')}>
            <table className="rk-table" aria-label={t('pricing.matrix')}>
              <thead>
                <tr>
                  <th scope="col">{t('pricing.group')}</th>
                  <th scope="col">{t('pricing.feature')}</th>
                  {m.editions.map((e) => (
                    <th scope="col" key={e.code} data-edition={e.code}>
                      <div>{e.name}</div>
                      <div>
                        {e.trialDays != null ? <span>{t('pricing.trialDays', { n: e.trialDays })}</span> : (
                          <>
                            {e.listPrice.amount !== e.currentPrice.amount && (
                              <del className="rk-strike" aria-label={`${t('pricing.list')} ${formatMoney(e.listPrice.amount, locale)}`}>
                                {formatMoney(e.listPrice.amount, locale)}</del>)}
                            <span className="rk-price">{formatMoney(e.currentPrice.amount, locale)}</span>
                            <span>{t('pricing.perMonth')}</span>
                          </>
                        )}
                      </div>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {m.rows.map((r) => (
                  <tr key={r.feature.code}>
                    <td>{r.feature.group}</td>
                    <th scope="row">{r.feature.name} <span className="rk-muted">{r.feature.code}</span></th>
                    {r.values.map((v, i) => (
                      <td key={i}>{v.value ? (/^\d+$/.test(v.value) ? formatNumber(Number(v.value), locale) : v.value)
                        : v.included ? <span aria-label={t('pricing.included')}>✓</span>
                          : <span aria-label={t('pricing.notIncluded')}>—</span>}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          <Section title={t('pricing.campaigns')}>
            <table className="rk-table" aria-label={t('pricing.campaigns')}>
              <thead><tr><th scope="col">{t('common.edition')}</th><th scope="col">{t('pricing.current')}</th>
                <th scope="col">{t('pricing.firstMonth')}</th><th scope="col">{t('quote.campaign')}</th></tr></thead>
              <tbody>{m.editions.filter((e) => e.trialDays == null).map((e) => {
                const l = firstLine(e.code);
                return (
                  <tr key={e.code} data-edition={e.code}><td>{e.name}</td><td>{formatMoney(e.currentPrice.amount, locale)}</td>
                    <td className="rk-price">{l ? formatMoney(l.amount.amount, locale) : '—'}</td>
                    <td>{l?.campaign ? campaignName(l.campaign, locale) : '—'}</td></tr>);
              })}</tbody>
            </table>
            {camps?.campaigns && (
              <ul>{camps.campaigns.map((c) => (
                <li key={c.code}>{campaignName(c.code, locale)} · {c.percentOfList}% · {c.editions.join(', ')}</li>))}</ul>)}
            <p className="rk-muted">{t('pricing.campaignsNote')}</p>
          </Section>
        </>
      )}
    </>
  );
}
