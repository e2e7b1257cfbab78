/**
 * The messages between the Electron main process and the core running in a utility process.
 * Plain structured-clone data; `serveCore` (utility side) and `CoreClient` (main side) are the
 * two ends and are tested together over a Node MessageChannel.
 */
import type { CallName, Envelope, PushMessage } from '../../shared/contract';
import type { Core } from './core';

export type ToCore = { type: 'call'; id: number; name: CallName; input: unknown } | { type: 'shutdown' };
export type FromCore =
  | { type: 'ready'; scimOrigin: string | null }
  | { type: 'result'; id: number; envelope: Envelope }
  | { type: 'push'; message: PushMessage }
  | { type: 'fatal'; message: string };

export interface PortLike<In, Out> {
  postMessage(message: Out): void;
  on(event: 'message', listener: (message: { data: In }) => void): unknown;
}

export function serveCore(core: Core, port: PortLike<ToCore, FromCore>, onShutdown: () => void): () => void {
  const unsubscribe = core.onPush((message) => port.postMessage({ type: 'push', message }));
  port.on('message', ({ data }) => {
    if (data.type === 'shutdown') {
      unsubscribe();
      onShutdown();
      return;
    }
    void core.dispatch(data.name, data.input).then((envelope) => port.postMessage({ type: 'result', id: data.id, envelope }));
  });
  return unsubscribe;
}

export class CoreClient {
  private nextId = 1;
  private readonly pending = new Map<number, (e: Envelope) => void>();
  private readonly pushListeners = new Set<(m: PushMessage) => void>();

  constructor(private readonly port: { postMessage(message: ToCore): void }) {}

  /** Feed every message from the core here. */
  receive(message: FromCore): void {
    if (message.type === 'result') {
      this.pending.get(message.id)?.(message.envelope);
      this.pending.delete(message.id);
    } else if (message.type === 'push') {
      for (const l of this.pushListeners) l(message.message);
    }
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
