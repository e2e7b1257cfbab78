/**
 * Starting the desktop app's SCIM listener at the address (and TLS files) from the settings, as
 * the core utility process does when the main process sends a listener target. Kept out of
 * core-process.ts so it runs, and is tested, under plain Node. Never throws: a failure comes back
 * as one sentence for the listener status (the tray's "SCIM listener stopped: …").
 */
import type { Core } from '../core/core';
import type { ListenerTarget } from '../core/port-protocol';
import { startScimServer, type ScimServer } from '../scim/server';
import { readTlsFiles, TlsFilesError } from './tls-files';

export type ListenerStart = { scim: ScimServer; error: null } | { scim: null; error: string };

export async function startListenerAt(core: Core, target: NonNullable<ListenerTarget>): Promise<ListenerStart> {
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (target.tls) {
    try {
      const material = readTlsFiles(target.tls.certPath, target.tls.keyPath);
      tls = { cert: material.cert, key: material.key };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { scim: null, error: err instanceof TlsFilesError ? message : `the TLS files cannot be used (${message})` };
    }
  }
  try {
    return { scim: await startScimServer({ core, host: target.host, port: target.port, tls }), error: null };
  } catch (err) {
    return { scim: null, error: describeListenError(err, target) };
  }
}

export function describeListenError(err: unknown, target: { host: string; port: number }): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') return `${target.host}:${target.port} is already in use`;
  if (code === 'EACCES') return `not allowed to listen on ${target.host}:${target.port}`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return `${target.host} is not an address of this computer`;
  return err instanceof Error ? err.message : String(err);
}
