import { describe, expect, it } from 'vitest';
import { formatMoney, formatTime, fromFen, toFen, shanghaiDay } from './format';

describe('money formatting', () => {
  it('groups thousands and keeps two decimals exactly, per locale', () => {
    expect(formatMoney('7651.26', 'zh-CN')).toBe('¥7,651.26');
    expect(formatMoney('7651.26', 'en')).toBe('¥7,651.26');
    expect(formatMoney('1234567.5', 'en')).toBe('¥1,234,567.50');
    expect(formatMoney('0', 'en')).toBe('¥0.00');
    expect(formatMoney('-7.00', 'zh-CN')).toBe('-¥7.00');
  });
  it('never goes through floating point', () => {
    expect(toFen('1653.26') + toFen('2999.00') * 2).toBe(765126);
    expect(fromFen(765126)).toBe('7651.26');
    expect(fromFen(-5)).toBe('-0.05');
    expect(toFen('0.1')).toBe(10);
  });
});

describe('times', () => {
  it('shows Asia/Shanghai with the zone named', () => {
    expect(formatTime('2027-01-09T16:00:00+00:00', 'en')).toBe('2027-01-10 00:00 (Asia/Shanghai)');
    expect(formatTime('2027-01-09T16:00:00Z', 'zh-CN')).toBe('2027-01-10 00:00 (北京时间 Asia/Shanghai)');
    expect(shanghaiDay('2027-02-24T16:00:00Z')).toBe('2027-02-25');
    expect(formatTime(null, 'en')).toBe('—');
  });
});
