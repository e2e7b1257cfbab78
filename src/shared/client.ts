/**
 * The typed client the renderer uses. It is built on a Transport (Electron IPC or HTTP) and
 * validates what comes back against the contract, so a transport bug shows up as a clear error
 * instead of a half-rendered page.
 */
import {
  apiErrorSchema,
  callNames,
  contract,
  pushSchema,
  type ApiErrorBody,
  type CallInput,
  type CallName,
  type CallOutput,
  type Envelope,
  type PushMessage,
} from './contract';

export interface Transport {
  invoke(name: CallName, input: unknown): Promise<Envelope>;
  /** Subscribes to the push stream; returns an unsubscribe function. */
  subscribe(listener: (message: unknown) => void): () => void;
}

export class RollcallApiError extends Error {
  readonly code: ApiErrorBody['code'];
  readonly issues: ApiErrorBody['issues'];
  constructor(body: ApiErrorBody) {
    super(body.message);
    this.name = 'RollcallApiError';
    this.code = body.code;
    this.issues = body.issues;
  }
}

export type RollcallApi = {
  [N in CallName]: (input: CallInput<N>) => Promise<CallOutput<N>>;
} & {
  onPush(listener: (message: PushMessage) => void): () => void;
};

export function createRollcallApi(transport: Transport): RollcallApi {
  const api: Record<string, unknown> = {};
  for (const name of callNames) {
    api[name] = async (input: unknown) => {
      const envelope = await transport.invoke(name, input ?? {});
      if (!envelope.ok) {
        const parsed = apiErrorSchema.safeParse(envelope.error);
        throw new RollcallApiError(parsed.success ? parsed.data : { code: 'internal', message: 'Malformed error from the core' });
      }
      const out = contract[name].output.safeParse(envelope.value);
      if (!out.success) {
        throw new RollcallApiError({ code: 'internal', message: `The core's answer to ${name} does not match the contract` });
      }
      return out.data;
    };
  }
  api.onPush = (listener: (message: PushMessage) => void) =>
    transport.subscribe((raw) => {
      const parsed = pushSchema.safeParse(raw);
      if (parsed.success) listener(parsed.data);
    });
  return api as RollcallApi;
}
