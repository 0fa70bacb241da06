// A worker as it runs in a Fargate task, with the agent's endpoints stood in for: while a call
// is up it holds scale-in protection and its EMF lines count the call; when the calls are
// gone it drops protection. Real UDP, a real call between two PBX endpoints, real HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ControlSubclass } from '../../services/iax2/codec/index.ts';
import { workerConfigFromEnv } from '../../services/worker/worker-config.ts';
import { startWorker, type Worker } from '../../services/worker/worker.ts';
import { prefixedTableNames, tableNameEnv } from '../../shared/store/store-config.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startEcsAgent, type EcsAgent } from '../helpers/ecs-agent.ts';
import { startPbx, type PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { waitFor } from '../helpers/wait-for.ts';

const IAX_CONF = `[pbx](!)
type=friend
host=dynamic
auth=md5
context=fromiax
allow=ulaw

[east](pbx)
secret=east-secret

[west](pbx)
secret=west-secret
`;
const EXTENSIONS_CONF = `[fromiax]
exten => _7XX,1,Dial(IAX2/west/\${EXTEN})
`;

describe('a worker in an ECS task', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  let agent: EcsAgent;
  let worker: Worker;
  let east: PbxEndpoint;
  let west: PbxEndpoint;
  const emfLines: Array<Record<string, unknown>> = [];

  before(async () => {
    engine = await startDynalite();
    h = await startControl(engine);
    agent = await startEcsAgent({ address: '127.0.0.1' });
    const key = await h.addTenant('ecs1');
    const imported = await h.call('POST', '/v1/tenants/ecs1/import', { key, body: { files: [{ name: 'iax.conf', text: IAX_CONF }, { name: 'extensions.conf', text: EXTENSIONS_CONF }] } });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    const config = await workerConfigFromEnv({ ...tableNameEnv(prefixedTableNames('ecs')), ECS_CONTAINER_METADATA_URI_V4: agent.metadataUri, ECS_AGENT_URI: agent.agentUri, STROWGER_METRICS_SERVICE: 'StrowgerEdge/workers' });
    assert.ok(config.taskProtection !== undefined && config.emf !== undefined);
    worker = await startWorker({
      workerId: config.workerId,
      stores: h.control.stores,
      iax: { address: '127.0.0.1', port: 0 },
      status: { address: '127.0.0.1', port: 0 },
      ...(config.privateAddress === undefined ? {} : { privateAddress: config.privateAddress }),
      taskProtection: config.taskProtection,
      scaleInGuard: { pollMs: 50, idleMs: 300 },
      emf: { ...config.emf, intervalMs: 100, write: (line) => emfLines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const platform = worker.transport.localAddress();
    east = await startPbx('east', 'east-secret', platform);
    west = await startPbx('west', 'west-secret', platform);
    await Promise.all([east.registered(), west.registered()]);
  });

  after(async () => {
    await east?.close();
    await west?.close();
    await worker?.close();
    await agent?.close();
    await h?.close();
    await engine?.stop();
  });

  it('heartbeats under the task id, at the task address', async () => {
    const row = await h.control.stores.workers.get(agent.taskArn.split('/').at(-1) ?? '');
    assert.deepEqual([row?.workerId, row?.privateAddress], [agent.taskArn.split('/').at(-1), '127.0.0.1']);
  });

  it('protected while the call is up, counted in EMF, unprotected once idle', async () => {
    assert.equal(agent.protectionRequests.length, 0, 'no calls yet: nothing asked');
    const call = east.dial('701');
    let answered = false;
    call.events.on('control', ({ subclass }) => {
      if (subclass === ControlSubclass.ANSWER) answered = true;
    });
    await waitFor('the call answered', () => (answered ? true : undefined));
    await waitFor('protection on', () => (worker.scaleInGuard?.protection === 'protected' ? true : undefined));
    assert.deepEqual(agent.protectionRequests.map((r) => r.body), [{ ProtectionEnabled: true, ExpiresInMinutes: 60 }]);
    const during = await waitFor('an EMF line with the call', () => emfLines.find((line) => line.ActiveCalls === 1));
    assert.deepEqual([during.Service, during.WorkerId], ['StrowgerEdge/workers', worker.workerId]);

    call.hangup(16);
    await waitFor('protection off', () => (worker.scaleInGuard?.protection === 'unprotected' ? true : undefined));
    assert.deepEqual(agent.protectionRequests.map((r) => r.body.ProtectionEnabled), [true, false]);
    const routed = emfLines.reduce((sum, line) => sum + Number(line.CallsRouted), 0);
    assert.equal(routed, 1, 'the per-interval counts add up to the one call routed');
    assert.equal(emfLines.at(-1)?.ActiveCalls, 0);
  });
});
