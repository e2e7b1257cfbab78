/**
 * One export in a fresh process, for export.bench.ts: prints one JSON line with the row count, the
 * time and the process's RSS (sampled every 20 ms, and getrusage's maxRSS) so the peak growth of
 * an export is measured apart from the generator's memory.
 *
 *   node --import tsx bench/export-child.ts DATA_DIR REPORT FROM TO OUT worker|skip
 */
import { performance } from 'node:perf_hooks';
import { runExport } from '../src/main/core/exports/export';
import type { ReportName } from '../src/shared/exports-contract';

const [dataDir, report, from, to, out, check] = process.argv.slice(2) as [string, ReportName, string, string, string, 'worker' | 'skip'];
const baseRss = process.memoryUsage().rss;
let peakRss = baseRss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
const started = performance.now();
const result = await runExport({ dataDir, outFile: out, overwrite: true, request: { report, filters: { from, to } }, chainCheck: check });
const ms = performance.now() - started;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
process.stdout.write(
  `${JSON.stringify({ rows: result.manifest.rows, bytes: result.manifest.bytes, ms, baseRss, peakRss, chain: result.manifest.event_log.chain_check })}\n`,
);
