import { useEffect, useState } from 'react';
import { Button } from 'tdesign-react';
import { useI18n } from '../i18n';
import { Field, Section } from '../ui';

/** UI-1: an access token, typed or taken from the sign-in link's #token=… (never sent to the server in a URL). */
export function SignIn({ onSignIn, invalid }: { onSignIn: (token: string) => void; invalid: boolean }) {
  const { t } = useI18n();
  const [token, setToken] = useState('');
  useEffect(() => {
    const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) {
      history.replaceState(null, '', location.pathname);
      onSignIn(decodeURIComponent(m[1]));
    }
  }, [onSignIn]);
  return (
    <>
      <h1>{t('signin.title')}</h1>
      <Section title={t('signin.title')}>
        <form onSubmit={(e) => { e.preventDefault(); if (token.trim()) onSignIn(token.trim()); }}>
          <div className="rk-row">
            <Field label={t('signin.token')}>
              <input type="password" autoComplete="off" size={60} value={token} onChange={(e) => setToken(e.target.value)} />
            </Field>
            <Button type="submit" theme="primary">{t('signin.submit')}</Button>
          </div>
          {invalid && <p role="alert" className="rk-error">{t('signin.invalid')}</p>}
          <p className="rk-muted">{t('signin.hint')}</p>
        </form>
      </Section>
    </>
  );
}
