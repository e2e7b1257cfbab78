/**
 * The single entry point for API calls, used by both transports (Electron IPC and HTTP).
 * It validates the input against the contract on the core side, runs the handler and turns
 * every failure into a typed error envelope: an invalid call never crashes the core.
 */
import type { z } from 'zod';
import {
  contract,
  isCallName,
  type ApiErrorBody,
  type CallName,
  type CallOutput,
  type CallParsedInput,
  type Envelope,
} from '../../shared/contract';
import { InvalidCursorError } from './queries';

export type Handlers = { [N in CallName]: (input: CallParsedInput<N>) => CallOutput<N> | Promise<CallOutput<N>> };

export class NotFoundError extends Error {}
export class ConflictError extends Error {}
/** Input that passed the contract's schema but is wrong in substance (a bad provider config, say). */
export class InvalidInputError extends Error {
  constructor(
    message: string,
    readonly issues?: NonNullable<ApiErrorBody['issues']>,
  ) {
    super(message);
  }
}

export type Dispatch = (name: string, input: unknown) => Promise<Envelope>;

export function zodIssues(error: z.ZodError): NonNullable<ApiErrorBody['issues']> {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(input)', message: i.message }));
}

export function createDispatch(handlers: Handlers, log: (message: string) => void = console.error): Dispatch {
  return async (name, input) => {
    if (!isCallName(name)) return { ok: false, error: { code: 'unknown_call', message: `Unknown call "${name}"` } };
    const parsed = contract[name].input.safeParse(input);
    if (!parsed.success) {
      return {
        ok: false,
        error: { code: 'invalid_input', message: `Invalid input for ${name}`, issues: zodIssues(parsed.error) },
      };
    }
    try {
      const handler = handlers[name] as (input: unknown) => unknown;
      const value = await handler(parsed.data);
      return { ok: true, value };
    } catch (err) {
      if (err instanceof InvalidCursorError) return { ok: false, error: { code: 'invalid_input', message: err.message } };
      if (err instanceof NotFoundError) return { ok: false, error: { code: 'not_found', message: err.message } };
      if (err instanceof ConflictError) return { ok: false, error: { code: 'conflict', message: err.message } };
      if (err instanceof InvalidInputError)
        return { ok: false, error: { code: 'invalid_input', message: err.message, issues: err.issues } };
      // Never echo the input (it may hold secrets); the message and call name are enough to debug.
      log(`rollcall: ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return { ok: false, error: { code: 'internal', message: `Internal error in ${name}` } };
    }
  };
}
