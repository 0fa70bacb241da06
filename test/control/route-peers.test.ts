// A route must dial peers its tenant has: refused by the API and by the import (at each Dial
// line) unless forced, over real HTTP on dynalite; another tenant's peer counts as missing, in
// the same words. Also: import problems of a whole file say so instead of "file:0".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';

const dialTo = (peer: string, extension = '${EXTEN}') => ({ dial: `IAX2/${peer}/${extension}`, target: { peer, extension } });

describe('routes to peers the tenant does not have', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  let key = '';

  before(async () => {
    engine = await startDynalite();
    h = await startControl(engine);
    key = await h.addTenant('foo');
    const globexKey = await h.addTenant('globex');
    for (const [tenant, tenantKey, name] of [['foo', key, 'pbx1'], ['globex', globexKey, 'secretbox']] as const) {
      assert.equal((await h.call('POST', `/v1/tenants/${tenant}/peers`, { key: tenantKey, body: { name, type: 'user' } })).status, 201);
    }
  });
  after(async () => {
    await h?.close();
    await engine?.stop();
  });

  it('route add: a 409 naming the destination and the missing peer, the dial string\'s secret masked; nothing stored', async () => {
    const dial = 'IAX2/me:hush-hush@nosuch/${EXTEN}';
    const route = { context: 'out', pattern: '_X.', destinations: [dialTo('pbx1'), { dial, target: { user: 'me', secret: 'hush-hush', peer: 'nosuch', extension: '${EXTEN}' } }] };
    const refused = await h.call('POST', '/v1/tenants/foo/routes', { key, body: route });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'STROWGER_ERR_UNKNOWN_PEER');
    assert.equal(
      refused.body.error.message,
      'destination 2: IAX2/me:********@nosuch/${EXTEN} dials peer "nosuch", which tenant foo does not have: every call through it would fail; add the peer first, or keep the route anyway with force=true (strowger route add --force)',
    );
    assert.equal(await h.control.stores.routes.get('foo', 'out', '_X.'), undefined);
    assert.ok(h.bodies.every((body) => !body.includes('hush-hush')));
  });

  it('another tenant\'s peer is missing too, in the same words as a name nobody has', async () => {
    const elsewhere = await h.call('POST', '/v1/tenants/foo/routes', { key, body: { context: 'out', pattern: '1', destinations: [dialTo('secretbox')] } });
    const nowhere = await h.call('POST', '/v1/tenants/foo/routes', { key, body: { context: 'out', pattern: '1', destinations: [dialTo('nobox')] } });
    assert.deepEqual([elsewhere.status, nowhere.status], [409, 409]);
    assert.equal(elsewhere.body.error.message.replaceAll('secretbox', 'X'), nowhere.body.error.message.replaceAll('nobox', 'X'));
    assert.doesNotMatch(elsewhere.body.error.message, /globex|exists|taken/);
  });

  it('force=true keeps the route; a route to the tenant\'s own peer needs no force; replacing is checked the same way', async () => {
    const forced = await h.call('POST', '/v1/tenants/foo/routes?force=true', { key, body: { context: 'out', pattern: '2', destinations: [dialTo('later')] } });
    assert.deepEqual([forced.status, forced.body.destinations[0].target.peer], [201, 'later']);
    const own = await h.call('POST', '/v1/tenants/foo/routes', { key, body: { context: 'out', pattern: '3', destinations: [dialTo('pbx1')] } });
    assert.equal(own.status, 201);
    const path = '/v1/tenants/foo/routes/out/3';
    const replaced = await h.call('PUT', path, { key, body: { destinations: [dialTo('pbx1'), dialTo('gone')] }, headers: { 'if-match': '"1"' } });
    assert.deepEqual([replaced.status, replaced.body.error.code], [409, 'STROWGER_ERR_UNKNOWN_PEER']);
    assert.match(replaced.body.error.message, /^destination 2: IAX2\/gone\/\$\{EXTEN\} dials peer "gone"/);
    const forcedReplace = await h.call('PUT', `${path}?force=true`, { key, body: { destinations: [dialTo('pbx1'), dialTo('gone')] }, headers: { 'if-match': '"1"' } });
    assert.deepEqual([forcedReplace.status, forcedReplace.body.version], [200, 2]);
    const badForce = await h.call('POST', '/v1/tenants/foo/routes?force=yes', { key, body: { context: 'out', pattern: '4', destinations: [dialTo('pbx1')] } });
    assert.deepEqual([badForce.status, badForce.body.error.field], [400, 'force']);
  });

  it('import: each Dial line naming a missing peer is a problem at its line; peers the import defines count; a dry run says so too', async () => {
    const iax = '[newbox]\ntype=user\n';
    const dialplan = [
      '[in]',
      'exten => 10,1,Dial(IAX2/pbx1/10)', // 2: the tenant's peer
      'exten => 11,1,Dial(IAX2/newbox/11)', // 3: defined by this import
      'exten => 12,1,Dial(IAX2/nosuch/12,20)', // 4: missing
      ' same => n,Dial(IAX2/secretbox/12)', // 5: another tenant's
    ].join('\n');
    for (const dryRun of [true, false]) {
      const refused = await h.call('POST', '/v1/tenants/foo/import', { key, body: { files: [{ name: 'iax.conf', text: iax }, { name: 'extensions.conf', text: dialplan }], dryRun } });
      assert.equal(refused.status, 400);
      assert.deepEqual(refused.body.problems.map((p: { file: string; line: number }) => `${p.file}:${p.line}`), ['extensions.conf:4', 'extensions.conf:5']);
      assert.match(refused.body.error.message, /^extensions\.conf:4: IAX2\/nosuch\/12 dials peer "nosuch", which tenant foo does not have: every call through it would fail; define the peer in this import's iax\.conf or add it first, or import anyway with force/);
      assert.doesNotMatch(refused.body.error.message, /globex/);
    }
    assert.equal(await h.control.stores.peers.get('newbox'), undefined, 'nothing of the refused import was written');

    const forced = await h.call('POST', '/v1/tenants/foo/import', { key, body: { files: [{ name: 'iax.conf', text: iax }, { name: 'extensions.conf', text: dialplan }], force: true } });
    assert.equal(forced.status, 200, JSON.stringify(forced.body));
    assert.deepEqual(forced.body.routes.created.sort(), ['10@in', '11@in', '12@in']);
    assert.deepEqual(forced.body.warnings.map((w: { line: number; reason: string }) => [w.line, w.reason.endsWith('imported anyway (force)')]), [[4, true], [5, true]]);
  });

  it('problems of a whole file say "(whole file)", and a peer defined in two files names its section line', async () => {
    const unknown = await h.call('POST', '/v1/tenants/foo/import', { key, body: { files: [{ name: 'notes.txt', text: '[x]\ntype=user\n' }] } });
    assert.deepEqual([unknown.body.problems[0].file, unknown.body.problems[0].line], ['notes.txt', 0]);
    assert.match(unknown.body.error.message, /^notes\.txt \(whole file\): cannot tell what this file is/);
    const twice = await h.call('POST', '/v1/tenants/foo/import', { key, body: { files: [{ name: 'a-iax.conf', text: '[dup]\ntype=user\n' }, { name: 'b-iax.conf', text: '\n\n[dup]\ntype=user\n' }] } });
    assert.equal(twice.body.error.message, 'b-iax.conf:3: [dup] is also defined in a-iax.conf');
    const routedTwice = await h.call('POST', '/v1/tenants/foo/import', {
      key,
      body: { files: [{ name: 'a-extensions.conf', text: '[in]\nexten => 5,1,Dial(IAX2/pbx1/5)\n' }, { name: 'b-extensions.conf', text: '[in]\n\nexten => 5,1,Dial(IAX2/pbx1/5)\n' }] },
    });
    assert.equal(routedTwice.body.error.message, 'b-extensions.conf:3: 5@in is also routed in a-extensions.conf');
  });
});
