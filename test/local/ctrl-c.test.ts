// Ctrl-C on `npm start` in the middle of a call, as a terminal sends it (SIGINT to the whole
// process group: supervisor and platform at once). The platform says what it waits for, keeps
// the call up through the drain, then hangs up both legs with a HANGUP each box receives
// before the process exits 0; the CDR is closed (answered, with an end) and the registrations
// stay as they were. A second Ctrl-C hangs up at once.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startEmbeddedDynamo } from '../../services/local/embedded-dynamo.ts';
import { LOCK_FILE } from '../../services/local/data-folder-lock.ts';
import { prefixedTableNames } from '../../shared/store/store-config.ts';
import { openStores } from '../../shared/store/stores.ts';
import { fooCallsBar, provisionFooAndBar } from '../helpers/foo-calls-bar.ts';
import { npmStart, type NpmStart } from '../helpers/npm-start.ts';
import type { PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { waitFor } from '../helpers/wait-for.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Ctrl-C on `npm start` during a call', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strowger-ctrl-c-'));
  const runs: NpmStart[] = [];
  const pbxes: PbxEndpoint[] = [];
  after(async () => {
    for (const pbx of pbxes) await pbx.close();
    for (const run of runs) run.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** `npm start`, a tenant with boxes foo and bar, and foo's call to bar answered; each leg's end recorded as it comes. */
  async function callInProgress(provision: boolean) {
    const run = await npmStart({ dataDir });
    runs.push(run);
    await run.up();
    if (provision) await provisionFooAndBar(run.api);
    return { run, ...await fooCallsBar(run.iax, pbxes) };
  }

  it('drains 5 s saying so, then sends each box a HANGUP (16) before exiting 0; CDR closed, registrations kept', async (t) => {
    const { run, foo, bar, fooCall, barCall, endings } = await callInProgress(true);
    const pressed = performance.now();
    const pressedWall = Date.now();
    run.ctrlC();
    await waitFor('the drain line', () => (/strowger: draining: 1 call in progress, up to 5 s; Ctrl-C again to hang it up now\n/.test(run.stderr()) ? true : undefined), 3000);
    // The one Ctrl-C reached both processes (and the supervisor passed it on): still one request, so the call stays up.
    await sleep(3000);
    assert.deepEqual([fooCall.closed, barCall.closed, endings.size], [false, false, 0], 'the call goes on while the platform drains');

    const exit = await run.exited;
    assert.deepEqual([exit.code, exit.signal], [0, null], run.stderr());
    for (const name of ['foo', 'bar']) {
      const ending = endings.get(name);
      assert.ok(ending !== undefined, `${name} received a HANGUP`);
      assert.deepEqual([ending.cause, ending.closedBy], [16, 'hangup-received'], name);
      assert.ok(ending.at < exit.at, `${name}'s HANGUP came before the process exited`);
      assert.ok(ending.at - pressed >= 4500, `${name}'s HANGUP came at the 5 s deadline, not before (${Math.round(ending.at - pressed)} ms)`);
    }
    assert.match(run.stderr(), /strowger: drain deadline reached: hanging up 1 call, HANGUP sent on 2 legs\n/);
    assert.match(run.stderr(), /strowger: stopped \(2 of 2 HANGUPs acknowledged\)\n/);
    assert.doesNotMatch(run.stderr(), /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(join(dataDir, LOCK_FILE)), false, 'the data folder is free again');
    t.diagnostic(`Ctrl-C to HANGUP: foo ${Math.round(endings.get('foo')!.at - pressed)} ms, bar ${Math.round(endings.get('bar')!.at - pressed)} ms; to exit ${Math.round(exit.at - pressed)} ms`);

    // What the platform left in its data folder.
    const dynamo = await startEmbeddedDynamo(join(dataDir, 'dynamo'));
    try {
      const stores = openStores(dynamo.client, prefixedTableNames('strowger'));
      const { items } = await stores.cdrs.list('acme', pressedWall - 600_000, Date.now() + 60_000);
      assert.equal(items.length, 1);
      const cdr = items[0]!;
      assert.equal(cdr.disposition, 'ANSWERED');
      assert.equal(cdr.hangupCause, 16);
      assert.ok(cdr.answer !== undefined && cdr.end !== undefined && cdr.end >= pressedWall + 4500, `closed at the deadline: ${JSON.stringify(cdr)}`);
      for (const name of ['foo', 'bar']) assert.ok(await stores.registrations.get(name), `${name}'s registration stays`);
    } finally {
      await dynamo.stop();
    }
    await foo.close();
    await bar.close();
  });

  it('a second Ctrl-C hangs the call up at once, and the process exits 0', async (t) => {
    const { run, fooCall, barCall, endings } = await callInProgress(false);
    run.ctrlC();
    await waitFor('the drain line', () => (/draining: 1 call in progress/.test(run.stderr()) ? true : undefined), 3000);
    await sleep(500);
    assert.equal(fooCall.closed, false);
    const again = performance.now();
    run.ctrlC();
    const exit = await run.exited;
    assert.equal(exit.code, 0, run.stderr());
    for (const name of ['foo', 'bar']) {
      const ending = endings.get(name);
      assert.ok(ending !== undefined, `${name} received a HANGUP`);
      assert.equal(ending.cause, 16);
      assert.ok(ending.at < exit.at);
      assert.ok(ending.at - again < 1500, `${name}'s HANGUP came at once (${Math.round(ending.at - again)} ms after the second Ctrl-C)`);
    }
    assert.ok(barCall.closed);
    assert.match(run.stderr(), /strowger: hanging up now: 1 call, HANGUP sent on 2 legs\n/);
    t.diagnostic(`second Ctrl-C to HANGUP: ${Math.round(endings.get('foo')!.at - again)} ms; to exit ${Math.round(exit.at - again)} ms`);
  });
});
