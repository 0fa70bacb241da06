// The Lambda entry files as AWS runs them: configuration read at module scope from the
// environment, invoked with API Gateway v2, EventBridge and DynamoDB Streams event shapes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { newApiKey, OPERATOR_OWNER } from '../../services/control/auth/api-keys.ts';
import { setLambdaEnv } from '../helpers/lambda-test-env.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { apiEvent, authorizerEvent } from '../helpers/lambda-events.ts';

describe('Lambda functions', () => {
  let engine: DynamoEngine;
  const operator = newApiKey(OPERATOR_OWNER);
  let env: Record<string, string> = {};
  let unset = (): void => {};

  before(async () => {
    engine = await startDynalite();
    ({ env, unset } = await setLambdaEnv(engine.client, engine.endpoint, operator.key, 'lam'));
  });
  after(async () => {
    unset();
    await engine?.stop();
  });

  it('authorizer and API: the operator key is authorized and its context drives the API', async () => {
    const { handler: authorize } = await import('../../services/control/lambda/authorizer-function.ts');
    const { handler: api } = await import('../../services/control/lambda/api-function.ts');
    const denied = await authorize(authorizerEvent({ authorization: 'Bearer stg_op_nope' }));
    assert.deepEqual(denied, { isAuthorized: false, context: {} });
    const allowed = await authorize(authorizerEvent({ authorization: `Bearer ${operator.key}` }));
    assert.equal(allowed.isAuthorized, true);
    const created = await api(apiEvent('POST', '/v1/tenants', JSON.stringify({ tenantId: 'acme', name: 'Acme' }), allowed.context, true));
    assert.equal(created.statusCode, 201);
    assert.equal(JSON.parse(created.body ?? '').tenantId, 'acme');
    const listed = await api(apiEvent('GET', '/v1/tenants', undefined, allowed.context));
    assert.deepEqual(JSON.parse(listed.body ?? '').items.map((t: { tenantId: string }) => t.tenantId), ['acme']);
    const anonymous = await api(apiEvent('GET', '/v1/tenants', undefined, undefined));
    assert.equal(anonymous.statusCode, 401, 'no authorizer context: refused even if a route was misconfigured');
    const openapi = await api(apiEvent('GET', '/v1/openapi.json', undefined, undefined));
    assert.equal(openapi.statusCode, 200);
  });

  it('sweeper and peer stream handlers run with their event shapes', async () => {
    const { handler: sweep } = await import('../../services/control/lambda/sweeper-function.ts');
    assert.deepEqual(await sweep(), { expired: [], closedCdrs: [] });
    const { handler: stream } = await import('../../services/control/lambda/peer-stream-function.ts');
    const result = await stream({ Records: [{ eventName: 'MODIFY', dynamodb: { SequenceNumber: '1' } }] });
    assert.deepEqual(result, { batchItemFailures: [] });
  });

  it('a missing setting fails the cold start, naming it', () => {
    const { STROWGER_OPERATOR_KEY_HASH: _omitted, ...partial } = env;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', 'await import("./services/control/lambda/authorizer-function.ts")'], {
      env: { PATH: process.env.PATH ?? '', ...partial },
      encoding: 'utf8',
    });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /STROWGER_OPERATOR_KEY_HASH is not set/);
    const noTables = spawnSync(process.execPath, ['--import', 'tsx', '-e', 'await import("./services/control/lambda/api-function.ts")'], {
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    });
    assert.match(noTables.stderr, /missing table names: STROWGER_TABLE_PEERS/);
  });
});
