// The worker's side of running on ECS: its id and address from the task metadata endpoint,
// scale-in protection through the agent endpoint while calls are up, and EMF metric lines.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { emfDocument, EmfPublisher, EMF_METRIC_NAMES } from '../../services/worker/ecs/emf-metrics.ts';
import { ScaleInGuard } from '../../services/worker/ecs/scale-in-guard.ts';
import { readTaskMetadata } from '../../services/worker/ecs/task-metadata.ts';
import { ecsAgentTaskProtection, type TaskProtectionClient } from '../../services/worker/ecs/task-protection.ts';
import { workerConfigFromEnv } from '../../services/worker/worker-config.ts';
import type { WorkerFigures } from '../../services/worker/worker-figures.ts';
import { ManualClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/logger.ts';
import { prefixedTableNames, tableNameEnv } from '../../shared/store/store-config.ts';
import { startEcsAgent, type EcsAgent } from '../helpers/ecs-agent.ts';

const TABLES_ENV = tableNameEnv(prefixedTableNames('cfg'));

const figures = (over: Partial<WorkerFigures> = {}): WorkerFigures => ({
  activeCalls: 0, registrationsHeld: 0, draining: false, registrationsGranted: 0, datagramsIn: 0, datagramsOut: 0, decodeErrors: 0,
  authFailures: 0, authFailuresCalls: 0, authFailuresRegistrations: 0, retransmits: 0, trunkDatagrams: 0, trunkEntries: 0, callsRouted: 0, callsRefused: 0, udpSendErrors: 0,
  callTable: 0, callNumbersInUse: 0, callNumbersHoldingOff: 0, callNumbersInSetup: 0, callNumbersFree: 32_766, lookupsInFlight: 0, eventLoopDelay: { p50Ms: 0, p99Ms: 0, maxMs: 0 }, storeDegraded: false, storeErrors: 0,
  drops: { 'unknown-call': 0, 'lookup-overload': 0, 'reply-withheld': 0, 'media-stale': 0, 'socket-full': 0 }, refusalsTotal: 0, refusals: {}, ...over,
});

describe('on ECS: the agent endpoints', () => {
  let agent: EcsAgent;
  before(async () => {
    agent = await startEcsAgent({ taskId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', address: '10.0.7.21' });
  });
  after(async () => agent?.close());

  it('task metadata gives the task id and the awsvpc address; a broken endpoint is a named start failure', async () => {
    const task = await readTaskMetadata(agent.metadataUri);
    assert.deepEqual([task.taskId, task.privateAddress, task.availabilityZone], ['a1b2c3d4e5f60718293a4b5c6d7e8f90', '10.0.7.21', 'eu-west-1a']);
    await assert.rejects(readTaskMetadata(`${agent.metadataUri}x`), /ECS task metadata \(.*\/task\) could not be read: answered 404/);
  });

  it('environment: on ECS the id, address, EMF and protection come from the agent; locally none of it', async () => {
    const onEcs = await workerConfigFromEnv({ ...TABLES_ENV, ECS_CONTAINER_METADATA_URI_V4: agent.metadataUri, ECS_AGENT_URI: agent.agentUri, STROWGER_METRICS_SERVICE: 'StrowgerEdge/workers' });
    assert.deepEqual([onEcs.workerId, onEcs.privateAddress, onEcs.emf], ['a1b2c3d4e5f60718293a4b5c6d7e8f90', '10.0.7.21', { namespace: 'Strowger', service: 'StrowgerEdge/workers' }]);
    assert.ok(onEcs.taskProtection !== undefined);
    const pinned = await workerConfigFromEnv({ ...TABLES_ENV, ECS_CONTAINER_METADATA_URI_V4: agent.metadataUri, STROWGER_WORKER_ID: 'w9', STROWGER_METRICS: 'off' });
    assert.deepEqual([pinned.workerId, pinned.emf, pinned.taskProtection], ['w9', undefined, undefined]);
    const local = await workerConfigFromEnv(TABLES_ENV);
    assert.deepEqual([local.emf, local.taskProtection], [undefined, undefined]);
    await assert.rejects(workerConfigFromEnv({ ...TABLES_ENV, STROWGER_METRICS: 'statsd' }), /STROWGER_METRICS="statsd" is not emf or off/);
    await assert.rejects(workerConfigFromEnv({ ...TABLES_ENV, STROWGER_SOCKET_BUFFER_BYTES: '1.5' }), /STROWGER_SOCKET_BUFFER_BYTES="1.5" is not a positive whole number/);
    await assert.rejects(workerConfigFromEnv({ ...TABLES_ENV, LOG_LEVEL: 'loud' }), /LOG_LEVEL="loud"/);
  });

  it('environment: a local worker id is new with every start; delayreject and the call-number limits are operator settings', async () => {
    const one = await workerConfigFromEnv(TABLES_ENV);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const two = await workerConfigFromEnv(TABLES_ENV);
    assert.notEqual(one.workerId, two.workerId, 'the same host and pid (a container) still gets a new id');
    assert.deepEqual(one.engine, { limits: {} }, 'unset: the worker defaults (delayreject 1000 ms)');
    const set = await workerConfigFromEnv({ ...TABLES_ENV, STROWGER_DELAYREJECT_MS: '0', STROWGER_MAXCALLNUMBERS: '512', STROWGER_MAXCALLNUMBERS_CEILING: '1024', STROWGER_MAXCALLNUMBERS_SETUP: '4096', STROWGER_MAXCALLNUMBERS_SETUP_PER_IP: '64' });
    assert.deepEqual(set.engine, { delayRejectMs: 0, limits: { maxPerIp: 512, maxPerIpCeiling: 1024, maxInSetup: 4096, maxInSetupPerIp: 64 } });
    await assert.rejects(workerConfigFromEnv({ ...TABLES_ENV, STROWGER_DELAYREJECT_MS: '-1' }), /STROWGER_DELAYREJECT_MS="-1" is not a whole number, 0 or more/);
    await assert.rejects(workerConfigFromEnv({ ...TABLES_ENV, STROWGER_MAXCALLNUMBERS: '1e9x' }), /STROWGER_MAXCALLNUMBERS="1e9x"/);
  });

  it('protection: PUT with the documented body; an agent error rejects with its message', async () => {
    const client = ecsAgentTaskProtection(agent.agentUri);
    agent.protectionRequests.length = 0;
    await client.set(true, 60);
    await client.set(false);
    assert.deepEqual(agent.protectionRequests, [
      { method: 'PUT', contentType: 'application/json', body: { ProtectionEnabled: true, ExpiresInMinutes: 60 } },
      { method: 'PUT', contentType: 'application/json', body: { ProtectionEnabled: false } },
    ]);
    agent.failNext = 1;
    await assert.rejects(client.set(true, 60), /task protection on refused: User is not authorized to perform: ecs:UpdateTaskProtection/);
    await assert.rejects(client.set(true, 3000), /1 to 2880 minutes/);
  });
});

describe('scale-in guard', () => {
  function guardWith(fail: () => boolean = () => false) {
    const clock = new ManualClock();
    const requests: Array<[boolean, number | undefined]> = [];
    const client: TaskProtectionClient = {
      set: (enabled, minutes) => {
        requests.push([enabled, minutes]);
        return fail() ? Promise.reject(new Error('agent unreachable')) : Promise.resolve();
      },
    };
    let calls = 0;
    const guard = new ScaleInGuard({ client, clock, logger: silentLogger, activeCalls: () => calls, protectMinutes: 60, idleMs: 30_000 });
    return { clock, requests, guard, setCalls: (n: number) => (calls = n) };
  }

  it('asks for protection when a call starts, renews before it lapses, drops it after 30 s idle', async () => {
    const { clock, requests, guard, setCalls } = guardWith();
    await guard.check();
    assert.deepEqual(requests, [], 'idle and unprotected: nothing to ask');
    setCalls(2);
    await guard.check();
    await guard.check();
    assert.deepEqual([requests, guard.protection], [[[true, 60]], 'protected'], 'asked once, not at every poll');
    clock.advance(39 * 60_000);
    await guard.check();
    assert.equal(requests.length, 1, '21 minutes left: more than a third, no renewal yet');
    clock.advance(2 * 60_000);
    await guard.check();
    assert.deepEqual(requests.at(-1), [true, 60], 'renewed with 19 minutes left');
    setCalls(0);
    await guard.check();
    clock.advance(29_999);
    await guard.check();
    assert.equal(guard.protection, 'protected', 'a call may follow a call: still protected 1 ms before the idle time');
    setCalls(1);
    await guard.check();
    setCalls(0);
    await guard.check();
    clock.advance(29_999);
    await guard.check();
    assert.equal(guard.protection, 'protected', 'a call in between restarts the idle time');
    clock.advance(1);
    await guard.check();
    assert.deepEqual([requests.at(-1), guard.protection], [[false, undefined], 'unprotected']);
  });

  it('a failed request is tried again at the next poll and never thrown', async () => {
    let failing = true;
    const { requests, guard, setCalls } = guardWith(() => failing);
    setCalls(1);
    await guard.check();
    assert.equal(guard.protection, 'unprotected');
    failing = false;
    await guard.check();
    assert.deepEqual([requests.length, guard.protection], [2, 'protected']);
  });

  it('start() polls on the clock', async () => {
    const { clock, requests, guard, setCalls } = guardWith();
    guard.start();
    setCalls(1);
    clock.advance(4999);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(requests.length, 0);
    clock.advance(1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(requests, [[true, 60]]);
    guard.close();
  });
});

describe('EMF metrics', () => {
  it('a document CloudWatch extracts: the namespace, one Service dimension, every metric present; counters per interval', () => {
    const options = { namespace: 'Strowger', service: 'StrowgerEdge/workers', workerId: 'task-1' };
    const first = emfDocument(options, figures({ activeCalls: 3, callsRouted: 10, datagramsIn: 500 }), undefined, 1_790_000_000_000);
    const aws = first._aws as { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
    assert.deepEqual([aws.Timestamp, aws.CloudWatchMetrics[0]?.Namespace, aws.CloudWatchMetrics[0]?.Dimensions], [1_790_000_000_000, 'Strowger', [['Service']]]);
    for (const { Name } of aws.CloudWatchMetrics[0]?.Metrics ?? []) assert.equal(typeof first[Name], 'number', `${Name} has a value`);
    assert.deepEqual(aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name), [...EMF_METRIC_NAMES]);
    assert.deepEqual([first.Service, first.WorkerId, first.ActiveCalls, first.CallsRouted], ['StrowgerEdge/workers', 'task-1', 3, 10]);
    const next = emfDocument(options, figures({ activeCalls: 1, callsRouted: 14, datagramsIn: 900 }), figures({ activeCalls: 3, callsRouted: 10, datagramsIn: 500 }), 1_790_000_060_000);
    assert.deepEqual([next.ActiveCalls, next.CallsRouted, next.DatagramsIn], [1, 4, 400]);
    const outage = emfDocument(options, figures({ storeDegraded: true, storeErrors: 12 }), figures({ storeErrors: 2 }), 1_790_000_120_000);
    assert.deepEqual([first.StoreDegraded, outage.StoreDegraded, outage.StoreErrors], [0, 1, 10], 'a store outage shows as a 0/1 gauge and errors per interval');
  });

  it('the publisher writes one line a minute and a last one at close', () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    let routed = 0;
    const publisher = new EmfPublisher({ namespace: 'Strowger', service: 's', workerId: 'w', clock, figures: () => figures({ callsRouted: routed }), write: (line) => lines.push(line) });
    publisher.start();
    routed = 5;
    clock.advance(59_999);
    assert.equal(lines.length, 0);
    clock.advance(1);
    routed = 7;
    clock.advance(60_000);
    publisher.close();
    assert.deepEqual(lines.map((line) => (JSON.parse(line) as { CallsRouted: number }).CallsRouted), [5, 2, 0]);
    assert.ok(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n')));
  });
});
