// How a quote and a refusal are shown (UI-2 buy/renew/upgrade): lines with their campaign, the total,
// and every refusal in words, the shortfall named for INSUFFICIENT_BALANCE.
import { formatMoney, fromFen, toFen, type Locale } from './format';
import { tr, type MessageKey } from './i18n';

export interface QuoteLineLike { description: string; months: number; amount: { amount: string }; campaign?: string | null }
export interface QuoteLike { lines: QuoteLineLike[]; total: { amount: string } }
export interface UserErrorLike { code: string; message: string; field?: string | null }

export interface QuoteRow { key: string; description: string; months: number; amount: string; campaign: string | null }

export function quoteRows(q: QuoteLike, locale: Locale): QuoteRow[] {
  return q.lines.map((l, i) => ({
    key: `${i}`,
    description: l.description,
    months: l.months,
    amount: formatMoney(l.amount.amount, locale),
    campaign: l.campaign ? campaignName(l.campaign, locale) : null,
  }));
}

export function campaignName(code: string, locale: Locale): string {
  const known: Record<string, MessageKey> = { FIRST_ORDER: 'campaign.FIRST_ORDER', ALL_CUSTOMERS: 'campaign.ALL_CUSTOMERS' };
  return known[code] ? tr(locale, known[code]) : code;
}

/** What the customer still has to add: total − vouchers − available balance (never negative). */
export function shortfall(total: string, available: string, vouchers = '0.00'): string {
  return fromFen(Math.max(0, toFen(total) - toFen(vouchers) - toFen(available)));
}

export interface RefusalContext { total?: string; available?: string; vouchers?: string }

/** One refusal in words for the customer; unknown codes fall back to the API's own message. */
export function refusalText(e: UserErrorLike, locale: Locale, ctx: RefusalContext = {}): string {
  if (e.code === 'INSUFFICIENT_BALANCE' && ctx.total && ctx.available) {
    const gap = formatMoney(shortfall(ctx.total, ctx.available, ctx.vouchers), locale);
    return tr(locale, 'refusal.INSUFFICIENT_BALANCE_BY', { gap });
  }
  const key = `refusal.${e.code}` as MessageKey;
  const text = tr(locale, key);
  return text === key ? `${e.code}: ${e.message}` : text;
}
