import { useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Button } from 'tdesign-react';
import { graphql } from '../gql';
import type { RenewFlag, RenewScope } from '../gql/graphql';
import { useI18n, type MessageKey } from '../i18n';
import { formatMoney, formatTime, fromFen, toFen } from '../format';
import { idempotencyKey } from '../session';
import { useCapabilities } from '../capabilities';
import { useReadOnly } from '../viewer';
import { Field, GqlError, QuoteTable, Refusals, Section } from '../ui';
import { WINDOWS, inWindow, type WindowKey } from './renewalFilters';

const Basic = graphql(`
  query RenewalsBasic {
    now
    applications { sdkAppId name package { id sdkAppId edition status expiresAt autoRenew rtc { expiresAt } im { expiresAt } } }
  }
`);
const Full = graphql(`
  query RenewalsFull($filter: RenewalFilter) {
    now
    renewals(filter: $filter, first: 100) {
      edges { node { id sdkAppId edition status expiresAt autoRenew renewFlag renewalPrice { amount } rtc { expiresAt } im { expiresAt } } }
    }
    orders(kind: RENEWAL, first: 50) { edges { node { id sdkAppId status months amount { amount } createdAt } } }
  }
`);
const Renew = graphql(`
  mutation Renew($input: RenewInput!) { renewPackage(input: $input) { order { id amount { amount } } errors { code message field } } }
`);
const SetAutoRenew = graphql(`
  mutation SetAutoRenewFlag($sdkAppId: Int!, $enabled: Boolean!) { setAutoRenew(sdkAppId: $sdkAppId, enabled: $enabled) { package { id autoRenew } errors { code message field } } }
`);
const SetRenewFlag = graphql(`
  mutation SetRenewFlag($sdkAppId: Int!, $flag: RenewFlag!) { setRenewFlag(sdkAppId: $sdkAppId, flag: $flag) { package { id renewFlag autoRenew } errors { code message field } } }
`);
const RenewMany = graphql(`
  mutation RenewMany($input: BatchRenewInput!) { renewPackages(input: $input) { orders { id amount { amount } } errors { code message field } } }
`);
const AlignQuote = graphql(`
  query AlignQuote($ids: [Int!]!, $day: Int!) { alignExpiryQuote(sdkAppIds: $ids, day: $day) { lines { description months amount { amount } campaign } total { amount } } }
`);
const Align = graphql(`
  mutation Align($input: AlignExpiryInput!) { alignExpiry(input: $input) { orders { id amount { amount } } errors { code message field } } }
`);
const CancelRenewal = graphql(`
  mutation CancelRenewal($orderId: ID!, $key: String!) { cancelRenewal(orderId: $orderId, idempotencyKey: $key) { refund { id status amount { amount } } errors { code message field } } }
`);

interface Row { sdkAppId: number; name: string; edition: string; status: string; expiresAt: string; rtc: string; im?: string | null;
  flag: RenewFlag; renewalPrice?: string | null }
const FLAGS: RenewFlag[] = ['AUTO_RENEW', 'MANUAL_RENEW', 'NO_RENEW'];
const SCOPES: RenewScope[] = ['FULL', 'RTC_ONLY', 'IM_ONLY'];

