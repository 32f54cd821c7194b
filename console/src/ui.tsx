// Small shared pieces: money, quote lines, refusals in words, labelled native controls (every
// control has an accessible name: a <label> around it).
import type { ReactNode } from 'react';
import { Alert } from 'tdesign-react';
import { formatMoney } from './format';
import { useI18n } from './i18n';
import { quoteRows, refusalText, type QuoteLike, type RefusalContext, type UserErrorLike } from './quote';

export function Money({ amount }: { amount: string }) {
  const { locale } = useI18n();
  return <span>{formatMoney(amount, locale)}</span>;
}

export function QuoteTable({ quote, caption }: { quote: QuoteLike; caption: string }) {
  const { t, locale } = useI18n();
  return (
    <table className="rk-table" aria-label={caption}>
      <thead><tr><th scope="col">{t('quote.description')}</th><th scope="col">{t('common.months')}</th>
        <th scope="col">{t('quote.campaign')}</th><th scope="col">{t('common.amount')}</th></tr></thead>
      <tbody>
        {quoteRows(quote, locale).map((r) => (
          <tr key={r.key}><td>{r.description}</td><td>{r.months}</td><td>{r.campaign ?? '—'}</td><td>{r.amount}</td></tr>
        ))}
        <tr><th scope="row" colSpan={3}>{t('common.total')}</th>
          <td><strong data-testid="quote-total">{formatMoney(quote.total.amount, locale)}</strong></td></tr>
      </tbody>
    </table>
  );
}

export function Refusals({ errors, ctx }: { errors: UserErrorLike[] | null | undefined; ctx?: RefusalContext }) {
  const { locale } = useI18n();
  if (!errors?.length) return null;
  return (
    <div role="alert">
      {errors.map((e, i) => <p key={i} className="rk-error">{refusalText(e, locale, ctx)}</p>)}
    </div>
  );
}

export function GqlError({ error }: { error?: { message: string } | null }) {
  const { t } = useI18n();
  if (!error) return null;
  return <Alert theme="error" title={t('common.error')} message={error.message} />;
}

export function Field({ label, children }: { label: string; children: ReactNode }) {
  return <label className="rk-field"><span>{label}</span>{children}</label>;
}

export function Section({ title, children }: { title: string; children: ReactNode }) {
  // Unnamed on purpose: the heading titles it; a named region would also answer "find by label" queries.
  return <section className="rk-card"><h2 style={{ marginTop: 0, fontSize: 18 }}>{title}</h2>{children}</section>;
}
