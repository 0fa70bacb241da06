// Many workers behind an NLB, proven on the real topology (test/helpers/netns-topology.ts):
// three worker processes in their own namespaces behind a DNAT "NLB" with per-flow stickiness,
// two tenant sites behind masquerading NATs, two boxes each (the project's PBX endpoint, each
// in its own namespace, listening on 4569 as Asterisk does). A control run with the mesh off
// fails the calls between boxes on different workers (the topology is faithful); with the mesh
// every box reaches every other both ways; then a box's flow moves, a worker is killed, and
// a worker drains. Runs as root (CI does) and fails loudly when namespaces cannot be made.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { tableNameEnv } from '../../shared/store/store-config.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { assertNetnsCapable, buildTopology, NLB_ADDRESS, TEST_HOST_ADDRESS, type Topology } from '../helpers/netns-topology.ts';
import { PbxRemote } from '../helpers/pbx-remote.ts';
import { waitFor } from '../helpers/wait-for.ts';

const WORKER_MAIN = fileURLToPath(new URL('../../services/worker/main.ts', import.meta.url));
const MESH_SECRET = 'the-deployment-mesh-secret-for-the-netns-test';
const STALE_MS = 2000;

interface WorkerProcess {
  id: string;
  child: ChildProcess;
  stdout: string[];
  exited: Promise<number | null>;
}

/** Box names, their sites' index into topology.boxes, and the extensions that reach them. */
const BOXES = [
  { name: 'a1', prefix: '1' },
  { name: 'a2', prefix: '2' },
  { name: 'b1', prefix: '3' },
  { name: 'b2', prefix: '4' },
] as const;

