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
const cpu0 = process.cpuUsage();
const started = performance.now();
const result = await runExport({ dataDir, outFile: out, overwrite: true, request: { report, filters: { from, to } }, chainCheck: check });
const ms = performance.now() - started;
// CPU time of the whole process (this thread and the verify thread), in ms: on a shared machine
// rows per CPU-second says more than rows per wall-second.
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
process.stdout.write(
  `${JSON.stringify({ rows: result.manifest.rows, bytes: result.manifest.bytes, ms, cpuMs, baseRss, peakRss, chain: result.manifest.event_log.chain_check })}\n`,
);
