import { describe, expect, it } from 'vitest';
import { CSV_HEADER, csvCell, ordersToCsv } from './csv';

const m = (amount: string) => ({ amount });
const order = {
  id: '7', kind: 'PURCHASE', status: 'PAID', sdkAppId: 1400000000, edition: 'BASIC', months: 3, amount: m('7651.26'),
  paid: { voucher: m('100.00'), gift: m('0.00'), income: m('0.00'), cash: m('7551.26') }, createdAt: '2027-01-09T16:00:00+00:00',
};

describe('orders CSV export', () => {
  it('has a BOM, the header, one CRLF row per order with exact amounts and the payment split', () => {
    const csv = ordersToCsv([order, { ...order, id: '8', kind: 'POSTPAID', edition: null, months: null, amount: m('7.00') }]);
    expect(csv.startsWith('\ufeff')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines[0]).toBe(CSV_HEADER.join(','));
    expect(lines[1]).toBe('7,2027-01-09T16:00:00+00:00,PURCHASE,PAID,1400000000,BASIC,3,7651.26,100.00,0.00,0.00,7551.26');
    expect(lines[2]).toBe('8,2027-01-09T16:00:00+00:00,POSTPAID,PAID,1400000000,,,7.00,100.00,0.00,0.00,7551.26');
    expect(lines[3]).toBe('');
  });
  it('quotes commas and quotes, and neutralises spreadsheet formulas', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell('-12.50')).toBe('-12.50');
    expect(csvCell(null)).toBe('');
  });
});
