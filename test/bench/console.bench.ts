// Console benchmark: the bundle's size (raw and gzip, what a first visit downloads and the
// chart chunk loaded later) and first-load time against `npm start`'s platform in headless
// Chromium: from navigation start to the first meaningful render, each load in a fresh
// browser context (nothing cached), median of several. Figures, not assertions.
//   npm run bench:console            (LOADS=n for another count)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { buildConsole, CONSOLE_OUT_DIR } from '../../infra/bundling/build-console.ts';
import { launchChromium } from '../helpers/console-browser.ts';
import { npmStart } from '../helpers/npm-start.ts';

const LOADS = Number(process.env.LOADS ?? '9');
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

await buildConsole();
const files = readdirSync(CONSOLE_OUT_DIR).filter((name) => !name.startsWith('.'));
const sizes = files.map((name) => {
  const body = readFileSync(join(CONSOLE_OUT_DIR, name));
  return { name, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
});
const firstVisit = sizes.filter((f) => !f.name.startsWith('chunk-'));
const sum = (list: typeof sizes, key: 'raw' | 'gzip'): number => list.reduce((n, f) => n + f[key], 0);
console.log('Console bundle (dist/console):');
for (const f of sizes) console.log(`  ${f.name.padEnd(22)} ${kib(f.raw).padStart(10)} raw ${kib(f.gzip).padStart(10)} gzip${f.name.startsWith('chunk-') ? '   (loaded by the Activity view only)' : ''}`);
console.log(`  ${'first visit'.padEnd(22)} ${kib(sum(firstVisit, 'raw')).padStart(10)} raw ${kib(sum(firstVisit, 'gzip')).padStart(10)} gzip`);
console.log(`  ${'everything'.padEnd(22)} ${kib(sum(sizes, 'raw')).padStart(10)} raw ${kib(sum(sizes, 'gzip')).padStart(10)} gzip`);

const platform = await npmStart({ console: true });
let browser: Browser | undefined;
try {
  await platform.up(40_000);
  browser = await launchChromium();
  await platform.api('POST', '/v1/tenants', { tenantId: 'bench', name: 'Bench' });
  const key = ((await (await platform.api('POST', '/v1/tenants/bench/keys')).json()) as { key: string }).key;
  for (let i = 0; i < 20; i++) await platform.api('POST', '/v1/tenants/bench/peers', { name: `pbx${i}`, type: 'friend', host: 'dynamic', secrets: [`s${i}`] }, key);

  const htmlAt: number[] = [];
  const scriptAt: number[] = [];
  const bundleAt: number[] = [];
  /** Milliseconds from navigation start until `selector` is in the page, in a fresh context each time. */
  const loadTimes = async (selector: string, signedIn: boolean): Promise<number[]> => {
    const times: number[] = [];
    htmlAt.length = 0;
    scriptAt.length = 0;
    bundleAt.length = 0;
    for (let i = 0; i < LOADS; i++) {
      const context = await browser!.newContext({ viewport: { width: 1280, height: 860 } });
      if (signedIn) await context.addInitScript(`window.sessionStorage.setItem('strowger.console.key', ${JSON.stringify(key)})`);
      const page = await context.newPage();
      await page.goto(`${platform.url}/${signedIn ? '#/t/bench/peers' : ''}`, { waitUntil: 'commit' });
      // A function, not a string: the console's CSP (no unsafe-eval) refuses evaluated strings.
      const handle = await page.waitForFunction((wanted: string) => {
        const inPage = globalThis as any;
        return inPage.document.querySelector(wanted) !== null && (inPage.performance.now() as number);
      }, selector, { polling: 'raf', timeout: 15_000 });
      times.push(Number(await handle.jsonValue()));
      const navigation: [number, number, number] = await page.evaluate(() => {
        const [entry] = (globalThis as any).performance.getEntriesByType('navigation');
        const script = (globalThis as any).performance.getEntriesByType('resource').find((r: any) => String(r.name).endsWith('/app.js'));
        return [entry.responseEnd as number, entry.domContentLoadedEventEnd as number, (script?.responseEnd ?? 0) as number] as [number, number, number];
      });
      htmlAt.push(navigation[0]);
      scriptAt.push(navigation[1]);
      bundleAt.push(navigation[2]);
      await context.close();
    }
    return times;
  };
  // A warm-up load (the platform's first requests, Chromium's first page) is not counted.
  await loadTimes('#api-key', false);
  const signIn = await loadTimes('#api-key', false);
  const phases = { html: median(htmlAt), bundle: median(bundleAt), script: median(scriptAt) };
  const peers = await loadTimes('tr[data-peer="pbx9"]', true);
  console.log(`\nFirst load against the local platform (${LOADS} loads each, fresh context, no cache; ms from navigation start):`);
  console.log(`  index.html received           median ${phases.html.toFixed(0)} ms`);
  console.log(`  app.js received               median ${phases.bundle.toFixed(0)} ms`);
  console.log(`  app.js run (DOMContentLoaded) median ${phases.script.toFixed(0)} ms`);
  console.log(`  sign-in form shown          median ${median(signIn).toFixed(0)} ms   (min ${Math.min(...signIn).toFixed(0)}, max ${Math.max(...signIn).toFixed(0)})`);
  console.log(`  peers table with 20 peers   median ${median(peers).toFixed(0)} ms   (min ${Math.min(...peers).toFixed(0)}, max ${Math.max(...peers).toFixed(0)})   (signed in: config, bundle, then the API)`);
} finally {
  await browser?.close();
  await platform.close();
}
