import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Button } from 'tdesign-react';
import { graphql } from '../gql';
import type { EditionCode } from '../gql/graphql';
import { useI18n } from '../i18n';
import { formatMoney, formatTime } from '../format';
import { useCapabilities } from '../capabilities';
import { Field, GqlError, Refusals, Section } from '../ui';

const PriceChanges = graphql(`
  query PriceChanges { priceChanges { id component price { amount } effectiveAt createdAt cancelled } }
`);
const CampaignsQ = graphql(`
  query OpCampaigns { campaigns { code percentOfList editions firstOrderOnly startsAt endsAt enabled } }
`);
const Schedule = graphql(`
  mutation SchedulePriceChange($component: String!, $price: Decimal!, $at: DateTime!) {
    schedulePriceChange(component: $component, price: $price, effectiveAt: $at) { priceChange { id } errors { code message field } }
  }
`);
const SetFeature = graphql(`
  mutation SetFeature($edition: EditionCode!, $feature: String!, $included: Boolean!, $value: String) {
    setEditionFeature(edition: $edition, feature: $feature, included: $included, value: $value) { edition { code } errors { code message field } }
  }
`);

const COMPONENTS = ['RTC_PREMIUM', 'RTC_ULTIMATE', 'IM_PRO', 'IM_ULTIMATE'];
const EDITIONS: EditionCode[] = ['TRIAL', 'BASIC', 'ADVANCED', 'LARGE_ROOM'];

/** Operators (K-1…K-4): scheduled price changes, campaigns, feature cells — when the server has them. */
export default function Catalog() {
  const { t, locale } = useI18n();
  const caps = useCapabilities();
  const [pcs, refetch] = useQuery({ query: PriceChanges, pause: !caps.has('priceChanges') });
  const [camps] = useQuery({ query: CampaignsQ, pause: !caps.has('campaigns') });
  const [component, setComponent] = useState(COMPONENTS[0]);
  const [price, setPrice] = useState('1600.00');
  const [at, setAt] = useState('');
  const [scheduled, schedule] = useMutation(Schedule);
  const [edition, setEdition] = useState<EditionCode>('BASIC');
  const [feature, setFeature] = useState('');
  const [included, setIncluded] = useState(true);
  const [value, setValue] = useState('');
  const [featured, setEditionFeature] = useMutation(SetFeature);
  const na = <p className="rk-muted">{t('renew.notAvailable')}</p>;
  return (
    <>
      <h1>{t('op.catalog')}</h1>
      <GqlError error={pcs.error ?? camps.error ?? scheduled.error ?? featured.error} />
      <Section title={t('op.priceChange')}>
        {caps.has('schedulePriceChange') ? (
          <>
            <div className="rk-row">
              <Field label={t('op.component')}><select value={component} onChange={(e) => setComponent(e.target.value)}>
                {COMPONENTS.map((c) => <option key={c} value={c}>{c}</option>)}</select></Field>
              <Field label={t('op.newPrice')}><input type="text" value={price} onChange={(e) => setPrice(e.target.value)} /></Field>
              <Field label={t('op.effectiveAt')}><input type="text" placeholder="2027-02-01T00:00:00+08:00" value={at} onChange={(e) => setAt(e.target.value)} /></Field>
              <Button theme="primary" disabled={!at} onClick={() => schedule({ component, price, at }).then(() => refetch({ requestPolicy: 'network-only' }))}>{t('op.schedule')}</Button>
            </div>
            <Refusals errors={scheduled.data?.schedulePriceChange.errors} />
            {scheduled.data?.schedulePriceChange.priceChange && <p role="status" className="rk-ok">{t('common.done')}</p>}
            <table className="rk-table" aria-label={t('op.priceChange')}>
              <thead><tr><th scope="col">ID</th><th scope="col">{t('op.component')}</th><th scope="col">{t('common.amount')}</th><th scope="col">{t('op.effectiveAt')}</th><th scope="col">{t('common.status')}</th></tr></thead>
              <tbody>{(pcs.data?.priceChanges ?? []).map((p) => (
                <tr key={p.id}><td>{p.id}</td><td>{p.component}</td><td>{formatMoney(p.price.amount, locale)}</td><td>{formatTime(p.effectiveAt, locale)}</td>
                  <td>{p.cancelled ? '×' : '✓'}</td></tr>))}</tbody>
            </table>
          </>) : na}
      </Section>
      <Section title={t('op.campaigns')}>
        {caps.has('campaigns') ? (
          <ul>{(camps.data?.campaigns ?? []).map((c) => (
            <li key={c.code}>{c.code}: {c.percentOfList}% · {c.editions.join(', ')} · {c.enabled ? t('webhooks.enabled') : t('webhooks.disabled')}
              {c.startsAt ? ` · ${formatTime(c.startsAt, locale)}` : ''}{c.endsAt ? ` – ${formatTime(c.endsAt, locale)}` : ''}</li>))}</ul>) : na}
      </Section>
      <Section title={t('op.setFeature')}>
        {caps.has('setEditionFeature') ? (
          <div className="rk-row">
            <Field label={t('common.edition')}><select value={edition} onChange={(e) => setEdition(e.target.value as EditionCode)}>
              {EDITIONS.map((c) => <option key={c} value={c}>{c}</option>)}</select></Field>
            <Field label={t('op.feature')}><input type="text" value={feature} onChange={(e) => setFeature(e.target.value)} /></Field>
            <label><input type="checkbox" checked={included} onChange={(e) => setIncluded(e.target.checked)} /> {t('op.included')}</label>
            <Field label={t('op.featureValue')}><input type="text" value={value} onChange={(e) => setValue(e.target.value)} /></Field>
            <Button disabled={!feature} onClick={() => setEditionFeature({ edition, feature, included, value: value || null })}>{t('op.setFeature')}</Button>
            <Refusals errors={featured.data?.setEditionFeature.errors} />
          </div>) : na}
      </Section>
    </>
  );
}
