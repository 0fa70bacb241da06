// CDR writes through the write-behind queue (manual clock, a CDR table that can be taken
// down): a call's writes keep their order, an open record and its finish that both waited out
// an outage become one complete record, an attempt that landed though its answer was lost is
// not written twice, and a mesh call's far leg waits for the ingress record.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CdrQueue, closedRecord } from '../../services/worker/switch/cdr-queue.ts';
import { ManualClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/logger.ts';
import { Cdr, type CdrInput } from '../../shared/model/cdr.ts';
import type { CdrEnding } from '../../shared/store/cdrs-table.ts';
import { ConflictError } from '../../shared/store/store-errors.ts';

const flush = () => new Promise((resolve) => setImmediate(resolve));

async function advance(clock: ManualClock, ms: number, step = 50): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await flush();
  }
}

/** The CDR table's three writes, in memory, with the same conditions; `up` takes it down. */
function table() {
  const records = new Map<string, Cdr>();
  const legs = new Set<string>();
  const calls: string[] = [];
  const state = { up: true, landThenTimeOut: false };
  const timeout = () => Object.assign(new Error('no answer'), { name: 'TimeoutError' });
  const run = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
  return {
    records,
    legs,
    calls,
    state,
    cdrs: {
      write: (input: CdrInput): Promise<Cdr> => run(() => {
        calls.push(`write ${input.callId}${input.end === undefined ? ' open' : ' whole'}`);
        if (!state.up) throw timeout();
        if (records.has(input.callId)) throw new ConflictError(`CDR for call ${input.callId} exists`);
        const cdr = Cdr.parse(input);
        records.set(input.callId, cdr);
        if (state.landThenTimeOut) {
          state.landThenTimeOut = false;
          throw timeout();
        }
        return cdr;
      }),
      finish: (_tenant: string, _start: number, callId: string, ending: CdrEnding): Promise<boolean> => run(() => {
        calls.push(`finish ${callId}`);
        if (!state.up) throw timeout();
        const record = records.get(callId);
        if (record === undefined || record.end !== undefined) return false;
        records.set(callId, Cdr.parse(closedRecord(record, ending)));
        return true;
      }),
      recordCalleeLeg: (_tenant: string, _start: number, callId: string): Promise<boolean> => run(() => {
        calls.push(`leg ${callId}`);
        if (!state.up) throw timeout();
        if (!records.has(callId)) return false;
        legs.add(callId);
        return true;
      }),
    },
  };
}

const open = (callId: string): CdrInput => ({ tenant: 'acme', callId, dst: '23', dcontext: 'fromiax', channel: 'IAX2/foo-1', start: 1_000_000, answer: 1_002_000, workerId: 'w1' });
const ending: CdrEnding = { end: 1_032_000, disposition: 'ANSWERED', answer: 1_002_000, hangupCause: 16 };

describe('CDR queue', () => {
  it('the store up: the open record leaves at once, its finish after it', async () => {
    const clock = new ManualClock();
    const t = table();
    const q = new CdrQueue(t.cdrs, clock, silentLogger);
    q.add('c1', { kind: 'open', cdr: open('c1') });
    await flush();
    q.add('c1', { kind: 'finish', tenant: 'acme', start: 1_000_000, callId: 'c1', ending });
    await q.settled('c1');
    assert.deepEqual(t.calls, ['write c1 open', 'finish c1']);
    assert.deepEqual([t.records.get('c1')?.duration, t.records.get('c1')?.billsec, t.records.get('c1')?.hangupCause], [32, 30, 16]);
  });

  it('the store down: open and finish become one complete record, written when it returns; none lost', async () => {
    const clock = new ManualClock();
    const t = table();
    const q = new CdrQueue(t.cdrs, clock, silentLogger, { initialBackoffMs: 500, maxBackoffMs: 2000 });
    t.state.up = false;
    for (const id of ['c1', 'c2', 'c3']) {
      q.add(id, { kind: 'open', cdr: open(id) });
      await flush();
      q.add(id, { kind: 'finish', tenant: 'acme', start: 1_000_000, callId: id, ending });
    }
    await advance(clock, 5000);
    assert.equal(t.records.size, 0);
    t.state.up = true;
    await advance(clock, 2500);
    assert.equal(q.size, 0);
    assert.deepEqual([...t.records.values()].map((r) => [r.callId, r.end, r.disposition, r.duration, r.billsec]), [
      ['c1', 1_032_000, 'ANSWERED', 32, 30], ['c2', 1_032_000, 'ANSWERED', 32, 30], ['c3', 1_032_000, 'ANSWERED', 32, 30],
    ]);
    const stats = q.stats;
    assert.deepEqual([stats.queued, stats.dropped], [6, 0]);
    assert.equal(stats.queued, stats.written + stats.coalesced);
    // c1's open record was in flight when the store went: its finish could not merge with it.
    assert.ok(stats.coalesced >= 2);
  });

  it('an open record that landed though its answer was lost: the retry finds it and the finish still ends it', async () => {
    const clock = new ManualClock();
    const t = table();
    const q = new CdrQueue(t.cdrs, clock, silentLogger, { initialBackoffMs: 500 });
    t.state.landThenTimeOut = true;
    q.add('c1', { kind: 'open', cdr: open('c1') });
    await flush();
    q.add('c1', { kind: 'finish', tenant: 'acme', start: 1_000_000, callId: 'c1', ending });
    await advance(clock, 1000);
    await q.settled('c1');
    assert.equal(t.records.get('c1')?.end, 1_032_000);
    assert.deepEqual(q.stats.dropped, 0);
    assert.equal(t.records.size, 1);
  });

  it('a merged record whose open part had landed: written as a finish instead', async () => {
    const clock = new ManualClock();
    const t = table();
    const q = new CdrQueue(t.cdrs, clock, silentLogger, { initialBackoffMs: 500 });
    t.records.set('c1', Cdr.parse(open('c1')));
    t.state.up = false;
    q.add('c0', { kind: 'open', cdr: open('c0') }); // in flight, fails: pauses the queue
    await flush();
    q.add('c1', { kind: 'open', cdr: open('c1') });
    q.add('c1', { kind: 'finish', tenant: 'acme', start: 1_000_000, callId: 'c1', ending });
    t.state.up = true;
    await advance(clock, 1000);
    assert.deepEqual(t.calls.filter((c) => c.includes('c1')), ['write c1 whole', 'finish c1']);
    assert.equal(t.records.get('c1')?.end, 1_032_000);
  });

  it('a mesh call\'s far leg waits for the ingress record, and gives up after five tries', async () => {
    const clock = new ManualClock();
    const t = table();
    const q = new CdrQueue(t.cdrs, clock, silentLogger, { initialBackoffMs: 500 });
    const rr = { jitterMs: 1, lossPercent: 0, lostFrames: 0, packets: 50, delayMs: 20, dropped: 0, outOfOrder: 0 };
    q.add('leg:c1', { kind: 'callee-leg', tenant: 'acme', start: 1_000_000, callId: 'c1', rr, workerId: 'w2', attempts: 0 });
    await advance(clock, 600);
    t.records.set('c1', Cdr.parse(open('c1')));
    await advance(clock, 600);
    assert.equal(t.legs.has('c1'), true);
    q.add('leg:c9', { kind: 'callee-leg', tenant: 'acme', start: 1_000_000, callId: 'c9', rr, workerId: 'w2', attempts: 0 });
    await advance(clock, 3000);
    assert.equal(t.calls.filter((c) => c === 'leg c9').length, 5);
    assert.deepEqual([q.stats.written, q.stats.dropped], [1, 1]);
  });
});
