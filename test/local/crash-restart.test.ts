// `npm start` with its platform process killed (kill -9) in the middle of a call: the
// supervisor says so and starts it again as a new worker, the dead worker's open CDR is closed
// by the sweeper once its heartbeat lapses, and the boxes register and call again.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fooCallsBar, provisionFooAndBar } from '../helpers/foo-calls-bar.ts';
import { npmStart, type NpmStart } from '../helpers/npm-start.ts';
import type { PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('npm start after a crash', () => {
  let run: NpmStart | undefined;
  const pbxes: PbxEndpoint[] = [];
  after(async () => {
    for (const pbx of pbxes) await pbx.close();
    await run?.close();
  });

  it('restarts the platform as a new worker, closes the dead one\'s CDR, and calls work again', async () => {
    run = await npmStart({ env: { STROWGER_WORKER_STALE_MS: '3000', STROWGER_MINREGEXPIRE: '2' } });
    const { api, health, stderr } = run;
    const first = await run.up();
    await provisionFooAndBar(api);
    const { foo, bar } = await fooCallsBar(run.iax, pbxes, 2);
    const cdrs = async () => (await (await api('GET', `/v1/tenants/acme/cdrs?from=${Date.now() - 600_000}&to=${Date.now() + 60_000}`)).json()) as { items: Array<{ end?: number; workerId: string; disposition?: string }> };
    const open = await waitFor('the open CDR', async () => (await cdrs()).items.find((c) => c.end === undefined));
    assert.equal(open.workerId, first.workerId);

    // kill -9 the platform process (the supervisor's child), mid-call.
    const child = Number(execFileSync('pgrep', ['-P', String(run.child.pid), '-f', 'start.ts']).toString().trim().split('\n')[0]);
    process.kill(child, 'SIGKILL');
    await waitFor('the supervisor to say so', () => (/stopped unexpectedly \(signal SIGKILL\); starting it again/.test(stderr()) ? true : undefined), 5000);
    const second = await waitFor('the platform again', async () => {
      const h = await health();
      return h !== undefined && h.workerId !== first.workerId ? h : undefined;
    }, 30_000);
    assert.notEqual(second.workerId, first.workerId, 'a new worker id for the new process');
    // The dead worker's heartbeat lapses (3 s) and the sweeper (every 5 s) closes its CDR.
    const closed = await waitFor('the dead worker\'s CDR closed', async () => (await cdrs()).items.find((c) => c.workerId === first.workerId && c.end !== undefined), 20_000);
    assert.ok(closed.end! > 0);
    for (const pbx of [foo, bar]) {
      await waitFor(`${pbx.name} registered with the new worker`, async () => (((await (await api('GET', `/v1/tenants/acme/peers/${pbx.name}/status`)).json()) as { workerId?: string }).workerId === second.workerId ? true : undefined), 10_000);
    }
    foo.dial('22');
    await waitFor('bar rings after the restart', () => Promise.resolve(bar.incoming.find((c) => c.info.calledNumber === '22')), 10_000);
  });
});
