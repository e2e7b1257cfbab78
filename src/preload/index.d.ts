import type { CallName, Envelope } from '../shared/contract';

/** What the preload puts on window.rollcall (Electron only). */
export type RollcallBridge = { [N in CallName]: (input: unknown) => Promise<Envelope> } & {
  onPush(listener: (message: unknown) => void): () => void;
};

declare global {
  interface Window {
    rollcall?: RollcallBridge;
  }
}
