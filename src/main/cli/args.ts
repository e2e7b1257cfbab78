/**
 * Flag parsing shared by every command: strict (an unknown or malformed flag is a usage error,
 * exit code 2, one line on stderr), with the global --data-dir, --json and --help.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

/** A command that could not be carried out (exit code 1, one line on stderr). */
export class CommandError extends Error {}

/**
 * A secret named by a `--…-env VAR` flag: read from the environment when the command runs (never a
 * flag value, which would land in shell history), trimmed. A bad name is a usage error; an unset
 * or empty variable says which one.
 */
export function fromEnv(env: NodeJS.ProcessEnv, flag: string, variable: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable))
    throw new UsageError(`--${flag} takes the NAME of an environment variable (got "${variable}")`);
  const value = env[variable];
  if (value === undefined || value.trim() === '')
    throw new CommandError(`environment variable ${variable} (from --${flag}) is not set or empty`);
  return value.trim();
}

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

export const globalFlags = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies FlagSpec;

export type ParsedFlags = Record<string, string | boolean | (string | boolean)[] | undefined>;

export function parseFlags(args: string[], flags: FlagSpec): ParsedFlags {
  try {
    return parseArgs({ args, options: { ...globalFlags, ...flags }, strict: true, allowPositionals: false }).values;
  } catch (err) {
    // node:util's messages are already one clear line, e.g. "Unknown option '--bogus'".
    throw new UsageError(err instanceof Error ? err.message.split('\n')[0]! : String(err));
  }
}

export function parsePort(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new UsageError(`${flag} must be a port number from 0 to 65535 (got "${value}")`);
  }
  return Number(value);
}

export function parseHost(value: string | undefined, flag: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (!/^[A-Za-z0-9.:-]+$/.test(value) || value.length > 253) throw new UsageError(`${flag} is not a host name or address: "${value}"`);
  return value;
}

/** A flag's string value (undefined when absent or given as a boolean). */
export function str(values: ParsedFlags, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** The flags of the two commands that listen (serve, demo). */
export const listenerFlags = {
  'scim-host': { type: 'string' },
  'scim-port': { type: 'string' },
  'ui-host': { type: 'string' },
  'ui-port': { type: 'string' },
  'ui-token': { type: 'string' },
} as const satisfies FlagSpec;

export interface ListenerOptions {
  scimHost: string;
  scimPort: number;
  uiHost: string;
  uiPort: number;
  /** Undefined: env ROLLCALL_UI_TOKEN was not set either, so the host makes a random one. */
  uiToken: string | undefined;
}

/** Where serve and demo listen, from listenerFlags (defaults: 127.0.0.1, 8610 and 8620). */
export function listenerOptions(values: ParsedFlags, env: NodeJS.ProcessEnv): ListenerOptions {
  const uiToken = str(values, 'ui-token') ?? env.ROLLCALL_UI_TOKEN;
  if (uiToken !== undefined && uiToken.length < 16) throw new UsageError('the dashboard token must be at least 16 characters');
  return {
    scimHost: parseHost(str(values, 'scim-host'), '--scim-host', '127.0.0.1'),
    scimPort: parsePort(str(values, 'scim-port'), '--scim-port', 8610),
    uiHost: parseHost(str(values, 'ui-host'), '--ui-host', '127.0.0.1'),
    uiPort: parsePort(str(values, 'ui-port'), '--ui-port', 8620),
    uiToken,
  };
}
