// Secrets never come back: a refused import line is quoted with its secret= value and any
// user:secret@ masked; a route's dial string is masked from its own text whatever its target
// says; the conf parser stays linear on hostile lines (a long run of spaces once took minutes).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfImportError } from '../../shared/iaxconf/conf-errors.ts';
import { parseCallerId } from '../../shared/iaxconf/conf-values.ts';
import { parseDialString } from '../../shared/iaxconf/dial-string.ts';
import { importIaxConf } from '../../shared/iaxconf/iax-conf.ts';
import { maskConfLine, maskDialSecret } from '../../shared/iaxconf/secret-mask.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';

const SECRETS = ['hunter2a', 'hunter3b', 'hunter4c', 'hunter5d', 'hunter6e', 'p@ss7f', 'hunter8g', 'hunter9h', 'top-secret-10', 'something-else'];

describe('masking, unit by unit', () => {
  it('dial strings: the inline secret is masked, split the way the dial-string parser splits; nothing else changes', () => {
    assert.equal(maskDialSecret('IAX2/u:s3cret@peer/100'), 'IAX2/u:********@peer/100');
    assert.equal(maskDialSecret('IAX2/u:p@ss@peer:4570/${EXTEN}@ctx/o'), 'IAX2/u:********@peer:4570/${EXTEN}@ctx/o');
    assert.equal(maskDialSecret('iax2/u:a,b c@peer'), 'iax2/u:********@peer');
    assert.equal(maskDialSecret('IAX2/u:[outkey]@peer/1'), 'IAX2/u:[outkey]@peer/1', 'an RSA key name is not a secret');
    assert.equal(maskDialSecret('IAX2/u@peer/1'), 'IAX2/u@peer/1');
    assert.equal(maskDialSecret('IAX2/peer/1@ctx'), 'IAX2/peer/1@ctx');
    assert.equal(maskDialSecret('SIP/u:s3cret@host'), 'SIP/u:********@host', 'not IAX2: masked all the same');
    for (const dial of ['IAX2/u:s3cret@peer/100', 'IAX2/u:p@ss@peer/1']) assert.deepEqual(parseDialString(maskDialSecret(dial)).peer, parseDialString(dial).peer);
  });

  it('conf lines: secret= values (or what follows the word on a broken line) and user:secret@ are masked; dbsecret= names a key, not a secret', () => {
    assert.equal(maskConfLine('secret = hunter2 and more'), 'secret = ********');
    assert.equal(maskConfLine('Secret=>x'), 'Secret=>********');
    assert.equal(maskConfLine('secret hunter3'), 'secret ********');
    assert.equal(maskConfLine('register => pbx1:hunter4@host.example/100'), 'register => pbx1:********@host.example/100');
    assert.equal(maskConfLine('Dial(IAX2/u:hun,ter5@p/1,30)'), 'Dial(IAX2/u:********@p/1,30)');
    assert.equal(maskConfLine('dbsecret=iax/pbx1'), 'dbsecret=iax/pbx1');
    assert.equal(maskConfLine('context=fromiax'), 'context=fromiax');
  });

  it('a dial-string error (the CLI shows it too) quotes the string masked', () => {
    assert.throws(() => parseDialString('IAX2/u:hunter8g@bad peer/1'), (e: Error) => !e.message.includes('hunter8g') && /IAX2\/u:\*{8}@bad peer/.test(e.message));
  });

  it('the parser is linear on hostile lines: 500,000 spaces in a caller ID or a non-entry take milliseconds', () => {
    const started = Date.now();
    assert.deepEqual(parseCallerId(`a${' '.repeat(500_000)}b`), { name: `a${' '.repeat(500_000)}b` });
    assert.throws(() => importIaxConf(`[x]\ntype=user\nk${' '.repeat(500_000)}v\ncallerid="a${' '.repeat(200_000)}b" <1>\n`, { tenant: 't' }), ConfImportError);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });
});

