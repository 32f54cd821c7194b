// Money, numbers and times for the two console locales. The API speaks "1653.26" strings (integer
// fen underneath) and ISO-8601 UTC; the console shows yuan per locale and Asia/Shanghai times.
export type Locale = 'zh-CN' | 'en';
export const ZONE = 'Asia/Shanghai';

/** "7651.26" → "¥7,651.26"; exact: the string is split, never parsed as a float. */
export function formatMoney(amount: string, locale: Locale): string {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!m) return amount;
  const [, sign, whole, frac = ''] = m;
  const grouped = Number(whole).toLocaleString(locale === 'zh-CN' ? 'zh-CN' : 'en-US');
  return `${sign}¥${grouped}.${frac.padEnd(2, '0')}`;
}

export function formatNumber(n: number, locale: Locale): string {
  return n.toLocaleString(locale === 'zh-CN' ? 'zh-CN' : 'en-US');
}

/** Integer fen of a decimal string, for arithmetic that must stay exact. */
export function toFen(amount: string): number {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!m) throw new Error(`not an amount: ${amount}`);
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -fen : fen;
}

export function fromFen(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const a = Math.abs(fen);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** An instant in Asia/Shanghai with the zone named: "2027-01-10 00:00 (Asia/Shanghai)". */
export function formatTime(iso: string | null | undefined, locale: Locale): string {
  if (!iso) return '—';
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const zone = locale === 'zh-CN' ? '北京时间 Asia/Shanghai' : 'Asia/Shanghai';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} (${zone})`;
}

/** The Asia/Shanghai calendar day of an instant, "2027-01-10". */
export function shanghaiDay(iso: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(iso));
}
