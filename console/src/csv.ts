// CSV export of orders (UI-2 billing): one row per order, RFC 4180 quoting, amounts as the API's
// exact decimal strings, a UTF-8 BOM so spreadsheet programs read the Chinese headers.
export interface OrderForCsv {
  id: string; kind: string; status: string; sdkAppId: number; edition?: string | null; months?: number | null;
  amount: { amount: string };
  paid: { voucher: { amount: string }; gift: { amount: string }; income: { amount: string }; cash: { amount: string } };
  createdAt: string;
}

export const CSV_HEADER = ['id', 'createdAt', 'kind', 'status', 'sdkAppId', 'edition', 'months', 'amount',
  'voucher', 'gift', 'income', 'cash'];

export function csvCell(v: string | number | null | undefined): string {
  const s = v === null || v === undefined ? '' : String(v);
  // Quote anything a spreadsheet could misread; neutralise formula injection (=, +, -, @ at the start).
  const safe = /^[=+@]/.test(s) || (/^-/.test(s) && !/^-\d+(\.\d+)?$/.test(s)) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function ordersToCsv(orders: OrderForCsv[]): string {
  const rows = orders.map((o) => [o.id, o.createdAt, o.kind, o.status, o.sdkAppId, o.edition ?? '', o.months ?? '',
    o.amount.amount, o.paid.voucher.amount, o.paid.gift.amount, o.paid.income.amount, o.paid.cash.amount]);
  return '\ufeff' + [CSV_HEADER, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function downloadCsv(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
