import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTE, formatRoute, isPage, PAGE_TITLES, PAGES, parseRoute, routesEqual } from '../../../src/renderer/src/store/route';

describe('parseRoute', () => {
  it('defaults to the dashboard for an empty or bare hash', () => {
    expect(parseRoute('')).toEqual(DEFAULT_ROUTE);
    expect(parseRoute('#')).toEqual(DEFAULT_ROUTE);
    expect(parseRoute('#/')).toEqual(DEFAULT_ROUTE);
  });

  it('reads every page', () => {
    for (const page of PAGES) expect(parseRoute(`#/${page}`)).toEqual({ page, params: {} });
  });

  it('reads parameters, decoding them', () => {
    expect(parseRoute('#/timeline?type=user.created&source=okta%201')).toEqual({
      page: 'timeline',
      params: { type: 'user.created', source: 'okta 1' },
    });
  });

  it('tolerates a missing leading slash, a trailing slash and upper case', () => {
    expect(parseRoute('#alerts').page).toBe('alerts');
    expect(parseRoute('#/Seats/').page).toBe('seats');
    expect(parseRoute('/people?q=ada')).toEqual({
      page: 'people',
      params: { q: 'ada' },
    });
  });

  it('sends unknown pages to the dashboard', () => {
    expect(parseRoute('#/nope?x=1')).toEqual(DEFAULT_ROUTE);
    expect(parseRoute('#token=abc')).toEqual(DEFAULT_ROUTE);
    expect(parseRoute('#main')).toEqual(DEFAULT_ROUTE);
  });

  it('drops empty values and keeps the first of repeated parameters', () => {
    expect(parseRoute('#/alerts?status=&severity=high&severity=low').params).toEqual({ severity: 'high' });
  });
});

describe('formatRoute', () => {
  it('formats a page without parameters', () => {
    expect(formatRoute('sources')).toBe('#/sources');
  });

  it('leaves out undefined, null and empty parameters and encodes the rest', () => {
    expect(
      formatRoute('timeline', {
        type: 'user.created',
        source: undefined,
        person: null,
        q: '',
      }),
    ).toBe('#/timeline?type=user.created');
    expect(formatRoute('people', { q: 'a&b c' })).toBe('#/people?q=a%26b+c');
  });

  it('round-trips through parseRoute', () => {
    const params = { type: 'role.granted', source: 'src/1?x', person: '42' };
    expect(parseRoute(formatRoute('audit', params))).toEqual({
      page: 'audit',
      params,
    });
  });
});

describe('routesEqual / isPage / titles', () => {
  it('compares page and parameters', () => {
    expect(routesEqual({ page: 'alerts', params: { a: '1' } }, { page: 'alerts', params: { a: '1' } })).toBe(true);
    expect(routesEqual({ page: 'alerts', params: { a: '1' } }, { page: 'alerts', params: { a: '2' } })).toBe(false);
    expect(routesEqual({ page: 'alerts', params: {} }, { page: 'alerts', params: { a: '1' } })).toBe(false);
    expect(routesEqual({ page: 'alerts', params: {} }, { page: 'seats', params: {} })).toBe(false);
  });

  it('knows the pages and titles every page', () => {
    expect(isPage('audit')).toBe(true);
    expect(isPage('constructor')).toBe(false);
    expect(PAGES.map((p) => PAGE_TITLES[p])).toEqual([
      'Dashboard',
      'Timeline',
      'Alerts',
      'Audit trail',
      'Seats',
      'People',
      'Sources',
      'Settings',
    ]);
  });
});
