// CLI start-up benchmark: wall time of whole `strowger` commands (spawn to exit), run from the
// sources through tsx and from the prebuilt bundle, interleaved in the same process so both
// see the same machine load; bare `node -e 0` is the floor neither can beat. Figures, not
// assertions: a timed test would be flaky.
//   npm run bench:cli              (-- --runs N, default 15; -- --json for machine-readable output)
// `tenant list` is an API command against no API (it exits 3): its time includes loading the
// request schemas (zod) that `decode` and `--help` never load.
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../../infra/bundling/build-cli.ts';
import { currentBundle } from '../../shared/prebuilt-bundle.mjs';

const BIN = fileURLToPath(new URL('../../services/cli/bin.mjs', import.meta.url));
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg === -1 ? 15 : Number(process.argv[runsArg + 1]);

const NEW_FRAME = '92 34 00 00 00 00 00 03 00 00 06 01 0B 02 00 02 01 03 31 30 30 06 05 61 6C 69 63 65 37 09 00 00 00 00 00 00 00 00 0C 12 10 02 00 11 D9 C0 00 02 0A 00 00 00 00 00 00 00 00 1F 04 30 6F 6D AF 36 00';

/** Each command line and the exit status it must end with (an API command with no API: 3). */
const COMMANDS: Record<string, { args: string[]; status: number }> = {
  '--help': { args: ['--help'], status: 0 },
  'decode <hex>': { args: ['decode', NEW_FRAME], status: 0 },
  'tenant list': { args: ['tenant', 'list', '--api', 'http://127.0.0.1:1', '--key', `stg_op_${'k'.repeat(43)}`], status: 3 },
};

type Path = 'node -e 0' | 'tsx (sources)' | 'bundle';

function timeOnce(path: Path, { args, status }: { args: string[]; status: number }): number {
  const [argv, env] =
    path === 'node -e 0'
      ? [['-e', '0'], {}]
      : [[BIN, ...args], path === 'tsx (sources)' ? { STROWGER_CLI_FROM_SOURCE: '1' } : {}];
  const started = performance.now();
  const run = spawnSync(process.execPath, argv, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - started;
  const expected = path === 'node -e 0' ? 0 : status;
  if (run.status !== expected) throw new Error(`${path} ${args.join(' ')} exited ${run.status}, not ${expected}: ${run.stderr.toString()}`);
  return ms;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

// Time the bundle the sources make now, not whatever an older build left.
const bundlePath = await buildCli();
const bundle = currentBundle();
if (!('url' in bundle)) throw new Error(`the bundle just built is not current: ${bundle.reason}`);

const paths: Path[] = ['node -e 0', 'tsx (sources)', 'bundle'];
const rows: Array<{ command: string } & Record<Path, number>> = [];
for (const [command, spec] of Object.entries(COMMANDS)) {
  const samples: Record<Path, number[]> = { 'node -e 0': [], 'tsx (sources)': [], bundle: [] };
  for (const path of paths) timeOnce(path, spec); // warm the file cache and tsx's transform cache
  for (let i = 0; i < RUNS; i++) for (const path of paths) samples[path].push(timeOnce(path, spec));
  rows.push({ command, 'node -e 0': median(samples['node -e 0']), 'tsx (sources)': median(samples['tsx (sources)']), bundle: median(samples.bundle) });
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ node: process.version, runs: RUNS, rows }));
} else {
  console.log(`strowger start-up, median of ${RUNS} runs each, ms (node ${process.version}; bundle ${relative(process.cwd(), bundlePath)})`);
  console.log(`${'command'.padEnd(14)}${paths.map((p) => p.padStart(16)).join('')}${'tsx / bundle'.padStart(16)}`);
  for (const row of rows) {
    console.log(`${row.command.padEnd(14)}${paths.map((p) => row[p].toFixed(0).padStart(16)).join('')}${`${(row['tsx (sources)'] / row.bundle).toFixed(1)}x`.padStart(16)}`);
  }
}
