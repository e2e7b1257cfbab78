/**
 * The fake Graph directory for `npm run bench -- ingest`, in its own process so that serving it
 * costs nothing on the sync's thread and its memory does not count in the sync's peak RSS.
 *
 * Prints one JSON line when listening: {url, tenantId, clientId, clientSecret}. Reads commands on
 * stdin, one per line: `change <fraction>` → changes that share of users, prints {changed, kinds};
 * `quit` → exits.
 */
import readline from 'node:readline';
import { changeUsers, seedGraph, startFakeGraph } from '../../test/fakes/graph';

const [users, groups, memberships] = process.argv.slice(2).map(Number) as [number, number, number];
const directory = seedGraph({ users, groups, memberships, seed: 42 });
const fake = await startFakeGraph({ directory });
process.stdout.write(
  `${JSON.stringify({ url: fake.url, tenantId: fake.tenantId, clientId: fake.clientId, clientSecret: fake.clientSecret })}\n`,
);

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const [cmd, arg] = line.trim().split(/\s+/);
  if (cmd === 'change') {
    const changed = changeUsers(directory, { fraction: Number(arg), seed: 7 });
    const kinds: Record<string, number> = {};
    for (const c of changed) kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
    process.stdout.write(`${JSON.stringify({ changed: changed.length, kinds })}\n`);
  } else if (cmd === 'quit') {
    void fake.close().then(() => process.exit(0));
  }
});