/** UI-2 renewal management (R-6–R-9, F-5). */
export default function Renewals() {
  const { t, locale } = useI18n();
  const readOnly = useReadOnly();
  const caps = useCapabilities();
  const full = caps.has('renewals');
  const [win, setWin] = useState<WindowKey>('all');
  const [flagFilter, setFlagFilter] = useState<RenewFlag | ''>('');
  const w = WINDOWS.find((x) => x.key === win)!;
  const filter = { ...(w.days ? { expiringWithinDays: w.days } : {}), ...(w.expired ? { expired: true } : {}),
    ...(flagFilter ? { flag: flagFilter } : {}) };
  const [basic, refetchBasic] = useQuery({ query: Basic, pause: !caps.ready }); // names, and the rows without §12
  const [fullRes, refetchFull] = useQuery({ query: Full, variables: { filter }, pause: !full });
  const refetch = () => (full ? refetchFull : refetchBasic)({ requestPolicy: 'network-only' });
  const names = new Map((basic.data?.applications ?? []).map((a) => [a.sdkAppId, a.name]));
  const rows: Row[] = useMemo(() => {
    if (full) {
      return (fullRes.data?.renewals.edges ?? []).map(({ node: p }) => ({ sdkAppId: p.sdkAppId, name: String(p.sdkAppId),
        edition: p.edition, status: p.status, expiresAt: p.expiresAt, rtc: p.rtc.expiresAt, im: p.im?.expiresAt,
        flag: p.renewFlag, renewalPrice: p.renewalPrice?.amount }));
    }
    const now = basic.data?.now ?? new Date().toISOString();
    return (basic.data?.applications ?? []).filter((a) => a.package && ['ACTIVE', 'EXPIRED'].includes(a.package.status))
      .map((a) => ({ sdkAppId: a.sdkAppId, name: a.name, edition: a.package!.edition, status: a.package!.status,
        expiresAt: a.package!.expiresAt, rtc: a.package!.rtc.expiresAt, im: a.package!.im?.expiresAt,
        flag: (a.package!.autoRenew ? 'AUTO_RENEW' : 'MANUAL_RENEW') as RenewFlag }))
      .filter((r) => inWindow(r.expiresAt, now, win) && (!flagFilter || r.flag === flagFilter));
  }, [full, fullRes.data, basic.data, win, flagFilter]);

  const [months, setMonths] = useState<Record<number, number>>({});
  const [scopes, setScopes] = useState<Record<number, RenewScope>>({});
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [day, setDay] = useState(25);
  const [showAlign, setShowAlign] = useState(false);
  const [renewed, renew] = useMutation(Renew);
  const [autoRes, setAutoRenew] = useMutation(SetAutoRenew);
  const [flagRes, setRenewFlag] = useMutation(SetRenewFlag);
  const [batch, renewMany] = useMutation(RenewMany);
  const [aligned, align] = useMutation(Align);
  const [cancelled, cancelRenewal] = useMutation(CancelRenewal);
  const ids = [...selected];
  const [alignQ] = useQuery({ query: AlignQuote, variables: { ids, day }, pause: !showAlign || !ids.length || !caps.has('alignExpiryQuote') });
  const batchTotal = fromFen(rows.filter((r) => selected.has(r.sdkAppId) && r.renewalPrice)
    .reduce((s, r) => s + toFen(r.renewalPrice!) * (months[r.sdkAppId] ?? 1), 0));
  const label = (r: Row) => names.get(r.sdkAppId) ?? r.name;
  const changeFlag = (r: Row, flag: RenewFlag) => (caps.has('setRenewFlag')
    ? setRenewFlag({ sdkAppId: r.sdkAppId, flag }) : setAutoRenew({ sdkAppId: r.sdkAppId, enabled: flag === 'AUTO_RENEW' }))
    .then(refetch);
  const renewOk = renewed.data?.renewPackage.order;
  return (
    <>
      <h1>{t('renew.title')}</h1>
      <GqlError error={basic.error ?? fullRes.error ?? renewed.error ?? flagRes.error ?? batch.error ?? aligned.error} />
      <Section title={t('renew.filter')}>
        <div className="rk-row" role="group" aria-label={t('renew.filter')}>
          {WINDOWS.map((x) => (
            <Button key={x.key} variant={win === x.key ? 'base' : 'outline'} aria-pressed={win === x.key}
              onClick={() => setWin(x.key)}>{t(`renew.${x.key}` as MessageKey)}</Button>
          ))}
          <Field label={t('renew.flagFilter')}>
            <select value={flagFilter} onChange={(e) => setFlagFilter(e.target.value as RenewFlag | '')}>
              <option value="">{t('renew.all')}</option>
              {FLAGS.map((f) => <option key={f} value={f}>{t(`flag.${f}` as MessageKey)}</option>)}
            </select>
          </Field>
        </div>
      </Section>
      <table className="rk-table" aria-label={t('renew.title')}>
        <thead><tr>
          <th scope="col"><span className="rk-muted">✓</span></th><th scope="col">{t('common.app')}</th><th scope="col">{t('common.edition')}</th>
          <th scope="col">{t('common.status')}</th><th scope="col">{t('apps.rtcExpiry')}</th><th scope="col">{t('apps.imExpiry')}</th>
          <th scope="col">{t('renew.flag')}</th><th scope="col">{t('common.months')}</th><th scope="col">{t('renew.scope')}</th>
          <th scope="col">{t('common.actions')}</th>
        </tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.sdkAppId} data-app={r.sdkAppId}>
              <td><input type="checkbox" aria-label={t('renew.select', { app: label(r) })} checked={selected.has(r.sdkAppId)}
                onChange={(e) => { const s = new Set(selected); if (e.target.checked) s.add(r.sdkAppId); else s.delete(r.sdkAppId); setSelected(s); }} /></td>
              <td>{label(r)} <span className="rk-muted">{r.sdkAppId}</span></td>
              <td>{r.edition}</td><td>{r.status}</td>
              <td>{formatTime(r.rtc, locale)}</td><td>{formatTime(r.im, locale)}</td>
              <td><select aria-label={`${t('renew.flag')} ${label(r)}`} value={r.flag} disabled={readOnly}
                onChange={(e) => changeFlag(r, e.target.value as RenewFlag)}>
                {FLAGS.filter((f) => f !== 'NO_RENEW' || caps.has('setRenewFlag')).map((f) => (
                  <option key={f} value={f}>{t(`flag.${f}` as MessageKey)}</option>))}
              </select></td>
              <td><input type="number" min={1} max={36} aria-label={`${t('common.months')} ${label(r)}`} value={months[r.sdkAppId] ?? 1}
                onChange={(e) => setMonths({ ...months, [r.sdkAppId]: Math.trunc(Number(e.target.value)) || 0 })} style={{ width: 64 }} /></td>
              <td><select aria-label={`${t('renew.scope')} ${label(r)}`} value={scopes[r.sdkAppId] ?? 'FULL'}
                onChange={(e) => setScopes({ ...scopes, [r.sdkAppId]: e.target.value as RenewScope })}>
                {SCOPES.map((s) => <option key={s} value={s}>{t(`scope.${s}` as MessageKey)}</option>)}
              </select></td>
              <td><Button size="small" disabled={readOnly} aria-label={t('renew.renewApp', { app: label(r) })}
                onClick={() => renew({ input: { sdkAppId: r.sdkAppId, months: months[r.sdkAppId] ?? 1, scope: scopes[r.sdkAppId] ?? 'FULL',
                  idempotencyKey: idempotencyKey('renew') } }).then(refetch)}>{t('renew.renew')}</Button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <Refusals errors={renewed.data?.renewPackage.errors ?? autoRes.data?.setAutoRenew.errors ?? flagRes.data?.setRenewFlag.errors} />
      {renewOk && <p role="status" className="rk-ok">{t('renew.ok', { amount: formatMoney(renewOk.amount.amount, locale) })}</p>}
      <Section title={t('renew.batch')}>
        {caps.has('renewPackages') ? (
          <div className="rk-row">
            <span data-testid="batch-total">{t('renew.batchTotal', { total: formatMoney(batchTotal, locale) })}</span>
            <Button theme="primary" disabled={readOnly || !ids.length} onClick={() => renewMany({ input: {
              items: rows.filter((r) => selected.has(r.sdkAppId)).map((r) => ({ sdkAppId: r.sdkAppId, months: months[r.sdkAppId] ?? 1,
                scope: scopes[r.sdkAppId] ?? 'FULL' })), idempotencyKey: idempotencyKey('batch') } }).then(refetch)}>{t('renew.batch')}</Button>
            <Refusals errors={batch.data?.renewPackages.errors} />
            {!!batch.data?.renewPackages.orders.length && <p role="status" className="rk-ok">{t('renew.ok', { amount: formatMoney(
              fromFen(batch.data.renewPackages.orders.reduce((s, o) => s + toFen(o.amount.amount), 0)), locale) })}</p>}
          </div>) : <p className="rk-muted">{t('renew.notAvailable')}</p>}
      </Section>
      <Section title={t('renew.align')}>
        {caps.has('alignExpiry') ? (
          <>
            <div className="rk-row">
              <Field label={t('renew.alignDay')}><input type="number" min={1} max={28} value={day}
                onChange={(e) => setDay(Math.trunc(Number(e.target.value)) || 0)} /></Field>
              <Button disabled={!ids.length} onClick={() => setShowAlign(true)}>{t('renew.alignQuote')}</Button>
              <Button theme="primary" disabled={readOnly || !ids.length || !alignQ.data} onClick={() => align({ input: {
                sdkAppIds: ids, day, idempotencyKey: idempotencyKey('align') } }).then(refetch)}>{t('renew.alignPay')}</Button>
            </div>
            {alignQ.data && <QuoteTable quote={alignQ.data.alignExpiryQuote} caption={t('renew.align')} />}
            <GqlError error={alignQ.error} />
            <Refusals errors={aligned.data?.alignExpiry.errors} />
            {aligned.data && !aligned.data.alignExpiry.errors.length && <p role="status" className="rk-ok">{t('common.done')}</p>}
          </>) : <p className="rk-muted">{t('renew.notAvailable')}</p>}
      </Section>
      <Section title={t('renew.cancel')}>
        {caps.has('cancelRenewal') ? (
          <ul>
            {(fullRes.data?.orders.edges ?? []).filter(({ node: o }) => o.status === 'PAID').map(({ node: o }) => (
              <li key={o.id} className="rk-row">
                <span>{o.id} · {o.sdkAppId} · {t('common.monthsN', { n: o.months ?? 0 })} · {formatMoney(o.amount.amount, locale)} · {formatTime(o.createdAt, locale)}</span>
                <Button size="small" disabled={readOnly} aria-label={t('renew.cancelOrder', { id: o.id })}
                  onClick={() => cancelRenewal({ orderId: o.id, key: idempotencyKey('cancel') }).then(refetch)}>{t('renew.cancel')}</Button>
              </li>))}
            <Refusals errors={cancelled.data?.cancelRenewal.errors} />
          </ul>) : <p className="rk-muted">{t('renew.notAvailable')}</p>}
      </Section>
    </>
  );
}