describe('no secret in an import refusal or a route, over the API', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  let key = '';

  before(async () => {
    engine = await startDynalite();
    h = await startControl(engine);
    key = await h.addTenant('acme');
    assert.equal((await h.call('POST', '/v1/tenants/acme/peers', { key, body: { name: 'p1', type: 'friend', host: 'dynamic' } })).status, 201);
  });
  after(async () => {
    await h?.close();
    await engine?.stop();
  });

  it('an import refusal quotes each refused line with its secrets masked, at the right file:line', async () => {
    const iax = [
      'secret=hunter2a', // 1: before any section
      'register => pbx1:hunter6e@203.0.113.9', // 2: before any section
      '[x]',
      'type=user',
      'secret hunter3b', // 5: not key = value
      `secret ${'z'.repeat(300)}hunter9h`, // 6: long, cut and masked
    ].join('\n');
    const extensions = [
      '[c]',
      'exten => 5,1,Dial(IAX2/u:hunter4c@bad peer/1)', // 2: a bad peer name
      'exten => 6,1,Dial(IAX2/u:hunter5d@p1/1', // 3: not an application call (no closing parenthesis)
      'exten => 7,x,Dial(IAX2/u:p@ss7f@p1/1)', // 4: a bad priority
      'exten => 8,1,Dial(IAX2/u:top-secret-10@p1/1,30,secret=x)', // 5: fine (options only warned about)
      'exten => 9,1,Goto(IAX2/u:hunter8g@p1)', // 6: not Dial
    ].join('\n');
    const refused = await h.call('POST', '/v1/tenants/acme/import', { key, body: { files: [{ name: 'iax.conf', text: iax }, { name: 'extensions.conf', text: extensions }] } });
    assert.equal(refused.status, 400);
    const problems = refused.body.problems.map((p: { file: string; line: number; reason: string }) => `${p.file}:${p.line}: ${p.reason}`);
    const find = (prefix: string): string => problems.find((p: string) => p.startsWith(prefix)) ?? assert.fail(`no problem at ${prefix}: ${problems.join('\n')}`);
    assert.match(find('iax.conf:1:'), /"secret=\*{8}" comes before any \[section\]/);
    assert.match(find('iax.conf:2:'), /"register => pbx1:\*{8}@203\.0\.113\.9" comes before any \[section\]/);
    assert.match(find('iax.conf:5:'), /"secret \*{8}" is neither \[section\] nor key = value/);
    assert.match(find('iax.conf:6:'), /"secret \*{8}" is neither/);
    assert.match(find('extensions.conf:2:'), /IAX2\/u:\*{8}@bad peer\/1/);
    assert.match(find('extensions.conf:3:'), /"Dial\(IAX2\/u:\*{8}@p1\/1" is not an application call/);
    assert.match(find('extensions.conf:4:'), /priority "x" is not supported/);
    assert.ok(find('extensions.conf:6:'));
    for (const secret of SECRETS) assert.ok(!JSON.stringify(refused.body).includes(secret), `${secret} came back: ${problems.join('\n')}`);
    assert.equal((await h.control.stores.routes.listTenant('acme')).items.length, 0);
  });

  it('a route\'s dial string is masked from its own text: a secret with no (or another) secret in target never comes back', async () => {
    const routes = [
      { pattern: '1', dial: 'IAX2/u:top-secret-10@p1/100', target: { peer: 'p1', user: 'u', extension: '100' } },
      { pattern: '2', dial: 'IAX2/u:hunter2a@p1/100', target: { peer: 'p1', user: 'u', secret: 'something-else', extension: '100' } },
      { pattern: '3', dial: 'IAX2/u:p@ss7f@p1/100', target: { peer: 'p1', user: 'u', secret: 'p@ss7f', extension: '100' } },
      { pattern: '4', dial: 'IAX2/u:[mykey]@p1/100', target: { peer: 'p1', user: 'u', outkey: 'mykey', extension: '100' } },
      { pattern: '5', dial: 'IAX2/p1/100', target: { peer: 'p1', extension: '100' } },
    ];
    const shown: string[] = [];
    for (const route of routes) {
      const created = await h.call('POST', '/v1/tenants/acme/routes', { key, body: { context: 'out', pattern: route.pattern, destinations: [{ dial: route.dial, target: route.target }] } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.destinations[0].target.secret, undefined);
      shown.push(created.body.destinations[0].dial);
    }
    assert.deepEqual(shown, ['IAX2/u:********@p1/100', 'IAX2/u:********@p1/100', 'IAX2/u:********@p1/100', 'IAX2/u:[mykey]@p1/100', 'IAX2/p1/100']);
    const one = await h.call('GET', '/v1/tenants/acme/routes/out/1', { key });
    const byContext = await h.call('GET', '/v1/tenants/acme/routes?context=out', { key });
    const all = await h.call('GET', '/v1/tenants/acme/routes', { key });
    const replaced = await h.call('PUT', '/v1/tenants/acme/routes/out/1', { key, body: { destinations: [{ dial: 'IAX2/u:hunter3b@p1/1', target: { peer: 'p1' } }] }, headers: { 'if-match': '"1"' } });
    assert.equal(one.body.destinations[0].dial, 'IAX2/u:********@p1/100');
    const dials = (items: any[]): string[] => routes.map((route) => items.find((r) => r.pattern === route.pattern)?.destinations[0].dial);
    assert.deepEqual(dials(byContext.body.items), shown);
    assert.deepEqual(dials(all.body.items), shown);
    assert.equal(replaced.body.destinations[0].dial, 'IAX2/u:********@p1/1');
    // Stored as sent: the switch dials with the target, the secret is only hidden on the way out.
    assert.equal((await h.control.stores.routes.get('acme', 'out', '1'))?.destinations[0]?.dial, 'IAX2/u:hunter3b@p1/1');
  });

  it('no secret in any response body or log line', () => {
    for (const text of [...h.bodies, ...h.logLines]) {
      for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} leaked: ${text.slice(0, 300)}`);
    }
  });
});
