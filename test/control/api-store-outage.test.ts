// The API Lambda as AWS runs it, with its store behind a route that goes dark: a request is
// answered within seconds with a 503 the caller may retry (not held until the function's own
// timeout, not a 500), and the same request succeeds once the store answers again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newApiKey, OPERATOR_OWNER } from '../../services/control/auth/api-keys.ts';
import { setLambdaEnv } from '../helpers/lambda-test-env.ts';
import { startBlackholeProxy, type BlackholeProxy } from '../helpers/blackhole-proxy.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { apiEvent, authorizerEvent } from '../helpers/lambda-events.ts';

describe('API Lambda during a store outage', () => {
  let engine: DynamoEngine;
  let proxy: BlackholeProxy;
  const operator = newApiKey(OPERATOR_OWNER);
  let unset = (): void => {};

  before(async () => {
    engine = await startDynalite();
    proxy = await startBlackholeProxy(engine.endpoint);
    ({ unset } = await setLambdaEnv(engine.client, proxy.url, operator.key, 'out'));
  });
  after(async () => {
    unset();
    await proxy?.close();
    await engine?.stop();
  });

  it('a dark store is a prompt 503 naming the store, and the retry succeeds when it is back', async () => {
    const { handler: authorize } = await import('../../services/control/lambda/authorizer-function.ts');
    const { handler: api } = await import('../../services/control/lambda/api-function.ts');
    const principal = (await authorize(authorizerEvent({ authorization: `Bearer ${operator.key}` }))).context;
    const create = (): ReturnType<typeof api> => api(apiEvent('POST', '/v1/tenants', JSON.stringify({ tenantId: 'acme', name: 'Acme' }), principal, true));

    proxy.blackhole();
    const startedAt = Date.now();
    const refused = await create();
    const tookMs = Date.now() - startedAt;
    assert.equal(refused.statusCode, 503, refused.body);
    assert.equal(JSON.parse(refused.body ?? '').error.code, 'STROWGER_ERR_STORE_UNAVAILABLE');
    assert.ok(tookMs < 10_000, `answered after ${tookMs} ms`);
    assert.ok(proxy.swallowed > 0, 'the request really went to the dark store');

    proxy.restore();
    const created = await create();
    assert.equal(created.statusCode, 201, created.body);
    const listed = await api(apiEvent('GET', '/v1/tenants', undefined, principal));
    assert.deepEqual(JSON.parse(listed.body ?? '').items.map((t: { tenantId: string }) => t.tenantId), ['acme']);
  });
});
