// bench:engine as each build of the code runs it, side by side in one run: through tsx (how
// `npm start` and the tests run the sources) and bundled by esbuild the way the worker image is
// (infra/bundling/build-worker.ts: minified, no keepNames). tsx transforms with keepNames, which
// gives every function created at run time an own `name` property, and V8 then gives that
// closure a property store of its own: a couple of hundred bytes for each of the closures a call
// leg makes. The bundle is what runs in production, so its figure is the one to hold to.
//   npm run bench:engine
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { REPO_ROOT, WORKER_IMAGE_BUILD } from '../../infra/bundling/entries.ts';

const SOURCE = fileURLToPath(new URL('./engine.bench.ts', import.meta.url));
// Inside the repository, so the bundle's bare imports (left external) resolve to node_modules.
const OUT_DIR = join(REPO_ROOT, 'dist', 'bench');

interface Figures {
  callSetupsPerSecond: number;
  refusedDuringRun: number;
  bytesPerIdleCallLeg: number;
}

function run(args: string[]): Figures {
  const child = spawnSync(process.execPath, [...args, '--json'], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`${args.join(' ')} failed (${child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Figures;
}

mkdirSync(OUT_DIR, { recursive: true });
const bundled = join(OUT_DIR, 'engine.bench.mjs');
await build({ ...WORKER_IMAGE_BUILD, entryPoints: [SOURCE], outfile: bundled, packages: 'external', logLevel: 'warning' });
writeFileSync(join(OUT_DIR, 'package.json'), `${JSON.stringify({ type: 'module', private: true })}\n`);

const rows: Array<[string, Figures]> = [];
// Interleaved, twice each: the machine is shared and its speed drifts within a minute.
for (let round = 0; round < 2; round++) {
  rows.push(['tsx (sources)', run(['--import', 'tsx', SOURCE])]);
  rows.push(['esbuild bundle (as deployed)', run([bundled])]);
}
console.log(`bench:engine (node ${process.version}, both ends in one process), each build twice, interleaved`);
console.log('| build | call setups/s | refused | heap per idle call leg |');
console.log('|---|---:|---:|---:|');
for (const [build, f] of rows) console.log(`| ${build} | ${f.callSetupsPerSecond} | ${f.refusedDuringRun} | ${(f.bytesPerIdleCallLeg / 1024).toFixed(2)} KiB |`);
