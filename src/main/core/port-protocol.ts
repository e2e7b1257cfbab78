/**
 * The messages between the Electron main process and the core running in a utility process.
 * Plain structured-clone data; `serveCore` (utility side) and `CoreClient` (main side) are the
 * two ends and are tested together over a Node MessageChannel.
 */
import type { CallName, Envelope, PushMessage } from '../../shared/contract';
import type { Core } from './core';
import type { SecretStore } from './secrets/secret-store';

/** Where the SCIM listener should listen; null stops it (the tray's "pause"). */
export type ListenerTarget = { host: string; port: number; tls: { certPath: string; keyPath: string } | null } | null;

export type ToCore =
  | { type: 'call'; id: number; name: CallName; input: unknown }
  | { type: 'shutdown' }
  | { type: 'listener'; target: ListenerTarget }
  | { type: 'secret-result'; id: number; ok: true; data: Uint8Array | string }
  | { type: 'secret-result'; id: number; ok: false; message: string };
export type FromCore =
  | { type: 'ready'; scimOrigin: string | null; listenerError?: string | null }
  | { type: 'result'; id: number; envelope: Envelope }
  | { type: 'push'; message: PushMessage }
  | { type: 'listener'; scimOrigin: string | null; error: string | null }
  | { type: 'secret'; id: number; op: 'encrypt'; data: string }
  | { type: 'secret'; id: number; op: 'decrypt'; data: Uint8Array }
  | { type: 'fatal'; message: string };

export interface PortLike<In, Out> {
  postMessage(message: Out): void;
  on(event: 'message', listener: (message: { data: In }) => void): unknown;
}

export interface ServeHooks {
  /** Start, move or stop (target null) the SCIM listener; answer with a 'listener' message. */
  onListener?: (target: ListenerTarget) => void;
  /** Answers to secret requests made through a `PortSecretStore`. */
  secrets?: PortSecretStore;
}

export function serveCore(core: Core, port: PortLike<ToCore, FromCore>, onShutdown: () => void, hooks: ServeHooks = {}): () => void {
  const unsubscribe = core.onPush((message) => port.postMessage({ type: 'push', message }));
  port.on('message', ({ data }) => {
    if (data.type === 'shutdown') {
      unsubscribe();
      onShutdown();
    } else if (data.type === 'listener') {
      hooks.onListener?.(data.target);
    } else if (data.type === 'secret-result') {
      hooks.secrets?.receive(data);
    } else if (data.type === 'call') {
      void core.dispatch(data.name, data.input).then((envelope) => port.postMessage({ type: 'result', id: data.id, envelope }));
    }
  });
  return unsubscribe;
}

/**
 * The core's SecretStore in the desktop app: it asks the main process, which holds the real one
 * (safeStorage lives only in the main process). Same interface as the headless key-file store.
 */
export class PortSecretStore implements SecretStore {
  readonly kind = 'main-process';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Uint8Array | string) => void; reject: (e: Error) => void }>();

  constructor(private readonly port: { postMessage(message: FromCore): void }) {}

  async encrypt(plaintext: string): Promise<Buffer> {
    return Buffer.from(await this.request({ op: 'encrypt', data: plaintext }));
  }

  async decrypt(ciphertext: Buffer): Promise<string> {
    const value = await this.request({ op: 'decrypt', data: new Uint8Array(ciphertext) });
    if (typeof value !== 'string') throw new Error('The main process answered a decrypt with bytes');
    return value;
  }

  receive(message: Extract<ToCore, { type: 'secret-result' }>): void {
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    if (message.ok) p.resolve(message.data);
    else p.reject(new Error(message.message));
  }

  private request(req: { op: 'encrypt'; data: string } | { op: 'decrypt'; data: Uint8Array }): Promise<Uint8Array | string> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ type: 'secret', id, ...req } as FromCore);
    });
  }
}

export class CoreClient {
  private nextId = 1;
  private readonly pending = new Map<number, (e: Envelope) => void>();
  private readonly pushListeners = new Set<(m: PushMessage) => void>();

  constructor(private readonly port: { postMessage(message: ToCore): void }) {}

  private secretStore: Promise<SecretStore> | null = null;

  /** The store that answers the core's secret requests (the desktop's safeStorage choice). */
  setSecretStore(store: Promise<SecretStore>): void {
    this.secretStore = store;
  }

  /** Feed every message from the core here. */
  receive(message: FromCore): void {
    if (message.type === 'result') {
      this.pending.get(message.id)?.(message.envelope);
      this.pending.delete(message.id);
    } else if (message.type === 'push') {
      for (const l of this.pushListeners) l(message.message);
    } else if (message.type === 'secret') {
      void this.answerSecret(message);
    }
  }

  private async answerSecret(message: Extract<FromCore, { type: 'secret' }>): Promise<void> {
    try {
      if (!this.secretStore) throw new Error('No secret store in this process');
      const store = await this.secretStore;
      const data =
        message.op === 'encrypt' ? new Uint8Array(await store.encrypt(message.data)) : await store.decrypt(Buffer.from(message.data));
      this.port.postMessage({ type: 'secret-result', id: message.id, ok: true, data });
    } catch (err) {
      // The message only: never the secret, never a stack with values in it.
      this.port.postMessage({
        type: 'secret-result',
        id: message.id,
        ok: false,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /** Start, move or stop (null) the SCIM listener in the core process. */
  setListener(target: ListenerTarget): void {
    this.port.postMessage({ type: 'listener', target });
  }

  call(name: CallName, input: unknown, timeoutMs = 30_000): Promise<Envelope> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: { code: 'internal', message: `The core did not answer ${name} within ${timeoutMs} ms` } });
      }, timeoutMs);
      this.pending.set(id, (e) => {
        clearTimeout(timer);
        resolve(e);
      });
      this.port.postMessage({ type: 'call', id, name, input });
    });
  }

  /** Answers every outstanding call with an error (the core process died). */
  failAll(message: string): void {
    for (const resolve of this.pending.values()) resolve({ ok: false, error: { code: 'internal', message } });
    this.pending.clear();
  }

  onPush(listener: (m: PushMessage) => void): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }
}
