/**
 * The Electron transport: calls go through the preload's `window.rollcall` bridge (one function
 * per contract call, plus onPush). A rejected IPC call becomes an error envelope. No DOM access.
 */
import type { CallName, Envelope } from '../../../shared/contract';
import type { Transport } from '../../../shared/client';
import { asEnvelope, errorEnvelope } from './envelope';

/** The shape of `window.rollcall` (declared for the window in src/preload/index.d.ts). */
export type Bridge = {
  readonly [N in CallName]: (input: unknown) => Promise<Envelope>;
} & {
  onPush(listener: (message: unknown) => void): () => void;
};

/** Electron prefixes errors thrown in a handler; the prefix means nothing to a person. */
export function ipcErrorMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  return raw.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '') || 'The app did not answer.';
}

export function createIpcTransport(bridge: Bridge): Transport {
  return {
    async invoke(name, input) {
      const fn = bridge[name] as Bridge[CallName] | undefined;
      if (typeof fn !== 'function') return errorEnvelope('unknown_call', `This version of the app has no "${name}" call.`);
      try {
        const answer: unknown = await fn(input);
        return asEnvelope(answer) ?? errorEnvelope('internal', 'The app answered with something that is not an API envelope.');
      } catch (err) {
        return errorEnvelope('internal', ipcErrorMessage(err));
      }
    },
    subscribe(listener) {
      return bridge.onPush(listener);
    },
  };
}
