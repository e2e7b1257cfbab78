import { describe, expect, it } from 'vitest';
import { extractFragmentToken } from '../../../src/renderer/src/transports/token';

describe('extractFragmentToken', () => {
  it('takes the token from the printed link and leaves no fragment', () => {
    expect(extractFragmentToken('#token=abc123')).toEqual({
      token: 'abc123',
      hash: '',
      found: true,
    });
  });

  it('works without the leading #', () => {
    expect(extractFragmentToken('token=abc')).toEqual({
      token: 'abc',
      hash: '',
      found: true,
    });
  });

  it('keeps the route and its other parameters', () => {
    expect(extractFragmentToken('#/timeline?type=user.created&token=t0k&source=s1')).toEqual({
      token: 't0k',
      hash: '#/timeline?type=user.created&source=s1',
      found: true,
    });
    expect(extractFragmentToken('#/alerts?token=t')).toEqual({
      token: 't',
      hash: '#/alerts',
      found: true,
    });
  });

  it('keeps other fragment parameters verbatim', () => {
    expect(extractFragmentToken('#token=abc&x=1%202')).toEqual({
      token: 'abc',
      hash: '#x=1%202',
      found: true,
    });
  });

  it('decodes percent-escapes but keeps + (tokens are not form-encoded)', () => {
    expect(extractFragmentToken('#token=a%2Fb+c').token).toBe('a/b+c');
  });

  it('reports no token for plain routes and empty fragments', () => {
    expect(extractFragmentToken('')).toEqual({
      token: null,
      hash: '',
      found: false,
    });
    expect(extractFragmentToken('#')).toEqual({
      token: null,
      hash: '',
      found: false,
    });
    expect(extractFragmentToken('#/seats')).toEqual({
      token: null,
      hash: '#/seats',
      found: false,
    });
    expect(extractFragmentToken('#/people?q=token')).toEqual({
      token: null,
      hash: '#/people?q=token',
      found: false,
    });
  });

  it('strips an empty or undecodable token but returns none', () => {
    expect(extractFragmentToken('#token=')).toEqual({
      token: null,
      hash: '',
      found: true,
    });
    expect(extractFragmentToken('#token=%E0%A4%A')).toEqual({
      token: null,
      hash: '',
      found: true,
    });
  });
});
