// The bundles that ship, started: the worker bundle (built by the script the Dockerfile runs)
// on loopback answering /healthz, its health check agreeing, SIGTERM ending it cleanly; and
// each Lambda bundle the control stack synthesized (the very index.mjs files CDK uploads)
// loaded the way the Node 22 runtime loads it and invoked against DynamoDB Local.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { marshall } from '@aws-sdk/util-dynamodb';
import { buildWorker } from '../../infra/bundling/build-worker.ts';
import { hashApiKey, newApiKey, OPERATOR_OWNER } from '../../services/control/auth/api-keys.ts';
import { createTables } from '../../shared/store/create-tables.ts';
import { prefixedTableNames } from '../../shared/store/store-config.ts';
import { openStores, type Stores } from '../../shared/store/stores.ts';
import { availableEngines, engineEnv, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { apiEvent, authorizerEvent } from '../helpers/lambda-events.ts';
import { synthPlatform } from '../helpers/platform-synth.ts';
import { freeTcpPort, startWorkerProcess } from '../helpers/worker-process.ts';

const repoRoot = join(import.meta.dirname, '..', '..');

describe('shipped bundles', () => {
  let engine: DynamoEngine;
  let env: Record<string, string>;
  let stores: Stores;
  const operator = newApiKey(OPERATOR_OWNER);

  before(async () => {
    // The last engine is DynamoDB Local wherever Java is (always in CI).
    engine = await (await availableEngines()).at(-1)!();
    const names = prefixedTableNames(`bun${Math.floor(Math.random() * 1e9)}`);
    await createTables(engine.client, names);
    stores = openStores(engine.client, names);
    env = {
      ...engineEnv(engine, names),
      LOG_LEVEL: 'error',
    };
  });
  after(async () => engine?.stop());

  it('the worker bundle starts on loopback, answers /healthz, its health check agrees, and SIGTERM stops it with 0', async () => {
    const out = mkdtempSync(join(tmpdir(), 'strowger-worker-bundle-'));
    const files = await buildWorker(out);
    const statusPort = await freeTcpPort();
    const workerEnv = { ...env, STROWGER_IAX_BIND: '127.0.0.1:0', STROWGER_HEALTH_BIND: `127.0.0.1:${statusPort}`, STROWGER_WORKER_ID: 'bundle-1', LOG_LEVEL: 'info' };
    // Run from an empty folder: the bundle needs nothing from the repository or node_modules.
    const { child, exited } = await startWorkerProcess(['--enable-source-maps', files.worker], { cwd: out, env: workerEnv });
    try {
      const health = await fetch(`http://127.0.0.1:${statusPort}/healthz`);
      assert.deepEqual([health.status, ((await health.json()) as { workerId: string }).workerId], [200, 'bundle-1']);
      const check = spawnSync(process.execPath, [files.healthcheck], { cwd: out, env: workerEnv, encoding: 'utf8' });
      assert.equal(check.status, 0, check.stderr);
      assert.equal((await stores.workers.get('bundle-1'))?.httpPort, statusPort, 'heartbeat written through the bundled SDK');
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      const afterStop = spawnSync(process.execPath, [files.healthcheck], { cwd: out, env: workerEnv, encoding: 'utf8' });
      assert.equal(afterStop.status, 1, 'nothing listening: unhealthy');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('the Dockerfile\'s bundling step, run in the staged build context, makes byte for byte the bundle the test starts', async () => {
    const dockerfile = readFileSync(join(repoRoot, 'services/worker/Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    assert.equal(stages.length, 2, 'multi-stage');
    assert.match(stages[1]!, /^node:22-slim\n/);
    assert.match(stages[1]!, /^USER node$/m, 'runs as the unprivileged node user');
    assert.match(stages[1]!, /^HEALTHCHECK .*"node", "\/app\/healthcheck\.mjs"\]$/m);
    assert.match(stages[1]!, /^CMD \["node", "--enable-source-maps", "\/app\/worker\.mjs"\]$/m);
    // The image asset's staged build context (after .dockerignore) has every COPY source...
    const platform = synthPlatform();
    const image = JSON.stringify(Object.values(platform.templates.edge.findResources('AWS::ECS::TaskDefinition'))[0]);
    const tag = /container-assets-.*?:([0-9a-f]{64})"/.exec(image)?.[1] ?? '';
    const staged = platform.assetDir(platform.stacks.edge.stackName, tag);
    const sources = [...stages[0]!.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    assert.ok(sources.length >= 5);
    for (const source of sources) assert.ok(existsSync(join(staged, source)), `${source} in the image's build context`);
    assert.ok(!existsSync(join(staged, 'node_modules')) && !existsSync(join(staged, 'test')) && !existsSync(join(staged, '.git')), 'nothing else');
    // ...and its RUN step, in a copy of that context (node_modules standing in for `npm ci`),
    // writes the same files the test's build wrote.
    const run = /^RUN (npx tsx infra\/bundling\/build-worker\.ts) \/out$/m.exec(stages[0]!);
    assert.ok(run !== null, 'the bundle stage runs build-worker.ts');
    const context = join(mkdtempSync(join(tmpdir(), 'strowger-docker-context-')), 'src');
    cpSync(staged, context, { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules'), join(context, 'node_modules'));
    const out = join(context, '..', 'out');
    const step = spawnSync(run[1]!.split(' ')[0]!, [...run[1]!.split(' ').slice(1), out], { cwd: context, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: tmpdir() } });
    assert.equal(step.status, 0, step.stderr);
    const ours = await buildWorker(mkdtempSync(join(tmpdir(), 'strowger-worker-bundle-')));
    for (const [name, file] of Object.entries(ours)) assert.ok(readFileSync(join(out, `${name}.mjs`)).equals(readFileSync(file)), `${name}.mjs identical`);
  });

  describe('each Lambda bundle the control stack built', () => {
    const platform = synthPlatform();
    const functions = Object.values(platform.templates.control.findResources('AWS::Lambda::Function') as Record<string, { Properties: any }>);
    const bundleOf = (description: string): string => {
      const fn = functions.find((f) => f.Properties.Description === description);
      assert.ok(fn !== undefined, description);
      return join(platform.assetDir(platform.stacks.control.stackName, fn.Properties.Code.S3Key), 'index.mjs');
    };
    const invoke = (description: string, events: unknown[], extraEnv: Record<string, string> = {}): any[] => {
      // Loaded from outside the repository, as in Lambda: only the bundle and the runtime.
      const run = spawnSync(process.execPath, ['--enable-source-maps', join(repoRoot, 'test/helpers/invoke-bundle.mjs'), bundleOf(description)], {
        cwd: tmpdir(), env: { ...env, ...extraEnv }, input: JSON.stringify(events), encoding: 'utf8', timeout: 30_000,
      });
      assert.equal(run.status, 0, run.stderr);
      return JSON.parse(run.stdout) as any[];
    };

    it('authorizer: the operator key passes, anything else is refused', () => {
      const [allowed, denied] = invoke('Strowger API-key authorizer', [
        authorizerEvent({ authorization: `Bearer ${operator.key}` }),
        authorizerEvent({ authorization: 'Bearer stg_op_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }),
      ], { STROWGER_OPERATOR_KEY_HASH: hashApiKey(operator.key) });
      assert.deepEqual([allowed.isAuthorized, allowed.context.role, denied.isAuthorized], [true, 'operator', false]);
    });

    it('API: creates a tenant in the table and lists it', async () => {
      const principal = { role: 'operator', keyId: 'operator' };
      const [created, listed, openapi] = invoke('Strowger control API', [
        apiEvent('POST', '/v1/tenants', JSON.stringify({ tenantId: 'bundled', name: 'Bundled Ltd' }), principal),
        apiEvent('GET', '/v1/tenants', undefined, principal),
        apiEvent('GET', '/v1/openapi.json', undefined, undefined),
      ]);
      assert.equal(created.statusCode, 201, created.body);
      assert.deepEqual(JSON.parse(listed.body).items.map((t: { tenantId: string }) => t.tenantId), ['bundled']);
      assert.equal(openapi.statusCode, 200);
      assert.equal((await stores.tenants.get('bundled'))?.name, 'Bundled Ltd');
    });

    it('sweeper: expires a registration past its expiry', async () => {
      const past = Date.now() - 120_000;
      await stores.registrations.put({ name: 'gone1', tenant: 'bundled', address: '192.0.2.1', port: 4569, workerId: 'w1', registeredAt: past, expiresAt: past + 70_000, refreshS: 60 });
      const [report] = invoke('Strowger registration-expiry sweeper', [{ version: '0', id: 'e1', 'detail-type': 'Scheduled Event', source: 'aws.events', account: '123456789012', time: new Date().toISOString(), region: 'eu-west-1', resources: [], detail: {} }]);
      assert.deepEqual(report.expired, ['gone1']);
      assert.equal(await stores.registrations.get('gone1'), undefined);
    });

    it('peer stream: a deleted peer\'s registration goes', async () => {
      const now = Date.now();
      await stores.registrations.put({ name: 'deleted1', tenant: 'bundled', address: '192.0.2.2', port: 4569, workerId: 'w1', registeredAt: now - 5000, expiresAt: now + 60_000, refreshS: 60 });
      const [result] = invoke('Strowger peers-table stream consumer', [{ Records: [{
        eventID: '1', eventName: 'REMOVE', eventSource: 'aws:dynamodb',
        dynamodb: { SequenceNumber: '1', ApproximateCreationDateTime: now / 1000, OldImage: marshall({ name: 'deleted1', tenant: 'bundled', type: 'friend', version: 1 }) },
      }] }]);
      assert.deepEqual(result, { batchItemFailures: [] });
      assert.equal(await stores.registrations.get('deleted1', { ignoreExpiry: true }), undefined);
    });
  });
});
