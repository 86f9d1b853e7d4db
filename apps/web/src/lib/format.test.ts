import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatCents,
  formatContracts,
  formatDollars,
  formatDuration,
  formatPercent,
  pnlTone,
} from './format';

describe('formatDollars', () => {
  it('shows two decimals with thousands separators', () => {
    expect(formatDollars(1234.5)).toBe('$1,234.50');
    expect(formatDollars(0)).toBe('$0.00');
  });

  it('signs P&L when asked, and always signs losses', () => {
    expect(formatDollars(3, { signed: true })).toBe('+$3.00');
    expect(formatDollars(-0.07, { signed: true })).toBe('-$0.07');
    expect(formatDollars(-0.07)).toBe('-$0.07');
    expect(formatDollars(0, { signed: true })).toBe('$0.00');
  });

  it('rounds micro-dollar amounts half away from zero without float drift', () => {
    expect(formatDollars(0.005)).toBe('$0.01');
    expect(formatDollars(-0.005)).toBe('-$0.01');
    expect(formatDollars(0.004999)).toBe('$0.00');
    expect(formatDollars(1.015)).toBe('$1.02');
    expect(formatDollars(0.1 + 0.2)).toBe('$0.30');
    expect(formatDollars(-0.004)).toBe('$0.00');
  });
});

describe('formatCents', () => {
  it('keeps whole-cent prices short and shows sub-cent prices to two decimals', () => {
    expect(formatCents(42)).toBe('42¢');
    expect(formatCents(42.5)).toBe('42.5¢');
    expect(formatCents(0.25)).toBe('0.25¢');
    expect(formatCents(99.9)).toBe('99.9¢');
    expect(formatCents(12.345)).toBe('12.35¢');
  });

  it('shows a dash when there is no price', () => {
    expect(formatCents(null)).toBe('—');
  });
});

describe('formatContracts and formatPercent', () => {
  it('shows contracts with up to two decimals', () => {
    expect(formatContracts(1000)).toBe('1,000');
    expect(formatContracts(12.5)).toBe('12.5');
    expect(formatContracts(0.01)).toBe('0.01');
  });

  it('signs percentages', () => {
    expect(formatPercent(12.345)).toBe('+12.35%');
    expect(formatPercent(-0.5)).toBe('-0.50%');
    expect(formatPercent(0)).toBe('0.00%');
  });
});

describe('durations and tones', () => {
  it('shows the two largest units', () => {
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(725)).toBe('12m 5s');
    expect(formatDuration(3 * 3600 + 240)).toBe('3h 4m');
    expect(formatDuration(2 * 86400 + 5 * 3600)).toBe('2d 5h');
    expect(formatAge(500)).toBe('just now');
    expect(formatAge(12_000)).toBe('12s ago');
  });

  it('calls a sub-cent P&L flat, as it displays', () => {
    expect(pnlTone(0.004)).toBe('flat');
    expect(pnlTone(0.005)).toBe('gain');
    expect(pnlTone(-1)).toBe('loss');
  });
});
