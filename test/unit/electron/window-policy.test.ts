import { describe, expect, it } from 'vitest';
import { appUrlAt, isAllowedPermission, isInternalUrl, isSafeExternalUrl } from '../../../src/main/electron/window-policy';

describe('window policy', () => {
  it('allows navigation only inside the app, by parsed URL', () => {
    const file = 'file:///opt/Rollcall/out/renderer/index.html';
    expect(isInternalUrl(`${file}#/alerts`, file)).toBe(true);
    expect(isInternalUrl('file:///etc/passwd', file)).toBe(false);
    expect(isInternalUrl(`${file}?x=1`, file)).toBe(false);
    expect(isInternalUrl('https://evil.example/', file)).toBe(false);
    const dev = 'http://localhost:5173/';
    expect(isInternalUrl('http://localhost:5173/#/seats', dev)).toBe(true);
    expect(isInternalUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isInternalUrl('http://localhost:5173.evil.example/', dev)).toBe(false);
    expect(isInternalUrl('http://evil.example/?http://localhost:5173/', dev)).toBe(false);
    expect(isInternalUrl('not a url', dev)).toBe(false);
  });

  it('hands only plain http(s) links to the OS browser', () => {
    expect(isSafeExternalUrl('https://developer.okta.com/docs/')).toBe(true);
    for (const bad of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'https://user:pw@host/',
      'mailto:x@y',
      'ms-msdt:/id',
      '',
    ]) {
      expect(isSafeExternalUrl(bad), bad).toBe(false);
    }
  });

  it('grants only the permissions the UI needs', () => {
    expect(isAllowedPermission('notifications')).toBe(true);
    for (const p of ['media', 'geolocation', 'openExternal', 'hid', 'serial', 'clipboard-read']) expect(isAllowedPermission(p)).toBe(false);
  });

  it('puts a route on the app URL without leaving the app', () => {
    const file = 'file:///opt/Rollcall/out/renderer/index.html';
    const at = appUrlAt(file, '#/alerts?status=open&severity=high&alert=7');
    expect(at).toBe(`${file}#/alerts?status=open&severity=high&alert=7`);
    expect(isInternalUrl(at, file)).toBe(true);
    expect(appUrlAt(`${file}#/seats`, '#/people')).toBe(`${file}#/people`);
    const dev = 'http://localhost:5173/';
    expect(isInternalUrl(appUrlAt(dev, '#/settings'), dev)).toBe(true);
  });
});
