/**
 * The only place that calls ipcMain.handle (a unit test enforces it). Every handler checks that
 * the call comes from the app's own top-level frame, validates the input against the contract
 * and returns the same envelope the HTTP transport returns. A few calls are answered by the shell
 * itself (it alone can open a file manager); they pass the same checks first.
 */
import {
  callNames,
  contract,
  ipcChannel,
  type CallName,
  type CallOutput,
  type CallParsedInput,
  type Envelope,
} from '../../shared/contract';
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
  /**
   * Calls the main process answers instead of the core (e.g. `revealDataFolder`, which needs
   * `shell`). They get the validated input; what they return is the call's value, what they throw
   * becomes an `internal` error.
   */
  shellHandlers?: ShellHandlers;
}

export type ShellHandlers = {
  [N in CallName]?: (input: CallParsedInput<N>) => CallOutput<N> | Promise<CallOutput<N>>;
};

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
      const own = options.shellHandlers?.[name] as ((input: unknown) => unknown) | undefined;
      if (own) {
        try {
          return { ok: true, value: await own(parsed.data) };
        } catch (err) {
          return { ok: false, error: { code: 'internal', message: `${name} failed: ${err instanceof Error ? err.message : String(err)}` } };
        }
      }
      // The core validates again: it is the trust boundary for both transports.
      return options.invoke(name, input ?? {});
    });
  }
  return () => {
    for (const name of callNames) ipcMain.removeHandler(ipcChannel(name));
  };
}
