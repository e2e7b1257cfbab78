import { describe, expect, it } from 'vitest';
import {
  ADD_DIRECTORY_COMMAND,
  directoryDetail,
  intervalLabel,
  lastSyncResult,
  syncActivity,
  syncCountsLabel,
  syncFinishedAnnouncement,
  syncTriggerLabel,
  type Directory,
  type SyncProgress,
} from '../../../src/renderer/src/lib/sources';

type Run = NonNullable<Directory['lastSync']>;

const run = (over: Partial<Run> = {}): Run => ({
  id: 7,
  trigger: 'schedule',
  full: false,
  baseline: false,
  status: 'ok',
  mode: 'delta',
  startedAt: '2024-03-05T12:00:00Z',
  finishedAt: '2024-03-05T12:01:00Z',
  pages: 4,
  users: 1200,
  groups: 3,
  memberships: 40,
  events: 5,
  error: null,
  ...over,
});

const progress: SyncProgress = {
  syncId: 8,
  baseline: false,
  phase: 'users',
  pages: 1,
  users: 10,
  groups: 0,
  memberships: 0,
  events: 0,
  waiting: null,
  error: null,
};

describe('directories: last sync', () => {
  it('summarises a successful sync with its counts, time and trigger', () => {
    expect(lastSyncResult(run())).toEqual({
      tone: 'ok',
      label: 'Succeeded',
      at: '2024-03-05T12:01:00Z',
      counts: '1,200 users · 3 groups · 40 memberships · 5 changes',
      error: null,
      trigger: 'Scheduled',
    });
    expect(syncCountsLabel(run({ events: 1 }))).toMatch(/· 1 change$/);
    expect(syncCountsLabel(run({ baseline: true, events: 0 }))).toBe('1,200 users · 3 groups · 40 memberships · baseline recorded');
  });

  it('shows a failed sync’s error (or says none was recorded)', () => {
    expect(lastSyncResult(run({ status: 'failed', error: 'HTTP 401: invalid token' }))).toMatchObject({
      tone: 'failed',
      label: 'Failed',
      counts: null,
      error: 'HTTP 401: invalid token',
    });
    expect(lastSyncResult(run({ status: 'failed', error: null }))?.error).toBe('No reason was recorded.');
  });

  it('uses the start time while a sync runs, and says nothing for a directory never synced', () => {
    expect(lastSyncResult(run({ status: 'running', finishedAt: null }))).toMatchObject({ tone: 'running', at: '2024-03-05T12:00:00Z' });
    expect(lastSyncResult(run({ status: 'cancelled' }))?.tone).toBe('cancelled');
    expect(lastSyncResult(null)).toBeNull();
  });

  it('names the trigger', () => {
    expect(syncTriggerLabel({ trigger: 'manual', full: false })).toBe('Started here');
    expect(syncTriggerLabel({ trigger: 'cli', full: false })).toBe('From the command line');
    expect(syncTriggerLabel({ trigger: 'schedule', full: true })).toBe('Full sync, scheduled');
  });
});

describe('directories: schedule and details', () => {
  it('labels the interval', () => {
    expect(intervalLabel(15)).toBe('Every 15 min');
    expect(intervalLabel(60)).toBe('Every 1 h');
    expect(intervalLabel(90)).toBe('Every 1 h 30 min');
    expect(intervalLabel(1440)).toBe('Once a day');
  });

  it('names what each directory points at, from its non-secret settings', () => {
    expect(directoryDetail({ provider: 'okta', settings: { baseUrl: 'https://acme.okta.com', auth: 'ssws' } })).toBe(
      'acme.okta.com · API token',
    );
    expect(directoryDetail({ provider: 'okta', settings: { baseUrl: 'https://acme.okta.com', auth: 'oauth' } })).toBe(
      'acme.okta.com · OAuth service app',
    );
    expect(directoryDetail({ provider: 'entra', settings: { tenantId: 'contoso.onmicrosoft.com', auth: 'certificate' } })).toBe(
      'Tenant contoso.onmicrosoft.com · certificate',
    );
    expect(directoryDetail({ provider: 'google', settings: { subject: 'admin@acme.com' } })).toBe('As admin@acme.com');
    expect(directoryDetail({ provider: 'okta', settings: {} })).toBeNull();
  });

  it('suggests a CLI command that the CLI accepts (secrets from the environment, never a flag)', () => {
    expect(ADD_DIRECTORY_COMMAND).toMatch(/^npx rollcall directories add --kind okta --name … --base-url \S+ --token-env [A-Z_]+$/);
  });
});

describe('directories: sync activity', () => {
  it('is running while progress arrives', () => {
    expect(syncActivity({ lastSync: run() }, progress, undefined)).toEqual({ running: true, progress });
  });

  it('is running when the list says the last run is still running (page opened mid-sync)', () => {
    expect(syncActivity({ lastSync: run({ status: 'running' }) }, undefined, undefined)).toEqual({ running: true, progress: null });
  });

  it('bridges the gap between “Sync now” and the first progress message', () => {
    expect(syncActivity({ lastSync: run({ id: 7 }) }, undefined, 8)).toEqual({ running: true, progress: null });
    expect(syncActivity({ lastSync: null }, undefined, 8)).toEqual({ running: true, progress: null });
    // The list shows that sync (finished): idle again, even if the progress messages were missed.
    expect(syncActivity({ lastSync: run({ id: 8 }) }, undefined, 8)).toEqual({ running: false });
    expect(syncActivity({ lastSync: run({ id: 9 }) }, undefined, 8)).toEqual({ running: false });
  });

  it('is idle otherwise', () => {
    expect(syncActivity({ lastSync: run() }, undefined, undefined)).toEqual({ running: false });
    expect(syncActivity({ lastSync: null }, undefined, undefined)).toEqual({ running: false });
  });

  it('announces the end of a sync', () => {
    expect(syncFinishedAnnouncement('Acme Okta', { phase: 'done', events: 12, error: null })).toBe(
      'Sync of “Acme Okta” finished: 12 changes.',
    );
    expect(syncFinishedAnnouncement('Acme Okta', { phase: 'done', events: 1, error: null })).toBe(
      'Sync of “Acme Okta” finished: 1 change.',
    );
    expect(syncFinishedAnnouncement('Acme Okta', { phase: 'failed', events: 0, error: 'HTTP 403' })).toBe(
      'Sync of “Acme Okta” failed: HTTP 403',
    );
    expect(syncFinishedAnnouncement('Acme Okta', { phase: 'failed', events: 0, error: null })).toBe('Sync of “Acme Okta” failed.');
    expect(syncFinishedAnnouncement('Acme Okta', { phase: 'users', events: 0, error: null })).toBeNull();
  });
});
