/**
 * `rollcall` command line. A stable contract (SPEC "Command line"): scripts and tests depend on
 * the flags, the output lines and the exit codes (0 ok, 1 failure, 2 usage error).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchemaTooNewError } from '../core/store/db';
import { defaultDataDir } from '../core/paths';
import { APP_VERSION } from '../core/version';
import { Store } from '../core/store/store';
import { startHeadless } from '../host/headless';
import { tlsFromPaths, TlsFilesError } from '../host/tls-files';
import { CommandError, runConnections, SCIM_ORIGIN_SETTING } from './connections';
import { runDirectories, runSyncCommand } from './directories';
import { runExportCommand, runVerifyCommand } from './export';
import { runDemo } from './demo';
import { parseFlags, listenerFlags, listenerOptions, str, UsageError } from './args';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopSignal: Promise<string>;
  /** Where the built renderer lives. */
  staticDir: string;
}

const USAGE = `Usage: rollcall <command> [options]

Commands:
  serve        Run the SCIM listener and the browser dashboard
  connections  Add, list, remove SCIM connections, rotate their tokens
  directories  Add, list, remove polled directories (Okta, Entra ID, Google Workspace)
  sync         Poll directories now
  version      Print the version
  export       Write a compliance CSV and its manifest (events, offboarding, access-changes, seats)
  verify       Check the event log's hash chain and the database file
  demo         A simulated organisation with live changes, served like serve (start here)

Options for every command:
  --data-dir DIR   Data folder (default: the OS app-data folder, or env ROLLCALL_DATA_DIR)
  --json           Machine-readable JSON output
  -h, --help       Help for the command

Run "rollcall <command> --help" for a command's options.`;

const SERVE_USAGE = `Usage: rollcall serve [options]

Runs the SCIM listener and the dashboard listener until stopped (Ctrl-C / SIGTERM).

Options:
  --scim-host H    SCIM listener address (default 127.0.0.1)
  --scim-port P    SCIM listener port (default 8610; 0 picks a free one)
  --scim-tls-cert FILE
                   PEM certificate (then any intermediates) for the SCIM listener: it serves https
  --scim-tls-key FILE
                   PEM private key of that certificate, unencrypted (both files or neither)
  --ui-host H      Dashboard address (default 127.0.0.1)
  --ui-port P      Dashboard port (default 8620; 0 picks a free one)
  --ui-token T     Dashboard token (default: env ROLLCALL_UI_TOKEN, else a new random one)
  --data-dir DIR   Data folder
  --json           Print the addresses as one JSON line instead of two text lines`;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      case 'version':
      case '--version': {
        const values = parseFlags(rest, {});
        io.stdout(values.json ? JSON.stringify({ version: APP_VERSION }) : APP_VERSION);
        return 0;
      }
      case 'serve':
        return await serve(rest, io);
      case 'connections':
        return await runConnections(rest, io, (values) => Store.open(dataDirOf(str(values, 'data-dir'), io.env)));
      case 'directories':
        return await runDirectories(rest, io, { openStore: (values) => Store.open(dataDirOf(str(values, 'data-dir'), io.env)) });
      case 'sync':
        return await runSyncCommand(rest, io, { openStore: (values) => Store.open(dataDirOf(str(values, 'data-dir'), io.env)) });
      // Exports (issue #8)
      case 'export':
        return await runExportCommand(rest, io, (values) => dataDirOf(str(values, 'data-dir'), io.env));
      case 'verify':
        return runVerifyCommand(rest, io, (values) => dataDirOf(str(values, 'data-dir'), io.env));
      case 'demo':
        return await runDemo(rest, io);
      default:
        throw new UsageError(`Unknown command "${command}". Run "rollcall --help" for the list.`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`rollcall: ${err.message}`);
      return 2;
    }
    if (err instanceof SchemaTooNewError || err instanceof CommandError) {
      io.stderr(`rollcall: ${err.message}`);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
      io.stderr(`rollcall: cannot listen: ${e.message}`);
      return 1;
    }
    io.stderr(`rollcall: ${e.stack ?? String(err)}`);
    return 1;
  }
}

function dataDirOf(value: string | undefined, env: NodeJS.ProcessEnv): string {
  return value !== undefined ? path.resolve(value) : defaultDataDir(env);
}

async function serve(args: string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, {
    ...listenerFlags,
    'scim-tls-cert': { type: 'string' },
    'scim-tls-key': { type: 'string' },
  });
  if (values.help) {
    io.stdout(SERVE_USAGE);
    return 0;
  }
  const listen = listenerOptions(values, io.env);
  // Read and checked before anything listens: a bad file is a usage error (exit 2), not a
  // listener that every identity provider's handshake fails against.
  const tls = scimTlsOf(str(values, 'scim-tls-cert'), str(values, 'scim-tls-key'));
  const host = await startHeadless({
    dataDir: dataDirOf(str(values, 'data-dir'), io.env),
    ...listen,
    scimTls: tls ? { cert: tls.cert, key: tls.key } : undefined,
    staticDir: io.staticDir,
  });
  const scimUrl = `${host.scim.origin}/scim/v2`;
  // So that `connections add` run later prints the URL this server really answers on.
  host.core.store.setSetting(SCIM_ORIGIN_SETTING, host.scim.origin);
  if (values.json) io.stdout(JSON.stringify({ scim: scimUrl, dashboard: host.dashboardUrl, dataDir: host.core.store.dataDir }));
  else {
    io.stdout(`SCIM: ${scimUrl}`);
    io.stdout(`Dashboard: ${host.dashboardUrl}`);
  }
  const signal = await io.stopSignal;
  io.stderr(`rollcall: ${signal} received, shutting down`);
  await host.close();
  return 0;
}

function scimTlsOf(certPath: string | undefined, keyPath: string | undefined) {
  if ((certPath === undefined) !== (keyPath === undefined)) {
    throw new UsageError(certPath === undefined ? '--scim-tls-key needs --scim-tls-cert too' : '--scim-tls-cert needs --scim-tls-key too');
  }
  if (certPath === '' || keyPath === '')
    throw new UsageError(`${certPath === '' ? '--scim-tls-cert' : '--scim-tls-key'} needs a file path`);
  try {
    return tlsFromPaths(certPath, keyPath);
  } catch (err) {
    if (err instanceof TlsFilesError) throw new UsageError(err.message);
    throw err;
  }
}

/** Entry point of the built CLI (bin/rollcall.js). */
export async function main(): Promise<void> {
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const staticDir = fileURLToPath(new URL('../renderer', import.meta.url));
  const code = await runCli(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(`${t}\n`),
    stderr: (t) => process.stderr.write(`${t}\n`),
    env: process.env,
    stopSignal,
    staticDir,
  });
  process.exitCode = code;
  // Listeners are closed; anything left (e.g. a timer) must not keep a finished command alive.
  setImmediate(() => process.exit(code)).unref();
}
