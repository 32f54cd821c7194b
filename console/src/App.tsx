import { Suspense, lazy, useCallback, useEffect, useMemo, useState, type ReactElement } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { Provider, useQuery } from 'urql';
import { ConfigProvider, Loading } from 'tdesign-react';
import zhConfig from 'tdesign-react/es/locale/zh_CN';
import enConfig from 'tdesign-react/es/locale/en_US';
import { makeClient } from './client';
import { I18nContext, rememberLocale, storedLocale, tr, type I18n } from './i18n';
import type { Locale } from './format';
import { getToken, setToken } from './session';
import { ViewerContext, type ViewerInfo } from './viewer';
import { graphql } from './gql';
import { Layout } from './Layout';
import { SignIn } from './pages/SignIn';

// Route-level code splitting: the first page loads only the shell and the page it shows.
const Pricing = lazy(() => import('./pages/Pricing'));
const Buy = lazy(() => import('./pages/Buy'));
const Apps = lazy(() => import('./pages/Apps'));
const Renewals = lazy(() => import('./pages/Renewals'));
const Upgrade = lazy(() => import('./pages/Upgrade'));
const Billing = lazy(() => import('./pages/Billing'));
const Refunds = lazy(() => import('./pages/Refunds'));
const Usage = lazy(() => import('./pages/Usage'));
const Events = lazy(() => import('./pages/Events'));
const Webhooks = lazy(() => import('./pages/Webhooks'));
const OpAccounts = lazy(() => import('./op/Accounts'));
const OpRefunds = lazy(() => import('./op/RefundReview'));
const OpCatalog = lazy(() => import('./op/Catalog'));
const OpClock = lazy(() => import('./op/Clock'));

const ViewerQuery = graphql(`
  query Viewer { viewer { role accountId simulatedClock sandboxPayments } }
`);

function Routed({ onSignOut, onSignIn }: { onSignOut: () => void; onSignIn: (t: string) => void }) {
  const [{ data, fetching }] = useQuery({ query: ViewerQuery, requestPolicy: 'network-only', pause: !getToken() });
  const viewer = (data?.viewer ?? null) as ViewerInfo | null;
  if (fetching && !data) return <Loading />;
  const operator = viewer?.role === 'OPERATOR';
  const home = !viewer ? '/signin' : operator ? '/op/accounts' : '/apps';
  const need = (el: ReactElement, op = false) => (!viewer ? <Navigate to="/signin" replace /> : op !== operator
    ? <Navigate to={home} replace /> : el);
  return (
    <ViewerContext.Provider value={viewer}>
      <Layout onSignOut={onSignOut}>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/signin" element={viewer ? <Navigate to={home} replace />
              : <SignIn onSignIn={onSignIn} invalid={!!getToken() && !viewer} />} />
            <Route path="/pricing" element={<Pricing />} />
            <Route path="/buy" element={need(<Buy />)} />
            <Route path="/apps" element={need(<Apps />)} />
            <Route path="/renewals" element={need(<Renewals />)} />
            <Route path="/upgrade" element={need(<Upgrade />)} />
            <Route path="/billing" element={need(<Billing />)} />
            <Route path="/refunds" element={need(<Refunds />)} />
            <Route path="/usage" element={need(<Usage />)} />
            <Route path="/events" element={need(<Events />)} />
            <Route path="/webhooks" element={need(<Webhooks />)} />
            <Route path="/op/accounts" element={need(<OpAccounts />, true)} />
            <Route path="/op/refunds" element={need(<OpRefunds />, true)} />
            <Route path="/op/catalog" element={need(<OpCatalog />, true)} />
            <Route path="/op/clock" element={need(<OpClock />, true)} />
            <Route path="*" element={<Navigate to={home} replace />} />
          </Routes>
        </Suspense>
      </Layout>
    </ViewerContext.Provider>
  );
}

export function App() {
  const [locale, setLocaleState] = useState<Locale>(storedLocale());
  const [generation, setGeneration] = useState(0); // a new client (and WebSocket) per sign-in
  const client = useMemo(() => makeClient(), [generation]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    document.documentElement.lang = locale === 'zh-CN' ? 'zh-CN' : 'en';
    document.title = tr(locale, 'app.title');
  }, [locale]);
  const setLocale = useCallback((l: Locale) => { rememberLocale(l); setLocaleState(l); }, []);
  const i18n: I18n = useMemo(() => ({ locale, setLocale, t: (k, p) => tr(locale, k, p) }), [locale, setLocale]);
  const signIn = useCallback((token: string) => { setToken(token); setGeneration((g) => g + 1); }, []);
  const signOut = useCallback(() => { setToken(null); setGeneration((g) => g + 1); }, []);
  return (
    <I18nContext.Provider value={i18n}>
      <ConfigProvider globalConfig={locale === 'zh-CN' ? zhConfig : enConfig}>
        <Provider value={client}>
          <BrowserRouter basename="/console">
            <Routed key={generation} onSignIn={signIn} onSignOut={signOut} />
          </BrowserRouter>
        </Provider>
      </ConfigProvider>
    </I18nContext.Provider>
  );
}
