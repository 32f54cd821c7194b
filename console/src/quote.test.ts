import { describe, expect, it } from 'vitest';
import { quoteRows, refusalText, shortfall } from './quote';

const B4 = {
  lines: [
    { description: 'BASIC month 1', months: 1, amount: { amount: '1653.26' }, campaign: 'FIRST_ORDER' },
    { description: 'BASIC months 2-3', months: 2, amount: { amount: '5998.00' }, campaign: null },
  ],
  total: { amount: '7651.26' },
};

describe('quote display', () => {
  it('B4: shows each line with its campaign in words and the amount per locale', () => {
    const zh = quoteRows(B4, 'zh-CN');
    expect(zh.map((r) => r.amount)).toEqual(['¥1,653.26', '¥5,998.00']);
    expect(zh[0].campaign).toBe('新客首单 4.9 折');
    expect(zh[1].campaign).toBeNull();
    expect(quoteRows(B4, 'en')[0].campaign).toBe('First order: 49% of list price');
  });
  it('names an unknown campaign by its code', () => {
    expect(quoteRows({ lines: [{ description: 'x', months: 1, amount: { amount: '1.00' }, campaign: 'SPRING' }], total: { amount: '1.00' } }, 'en')[0].campaign).toBe('SPRING');
  });
});

describe('refusals in words', () => {
  it('B6: the shortfall is total − vouchers − available, never negative', () => {
    expect(shortfall('7651.26', '1000.00')).toBe('6651.26');
    expect(shortfall('7651.26', '1000.00', '100.00')).toBe('6551.26');
    expect(shortfall('10.00', '20.00')).toBe('0.00');
  });
  it('names the shortfall for INSUFFICIENT_BALANCE', () => {
    const e = { code: 'INSUFFICIENT_BALANCE', message: 'x' };
    expect(refusalText(e, 'en', { total: '7651.26', available: '1000.00' })).toBe('Insufficient balance: ¥6,651.26 short. Please top up first.');
    expect(refusalText(e, 'zh-CN', { total: '7651.26', available: '1000.00' })).toBe('余额不足：还差 ¥6,651.26，请先充值。');
  });
  it('B1/A2: agreement and real-name refusals in both languages; unknown codes keep the API message', () => {
    expect(refusalText({ code: 'AGREEMENT_NOT_ACCEPTED', message: '' }, 'en')).toBe('Please accept the terms of service first.');
    expect(refusalText({ code: 'REAL_NAME_REQUIRED', message: '' }, 'zh-CN')).toBe('账号尚未完成实名认证，完成后才能购买。');
    expect(refusalText({ code: 'SOMETHING_NEW', message: 'why' }, 'en')).toBe('SOMETHING_NEW: why');
  });
});
