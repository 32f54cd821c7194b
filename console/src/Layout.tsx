import { useEffect, useRef, useState, type ReactNode } from 'react';
import { NavLink } from 'react-router-dom';
import { useSubscription } from 'urql';
import { Alert, Button } from 'tdesign-react';
import { useI18n, type MessageKey } from './i18n';
import { useViewer } from './viewer';
import { graphql } from './gql';
import { liveEvents } from './liveEvents';

const EventsLive = graphql(`
  subscription EventsLive { events { id type sdkAppId data occurredAt } }
`);

const CUSTOMER_NAV: [string, MessageKey][] = [
  ['/pricing', 'nav.pricing'], ['/buy', 'nav.buy'], ['/apps', 'nav.apps'], ['/renewals', 'nav.renewals'],
  ['/upgrade', 'nav.upgrade'], ['/billing', 'nav.billing'], ['/refunds', 'nav.refunds'], ['/usage', 'nav.usage'],
  ['/events', 'nav.events'], ['/webhooks', 'nav.webhooks'],
];
const OPERATOR_NAV: [string, MessageKey][] = [
  ['/op/accounts', 'nav.opAccounts'], ['/op/refunds', 'nav.opRefunds'], ['/op/catalog', 'nav.opCatalog'],
  ['/op/clock', 'nav.opClock'], ['/pricing', 'nav.pricing'],
];
const TOASTED = new Set(['ARREARS_STARTED', 'ACCOUNT_SUSPENDED']);

/** The live events of the signed-in account: kept for the events page, toasted when they matter. */
function LiveEvents() {
  const { t } = useI18n();
  const [toasts, setToasts] = useState<{ id: string; type: string }[]>([]);
  const seen = useRef(new Set<string>());
  const [res] = useSubscription({ query: EventsLive });
  useEffect(() => {
    const e = res.data?.events;
    if (!e || seen.current.has(e.id)) return;
    seen.current.add(e.id);
    liveEvents.push(e);
    if (TOASTED.has(e.type)) setToasts((ts) => [...ts, { id: e.id, type: e.type }]);
  }, [res.data]);
  if (!toasts.length) return null;
  // A toast stays until closed: arrears and suspension must not slip by unseen.
  return (
    <div role="alert" className="rk-toasts">
      {toasts.map((x) => (
        <Alert key={x.id} theme={x.type === 'ACCOUNT_SUSPENDED' ? 'error' : 'warning'} title={x.type}
          message={t(`toast.${x.type}` as MessageKey)} closeBtn={t('common.close')}
          onClose={() => setToasts((ts) => ts.filter((y) => y.id !== x.id))} />
      ))}
    </div>
  );
}

export function Layout({ children, onSignOut }: { children: ReactNode; onSignOut: () => void }) {
  const { t, locale, setLocale } = useI18n();
  const viewer = useViewer();
  const nav = viewer?.role === 'OPERATOR' ? OPERATOR_NAV : viewer ? CUSTOMER_NAV : [['/pricing', 'nav.pricing'] as [string, MessageKey], ['/signin', 'signin.submit'] as [string, MessageKey]];
  return (
    <div className="rk-shell">
      {viewer && viewer.role !== 'OPERATOR' && <LiveEvents />}
      <nav className="rk-nav" aria-label={t('nav.main')}>
        <p style={{ fontSize: 16, fontWeight: 600, margin: '4px 16px 12px' }}>{t('app.title')}</p>
        <ul>
          {nav.map(([to, key]) => (
            <li key={to}><NavLink to={to}>{t(key)}</NavLink></li>
          ))}
        </ul>
      </nav>
      <div className="rk-main">
        <header className="rk-top">
          {viewer && <span className="rk-chip">{t(`role.${viewer.role}` as MessageKey)}</span>}
          <Button variant="outline" lang={locale === 'zh-CN' ? 'en' : 'zh-CN'} title={t("lang.switchLabel")}
            onClick={() => setLocale(locale === 'zh-CN' ? 'en' : 'zh-CN')}>{t('lang.switch')}</Button>
          {viewer && <Button variant="text" onClick={onSignOut}>{t('signout')}</Button>}
        </header>
        <main>{children}</main>
      </div>
    </div>
  );
}
