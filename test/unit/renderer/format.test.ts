import { describe, expect, it } from 'vitest';
import { eventTypeSchema } from '../../../src/shared/contract';
import {
  capitalise,
  eventTypeLabel,
  formatAge,
  formatCount,
  formatHours,
  formatPercent,
  formatTime,
  providerLabel,
  utcIso,
} from '../../../src/renderer/src/lib/format';

describe('formatTime', () => {
  it('shows an instant in the given zone as YYYY-MM-DD HH:MM:SS', () => {
    expect(formatTime('2024-03-05T14:07:09Z', 'UTC')).toBe('2024-03-05 14:07:09');
    expect(formatTime('2024-03-05T14:07:09Z', 'Europe/Paris')).toBe('2024-03-05 15:07:09');
    expect(formatTime('2024-07-05T14:07:09Z', 'Europe/Paris')).toBe('2024-07-05 16:07:09'); // summer time
    expect(formatTime('2024-03-05T23:30:00Z', 'America/New_York')).toBe('2024-03-05 18:30:00');
    expect(formatTime('2024-03-05T23:30:00Z', 'Asia/Tokyo')).toBe('2024-03-06 08:30:00');
  });

  it('uses the local zone by default (TZ=UTC in tests) and a 24-hour clock', () => {
    expect(formatTime('2024-12-31T00:05:00.123Z')).toBe('2024-12-31 00:05:00');
  });

  it('returns unparseable input unchanged', () => {
    expect(formatTime('not a date')).toBe('not a date');
  });
});

describe('utcIso', () => {
  it('keeps a UTC ISO string as it is and normalises other forms', () => {
    expect(utcIso('2024-03-05T14:07:09Z')).toBe('2024-03-05T14:07:09Z');
    expect(utcIso('2024-03-05T14:07:09.5Z')).toBe('2024-03-05T14:07:09.5Z');
    expect(utcIso('2024-03-05T15:07:09+01:00')).toBe('2024-03-05T14:07:09.000Z');
    expect(utcIso('garbage')).toBe('garbage');
  });
});

describe('formatAge', () => {
  const now = Date.parse('2024-03-05T12:00:00Z');
  it('is coarse', () => {
    expect(formatAge('2024-03-05T11:59:30Z', now)).toBe('just now');
    expect(formatAge('2024-03-05T11:55:00Z', now)).toBe('5 min ago');
    expect(formatAge('2024-03-05T09:00:00Z', now)).toBe('3 h ago');
    expect(formatAge('2024-03-01T12:00:00Z', now)).toBe('4 d ago');
    expect(formatAge('2024-01-10T12:00:00Z', now)).toBe('55 d ago');
    expect(formatAge('2023-11-05T23:30:00Z', now, 'Asia/Tokyo')).toBe('2023-11-06');
  });
  it('treats the future (clock skew) as now', () => {
    expect(formatAge('2024-03-05T12:10:00Z', now)).toBe('just now');
  });
});

describe('formatHours', () => {
  it('shows a dash when unknown', () => {
    expect(formatHours(null)).toBe('—');
    expect(formatHours(undefined)).toBe('—');
    expect(formatHours(Number.NaN)).toBe('—');
    expect(formatHours(-1)).toBe('—');
  });
  it('picks minutes, hours or days', () => {
    expect(formatHours(0.25)).toBe('15 min');
    expect(formatHours(1)).toBe('1 h');
    expect(formatHours(3.46)).toBe('3.5 h');
    expect(formatHours(47.9)).toBe('47.9 h');
    expect(formatHours(72)).toBe('3 d');
    expect(formatHours(60)).toBe('2.5 d');
  });
});

describe('numbers', () => {
  it('groups counts and shows a dash for null', () => {
    expect(formatCount(12345, 'en-US')).toBe('12,345');
    expect(formatCount(0, 'en-US')).toBe('0');
    expect(formatCount(null)).toBe('—');
  });
  it('formats percentages of a known whole', () => {
    expect(formatPercent(61, 400)).toBe('15%');
    expect(formatPercent(5, null)).toBe('—');
    expect(formatPercent(5, 0)).toBe('—');
  });
});

describe('labels', () => {
  it('labels every event type', () => {
    for (const type of eventTypeSchema.options) expect(eventTypeLabel(type)).toMatch(/^[A-Z]/);
    expect(eventTypeLabel('group.member_added')).toBe('Added to group');
  });
  it('labels providers and capitalises', () => {
    expect(providerLabel('entra')).toBe('Microsoft Entra ID');
    expect(providerLabel('custom')).toBe('custom');
    expect(capitalise('open')).toBe('Open');
    expect(capitalise('')).toBe('');
  });
});
