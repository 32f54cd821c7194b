import { useQuery } from 'urql';
import { graphql } from '../gql';
import { useI18n } from '../i18n';
import { formatMoney, formatNumber } from '../format';
import { campaignName } from '../quote';
import { GqlError, Section } from '../ui';

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
            <ul>
              <li>{campaignName('FIRST_ORDER', locale)}</li>
              <li>{campaignName('ALL_CUSTOMERS', locale)}</li>
            </ul>
            <p className="rk-muted">{t('pricing.campaignsNote')}</p>
          </Section>
        </>
      )}
    </>
  );
}