describe('the worker mesh on a real topology: NATs, an NLB, three workers', { timeout: 240_000 }, () => {
  let topology: Topology;
  let engine: DynamoEngine;
  let h: ControlHarness;
  const workers: Array<WorkerProcess | undefined> = [];
  const boxes = new Map<string, PbxRemote>();
  let extension = 10;

  const box = (name: string): PbxRemote => boxes.get(name)!;
  const ownerOf = async (name: string): Promise<string | undefined> => (await h.control.stores.registrations.get(name))?.workerId;

  async function startWorkerIn(index: number, mesh: boolean): Promise<WorkerProcess> {
    const { netns, address } = topology.workers[index]!;
    const id = `w${index + 1}`;
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '--import', 'tsx', WORKER_MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        ...tableNameEnv(h.names),
        STROWGER_DYNAMODB_ENDPOINT: engine.endpoint,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'strowgertest',
        AWS_SECRET_ACCESS_KEY: 'strowgertest',
        STROWGER_WORKER_ID: id,
        STROWGER_PRIVATE_ADDRESS: address,
        STROWGER_IAX_BIND: '0.0.0.0:4569',
        STROWGER_HEALTH_BIND: '0.0.0.0:8081',
        STROWGER_MESH_SECRET: MESH_SECRET,
        STROWGER_MESH: mesh ? 'on' : 'off',
        STROWGER_HEARTBEAT_MS: '500',
        STROWGER_WORKER_STALE_MS: String(STALE_MS),
        STROWGER_OWNERSHIP_CHECK_MS: '1000',
        STROWGER_MINREGEXPIRE: '4',
        STROWGER_MAXREGEXPIRE: '6',
        STROWGER_DRAIN_SECONDS: '60',
        STROWGER_METRICS: 'off',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor(`${id} to start`, () => (stdout.join('').includes('"worker started"') ? true : child.exitCode !== null ? Promise.reject(new Error(stdout.join(''))) : undefined), 20_000);
    const worker = { id, child, stdout, exited };
    workers[index] = worker;
    return worker;
  }

  async function stopWorkers(): Promise<void> {
    for (const w of workers) {
      if (w === undefined || w.child.exitCode !== null) continue;
      w.child.kill('SIGKILL');
      await w.exited;
    }
  }

  /** Waits until every named box's registration was written by a worker after `since`. */
  async function registeredSince(names: readonly string[], since: number, timeoutMs = 15_000): Promise<void> {
    for (const name of names) {
      await waitFor(`${name} registered`, async () => {
        const r = await h.control.stores.registrations.get(name);
        return r !== undefined && r.registeredAt >= since ? true : undefined;
      }, timeoutMs);
    }
  }

  /** A call from one box to another: rung, answered, 20 voice frames each way intact, hung up. */
  async function callAndCheck(from: string, to: string): Promise<void> {
    const dialled = `${BOXES.find((b) => b.name === to)!.prefix}${extension++}`;
    const caller = box(from);
    const callee = box(to);
    const ref = await caller.dial(dialled);
    const inbound = await waitFor(`${to} rings for ${from}`, () => callee.incoming(dialled).then((r) => r ?? undefined), 8000);
    await waitFor(`${from} hears the answer`, async () => ((await caller.call(ref)).answered ? true : undefined), 8000);
    await caller.sendVoice(ref, 20, 0x21);
    await callee.sendVoice(inbound, 20, 0x52);
    const [out, back] = await waitFor(`voice both ways ${from} <-> ${to}`, async () => {
      const reports = [await caller.call(ref), await callee.call(inbound)];
      return reports.every((r) => r.voiceFrames >= 20) ? reports : undefined;
    }, 8000);
    assert.ok(out!.voiceIntact && back!.voiceIntact, `${from} -> ${to}: every frame whole and in order`);
    await caller.hangup(ref);
    await waitFor(`${to} hears the hang-up`, async () => ((await callee.call(inbound)).ended ? true : undefined), 8000);
  }

  /** A call that must not reach its callee: it is not rung within `ms`; the caller gives up. */
  async function callFails(from: string, to: string, ms: number): Promise<{ ended: boolean; cause: number | undefined; rang: boolean }> {
    const dialled = `${BOXES.find((b) => b.name === to)!.prefix}${extension++}`;
    const ref = await box(from).dial(dialled);
    const until = Date.now() + ms;
    let report = await box(from).call(ref);
    while (Date.now() < until && !report.ended) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      report = await box(from).call(ref);
    }
    const rang = (await box(to).incoming(dialled)) !== null;
    if (!report.ended) await box(from).hangup(ref);
    return { ended: report.ended, cause: report.cause, rang };
  }

  before(async () => {
    assertNetnsCapable();
    topology = buildTopology({ workers: 3, boxesPerSite: 2, sites: 2 });
    engine = await startDynalite({ host: TEST_HOST_ADDRESS });
    h = await startControl(engine, { workerStaleMs: STALE_MS });
    const key = await h.addTenant('acme', { callsPerSecond: 200, maxConcurrentCalls: 200 });
    const sections = BOXES.map((b) => `[${b.name}](pbx)\nsecret=${b.name}-secret\n`).join('\n');
    const routes = BOXES.map((b) => `exten => _${b.prefix}XX,1,Dial(IAX2/${b.name}/\${EXTEN})`).join('\n');
    const imported = await h.call('POST', '/v1/tenants/acme/import', {
      key,
      body: { files: [{ name: 'iax.conf', text: `[pbx](!)\ntype=friend\nhost=dynamic\ncontext=fromiax\ntrunk=yes\n\n${sections}` }, { name: 'extensions.conf', text: `[fromiax]\n${routes}\n` }] },
    });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
  });

  after(async () => {
    for (const b of boxes.values()) await b.close();
    await stopWorkers();
    await h?.close();
    await engine?.stop();
    topology?.destroy();
  });

  it('control run, mesh off: boxes land on different workers; calls between boxes on different workers never arrive, boxes on one worker reach each other', async () => {
    for (let i = 0; i < 3; i++) await startWorkerIn(i, false);
    // One at a time, so the NLB's round robin puts them on w1, w2, w3, w1.
    for (const [i, b] of BOXES.entries()) {
      const started = Date.now();
      boxes.set(b.name, await PbxRemote.start(topology.boxes[i]!.netns, b.name, `${b.name}-secret`, { address: NLB_ADDRESS, port: 4569 }, 60));
      await registeredSince([b.name], started);
    }
    const owners = await Promise.all(BOXES.map((b) => ownerOf(b.name)));
    assert.deepEqual(owners, ['w1', 'w2', 'w3', 'w1']);
    const registration = await h.control.stores.registrations.get('a1');
    assert.equal(registration?.address, '203.0.113.101', 'the registration holds the site\'s public address: the box is behind NAT');

    // a1 and b2 share w1: that call works without any mesh.
    await callAndCheck('a1', 'b2');
    // Every pair across workers: the worker calls the box from its own address, the NAT drops it.
    const crossing = [['a1', 'a2'], ['a2', 'b1'], ['b1', 'a1'], ['b2', 'a2']] as const;
    const results = await Promise.all(crossing.map(([from, to]) => callFails(from, to, 4000)));
    for (const [i, r] of results.entries()) assert.equal(r.rang, false, `${crossing[i]!.join(' -> ')} must not arrive without the mesh`);
  });

  it('with the mesh: every box calls every other box, both ways, with voice end to end', async () => {
    await stopWorkers();
    const restarted = Date.now();
    for (let i = 0; i < 3; i++) await startWorkerIn(i, true);
    // The NLB keeps the flows where they were; the new processes learn their boxes at the next refresh.
    await registeredSince(BOXES.map((b) => b.name), restarted);
    assert.deepEqual(await Promise.all(BOXES.map((b) => ownerOf(b.name))), ['w1', 'w2', 'w3', 'w1']);
    const pairs = BOXES.flatMap((from) => BOXES.filter((to) => to !== from).map((to) => [from.name, to.name] as const));
    assert.equal(pairs.length, 12);
    await Promise.all(pairs.map(([from, to]) => callAndCheck(from, to)));
    const meshed = await h.control.stores.cdrs.list('acme', restarted, Date.now() + 1000, { limit: 100 });
    assert.ok(meshed.items.filter((c) => c.calleeWorkerId !== undefined).length >= 8, 'most calls crossed the mesh, and their CDRs say through which worker');
  });

  it('a box\'s NAT mapping expires: it re-registers through another worker, the old owner lets it go, calls to it still work', async () => {
    const a2 = topology.boxes[1]!;
    assert.equal(await ownerOf('a2'), 'w2');
    topology.setTargets([2]); // the next new flow lands on w3
    const moved = Date.now();
    topology.expireMapping(a2);
    await registeredSince(['a2'], moved);
    topology.setTargets([0, 1, 2]);
    assert.equal(await ownerOf('a2'), 'w3');
    await waitFor('w2 to forget a2', () => (workers[1]!.stdout.join('').includes('"registration released"') ? true : undefined), 5000);
    await callAndCheck('a1', 'a2');
    await callAndCheck('b2', 'a2');
    await callAndCheck('a2', 'b1');
  });

  it('a worker is killed: calls to its boxes fail fast, its boxes are back within one refresh, the sweeper closes its open CDR', async () => {
    // b1 (on w3) calls a1 (on w1): w3 is the ingress and keeps the open CDR.
    const dialled = `1${extension++}`;
    const ref = await box('b1').dial(dialled);
    await waitFor('answer', async () => ((await box('b1').call(ref)).answered ? true : undefined), 8000);
    const openCdr = await waitFor('the open CDR', async () => (await h.control.stores.cdrs.list('acme', Date.now() - 60_000, Date.now() + 1000, { limit: 100 })).items.find((c) => c.dst === dialled && c.workerId === 'w3'));
    assert.equal(openCdr.end, undefined);

    workers[2]!.child.kill('SIGKILL');
    await workers[2]!.exited;
    const killedAt = Date.now();
    // The NLB sees w3 fail its health check: no new flows there, its flows end.
    topology.setTargets([0, 1]);
    topology.endFlowsTo(2);

    // Until they register again, calls to w3's boxes (a2 and b1) fail at once, never waiting on the dead worker.
    const failing = await callFails('a1', 'b1', 3000);
    assert.equal(failing.ended, true, 'the caller is told');
    assert.equal(failing.rang, false);
    assert.ok(Date.now() - killedAt < 6000);

    await registeredSince(['a2', 'b1'], killedAt, 10_000);
    const owners = await Promise.all(['a2', 'b1'].map(ownerOf));
    assert.ok(owners.every((o) => o === 'w1' || o === 'w2'), owners.join(','));
    await callAndCheck('a1', 'b1');
    await callAndCheck('b2', 'a2');

    await new Promise((resolve) => setTimeout(resolve, STALE_MS));
    await h.control.sweeper.sweep();
    const closed = await waitFor('the CDR closed', async () => (await h.control.stores.cdrs.list('acme', Date.now() - 120_000, Date.now() + 1000, { limit: 100 })).items.find((c) => c.callId === openCdr.callId && c.end !== undefined));
    assert.equal(closed.hangupCause, 38, 'closed by the sweeper: the worker that carried it died');
  });

  it('a worker drains: its call goes on and the boxes it holds are still reached through it; once its flows end, boxes move and new calls avoid it; it exits when its calls are done', async () => {
    // Put b1 on w2 for certain: new flows to w2 only, then move b1's flow.
    topology.setTargets([1]);
    const moved = Date.now();
    topology.expireMapping(topology.boxes[2]!);
    await registeredSince(['b1'], moved);
    assert.equal(await ownerOf('b1'), 'w2');
    // A call in progress through w2 (a1 on w1 -> b1 on w2).
    const dialled = `3${extension++}`;
    const ref = await box('a1').dial(dialled);
    const inbound = await waitFor('b1 rings', () => box('b1').incoming(dialled).then((r) => r ?? undefined), 8000);
    await waitFor('answer', async () => ((await box('a1').call(ref)).answered ? true : undefined), 8000);

    // SIGTERM: w2 drains. The NLB deregisters it: no new flows; its existing flows stay for now.
    workers[1]!.child.kill('SIGTERM');
    topology.setTargets([0]);
    await waitFor('w2 says it drains', () => (workers[1]!.stdout.join('').includes('"draining"') ? true : undefined), 5000);
    await box('a1').sendVoice(ref, 20, 0x11);
    await box('b1').sendVoice(inbound, 20, 0x44);
    await waitFor('the call goes on', async () => ((await box('a1').call(ref)).voiceFrames >= 20 && (await box('b1').call(inbound)).voiceFrames >= 20 ? true : undefined), 8000);
    // A new call to a box w2 still holds goes through w2: nobody else can reach it yet.
    await callAndCheck('b2', 'b1');

    // Deregistration ends: the NLB ends w2's flows; b1 registers through w1; new calls avoid w2.
    await box('a1').hangup(ref);
    const ended = Date.now();
    topology.endFlowsTo(1);
    await registeredSince(['b1'], ended, 10_000);
    assert.equal(await ownerOf('b1'), 'w1');
    const exitCode = await Promise.race([workers[1]!.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 10_000))]);
    assert.equal(exitCode, 0, 'w2 exits cleanly once its calls are done');
    await callAndCheck('a2', 'b1');
  });
});
