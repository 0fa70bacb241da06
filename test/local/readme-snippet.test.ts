// The README's Asterisk snippet (the iax.conf lines a tenant's box gets in the deploy section),
// rendered for two test boxes and used as written: each box is a PBX endpoint configured only
// from its rendered lines, the way Asterisk reads them (register => name:secret@host, and the
// [strowger] section's username=, secret=, auth=), against peers provisioned as the README says
// (dynamic md5 friends with trunk=yes) on a worker over real UDP. Both register and call each
// other, a call each way with voice. A snippet option the test does not know fails it, so the
// README cannot drift from what is tested.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { AuthMethodName } from '../../services/iax2/peer-directory.ts';
import { watch } from '../helpers/call-watch.ts';
import { startPbx, type PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { voiceCall } from '../helpers/voice-call.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startWorkerFixture, type WorkerFixture } from '../helpers/worker-fixture.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
/** The options the test gives meaning to; anything else in the snippet fails the test. */
const UNDERSTOOD = new Set(['type', 'host', 'username', 'secret', 'auth', 'trunk', 'qualify']);

/** Every ```ini block of the README that configures a [strowger] section. */
function readmeSnippets(): string[] {
  return [...README.matchAll(/```ini\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((block) => /^\[strowger\]$/m.test(block));
}

interface RenderedBox {
  register: { name: string; secret: string; host: string };
  section: Map<string, string>;
}

/** The snippet as the box's iax.conf reads after the placeholders are filled, parsed as Asterisk would. */
function renderAndRead(snippet: string, values: Record<string, string>): RenderedBox {
  const text = snippet.replace(/<([A-Za-z0-9]+)>/g, (whole, name: string) => values[name] ?? whole);
  assert.doesNotMatch(text, /<[A-Za-z0-9]+>/, `every placeholder filled:\n${text}`);
  const lines = text.split('\n').map((l) => l.replace(/;.*$/, '').trim()).filter((l) => l !== '');
  const register = /^register => ([^:\s]+):([^@\s]+)@(\S+)$/.exec(lines.find((l) => l.startsWith('register')) ?? '');
  assert.ok(register !== null, `a register => line:\n${text}`);
  const section = new Map<string, string>();
  for (const line of lines.slice(lines.indexOf('[strowger]') + 1)) {
    const option = /^(\w+)=(.*)$/.exec(line);
    assert.ok(option !== null, `an option line: ${line}`);
    assert.ok(UNDERSTOOD.has(option[1]!), `the test knows what ${option[1]}= does`);
    section.set(option[1]!, option[2]!);
  }
  return { register: { name: register[1]!, secret: register[2]!, host: register[3]! }, section };
}

describe('the README\'s Asterisk snippet, as two boxes would use it', () => {
  let f: WorkerFixture;
  const pbxes: PbxEndpoint[] = [];

  before(async () => {
    f = await startWorkerFixture({ logLevel: 'warn' });
    const { control, key } = f;
    for (const name of ['pbx1', 'pbx2']) {
      const created = await control.call('POST', '/v1/tenants/acme/peers', { key, body: { name, type: 'friend', host: 'dynamic', secrets: [`secret-of-${name}`], auth: ['md5'], trunk: true, qualify: 2000, contexts: [`from-${name}`] } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    for (const [name, other] of [['pbx1', 'pbx2'], ['pbx2', 'pbx1']] as const) {
      const route = await control.call('POST', '/v1/tenants/acme/routes', { key, body: { context: `from-${name}`, pattern: '_X.', destinations: [{ dial: `IAX2/${other}/\${EXTEN}`, target: { peer: other, extension: '${EXTEN}' } }] } });
      assert.equal(route.status, 201, JSON.stringify(route.body));
    }
  });
  after(async () => {
    for (const pbx of pbxes) await pbx.close();
    await f?.close();
  });

  it('the README shows the snippet', () => {
    assert.equal(readmeSnippets().length, 1);
  });

  it('rendered for pbx1 and pbx2, the boxes register and call each other with voice both ways', async () => {
    const [snippet = ''] = readmeSnippets();
    const { port } = f.platform;
    for (const name of ['pbx1', 'pbx2']) {
      // The NLB's name in AWS; here the worker's loopback address (its port as Asterisk's port=).
      const box = renderAndRead(snippet, { Iax2Endpoint: '127.0.0.1', secret: `secret-of-${name}` });
      const { register, section } = box;
      assert.deepEqual([register.host, section.get('host'), section.get('type'), section.get('secret')], ['127.0.0.1', '127.0.0.1', 'friend', register.secret]);
      // The snippet names the box pbx1; each box puts its own name where the README's example has it.
      const own = (value: string | undefined): string => (value === 'pbx1' ? name : value ?? '');
      pbxes.push(await startPbx(own(register.name), register.secret, { address: register.host, port }, () => 'answer', 60, {
        platformSection: { name: 'strowger', auth: (section.get('auth') ?? '').split(',') as AuthMethodName[] },
        username: own(section.get('username')),
      }));
    }
    const [pbx1, pbx2] = pbxes as [PbxEndpoint, PbxEndpoint];
    await Promise.all([pbx1.registered(), pbx2.registered()]);

    await voiceCall(pbx1, pbx2, '200');

    const back = watch(pbx2.dial('100'));
    const atPbx1 = await waitFor('pbx1 to be called', () => pbx1.incoming.find((c) => c.info.calledNumber === '100'));
    await waitFor('pbx2 to hear the answer', () => (back.answered ? true : undefined));
    atPbx1.call.hangup(16);
    await waitFor('pbx2 to see the hang-up', () => (back.ended ? true : undefined));
    assert.equal(back.cause, 16);
  });
});
