/**
 * The only place that calls ipcMain.handle (a unit test enforces it). Every handler checks that
 * the call comes from the app's own top-level frame, validates the input against the contract
 * and returns the same envelope the HTTP transport returns.
 */
import { callNames, contract, ipcChannel, type CallName, type Envelope } from '../../shared/contract';
import { zodIssues } from '../core/dispatch';

/** The parts of Electron's ipcMain and IpcMainInvokeEvent this module uses (a test seam). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}
export interface InvokeEventLike {
  senderFrame: { url: string; parent: unknown } | null;
}

export interface RegisterOptions {
  isTrustedUrl: (url: string) => boolean;
  /** Forwards a validated call to the core (in the utility process). */
  invoke: (name: CallName, input: unknown) => Promise<Envelope>;
}

export function registerApiHandlers(ipcMain: IpcMainLike, options: RegisterOptions): () => void {
  for (const name of callNames) {
    ipcMain.handle(ipcChannel(name), async (event, input): Promise<Envelope> => {
      const frame = event.senderFrame;
      if (!frame || frame.parent !== null || !options.isTrustedUrl(frame.url)) {
        return { ok: false, error: { code: 'invalid_input', message: 'Call refused: untrusted sender' } };
      }
      const parsed = contract[name].input.safeParse(input ?? {});
      if (!parsed.success) {
        return { ok: false, error: { code: 'invalid_input', message: `Invalid input for ${name}`, issues: zodIssues(parsed.error) } };
      }
      // The core validates again: it is the trust boundary for both transports.
      return options.invoke(name, input ?? {});
    });
  }
  return () => {
    for (const name of callNames) ipcMain.removeHandler(ipcChannel(name));
  };
}
