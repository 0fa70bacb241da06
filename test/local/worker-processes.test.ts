// `npm start`'s workers are processes of their own, as tasks are on ECS: the relay is not in
// the process that holds the store and the API, and it runs the bundle built like the worker
// image while that is current (the sources through tsx once a source changed after it).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildLocalWorker } from '../../infra/bundling/build-local-worker.ts';
import { startPlatform, type Platform } from '../../services/local/platform.ts';
import { currentBundle, LOCAL_WORKER_BUNDLE_DIR } from '../../shared/prebuilt-bundle.mjs';
import { udpSocketHolder } from '../helpers/udp-socket-holder.ts';

async function waitForAnnounce(platform: Platform, workerId: string): Promise<{ privateAddress: string; httpPort?: number }> {
  for (let tries = 0; tries < 50; tries++) {
    const record = (await platform.control.stores.workers.live()).find((w) => w.workerId === workerId);
    if (record !== undefined) return record;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`worker ${workerId} never announced itself`);
}

const commandLine = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

describe('npm start\'s worker processes', () => {
  const dirs: string[] = [];
  let platform: Platform | undefined;
  after(async () => {
    await platform?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const start = async (): Promise<Platform> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'strowger-workers-'));
    dirs.push(dataDir);
    return startPlatform({ dataDir, iax: { address: '127.0.0.1', port: 0 }, api: { address: '127.0.0.1', port: 0 }, status: { address: '127.0.0.1', port: 0 } });
  };

  it('the relay runs in a process of its own, from the current bundle, with its status port answering', async () => {
    if (!('url' in currentBundle({ dir: LOCAL_WORKER_BUNDLE_DIR }))) await buildLocalWorker();
    const bundle = currentBundle({ dir: LOCAL_WORKER_BUNDLE_DIR });
    assert.ok('url' in bundle);
    platform = await start();
    const [worker] = platform.workers;
    assert.ok(worker !== undefined && worker.iax.port > 0 && worker.status.port > 0, 'the ports the kernel picked are reported');
    const pid = udpSocketHolder(worker.iax.port);
    assert.ok(pid !== undefined && pid !== process.pid, `the IAX2 socket is held by another process (${pid})`);
    assert.deepEqual(commandLine(pid).slice(1), [fileURLToPath(bundle.url)], 'plain node running the bundle, no loader');
    const health = (await (await fetch(`http://127.0.0.1:${worker.status.port}/healthz`)).json()) as { workerId?: string };
    assert.equal(health.workerId, worker.workerId);
    // The control plane finds the worker where its heartbeat says (calls in progress are asked there).
    const announced = await waitForAnnounce(platform, worker.workerId);
    assert.equal(announced.httpPort, worker.status.port);
    assert.equal((await fetch(`http://${announced.privateAddress}:${announced.httpPort}/healthz`)).status, 200, `reachable at ${announced.privateAddress}`);
    await platform.close();
    platform = undefined;
    assert.equal(udpSocketHolder(worker.iax.port), undefined, 'closing the platform stops its worker');
  });

  it('a source changed since the bundle was built: the worker runs the sources through tsx', async () => {
    // A source newer than the build stamp makes the bundle stale, as a developer's edit does.
    const source = fileURLToPath(new URL('../../services/worker/parent-channel.ts', import.meta.url));
    const { atime, mtime } = statSync(source);
    const future = new Date(Date.now() + 60_000);
    utimesSync(source, future, future);
    try {
      assert.ok(!('url' in currentBundle({ dir: LOCAL_WORKER_BUNDLE_DIR })));
      platform = await start();
      const pid = udpSocketHolder(platform.workers[0]!.iax.port)!;
      const args = commandLine(pid).slice(1);
      assert.deepEqual(args.slice(0, 2), ['--import', 'tsx']);
      assert.match(args[2] ?? '', /services\/worker\/main\.ts$/);
    } finally {
      // Put the time back, so the bundle is current again for what runs next.
      utimesSync(source, atime, mtime);
    }
  });
});
