// The renewal page's expiry windows: days, applied by the server's `renewals(filter)` when it has
// it, else to the applications' packages here with the same rule (now < expiresAt ≤ now + N × 24 h).
export type WindowKey = 'all' | 'd7' | 'd15' | 'd30' | 'm2' | 'm3' | 'expired';
export const WINDOWS: { key: WindowKey; days?: number; expired?: boolean }[] = [
  { key: 'all' }, { key: 'd7', days: 7 }, { key: 'd15', days: 15 }, { key: 'd30', days: 30 },
  { key: 'm2', days: 61 }, { key: 'm3', days: 92 }, { key: 'expired', expired: true },
];

export function inWindow(expiresAt: string, now: string, key: WindowKey): boolean {
  const w = WINDOWS.find((x) => x.key === key)!;
  const e = Date.parse(expiresAt);
  const n = Date.parse(now);
  if (w.expired) return e <= n;
  if (w.days) return n < e && e <= n + w.days * 86400_000;
  return true;
}
