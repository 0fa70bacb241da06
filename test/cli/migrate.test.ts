// `strowger migrate` end to end: the real binary on the seed recipe's two iax.conf files (foo's
// and bar's, each with a section for the other), against the control API on dynalite and a
// worker on real UDP. The tenant first makes the mistake issue 17 is about (importing foo's
// own file made bar a static plaintext peer); migrate refuses to replace it unasked, shows the
// difference, and with --replace creates the two peers and their routes. Two PBX endpoints
// configured from nothing but the printed register => line and [strowger] section then
// register and call each other through the platform, a call each way.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { AuthMethodName } from '../../services/iax2/peer-directory.ts';
import { startWorker, type Worker } from '../../services/worker/worker.ts';
import { jsonLogger } from '../../shared/logger.ts';
import { parseAllowedNetworks } from '../../shared/model/peer-address-policy.ts';
import { watch } from '../helpers/call-watch.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startPbx, type PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { peeringRecipeConfs } from '../helpers/seed-confs.ts';
import { voiceCall } from '../helpers/voice-call.ts';
import { waitFor } from '../helpers/wait-for.ts';

const BIN = fileURLToPath(new URL('../../services/cli/bin.mjs', import.meta.url));
const [fooIax = '', barIax = ''] = peeringRecipeConfs();

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** One box's part of the printed changes: its register => line and its [strowger] section. */
interface PrintedBox {
  register: { name: string; secret: string; host: string; port: number };
  section: Map<string, string[]>;
}

/** Reads the printed lines back the way Asterisk reads them from iax.conf. */
function printedBoxes(stdout: string): Map<string, PrintedBox> {
  const boxes = new Map<string, PrintedBox>();
  for (const block of stdout.split(/^== box /m).slice(1)) {
    const name = /^(\S+)/.exec(block)?.[1] ?? '';
    const register = /^\s+register => ([^:\s]+):([^@\s]+)@([^:\s]+):(\d+)$/m.exec(block);
    assert.ok(register !== null, `a register => line for ${name}:\n${block}`);
    const section = new Map<string, string[]>();
    const lines = block.split('\n');
    const start = lines.findIndex((l) => l.trim() === '[strowger]');
    assert.ok(start > 0, `a [strowger] section for ${name}`);
    for (const line of lines.slice(start + 1)) {
      const option = /^\s+(\w+)=(.*)$/.exec(line);
      if (option === null) break;
      section.set(option[1]!, [...(section.get(option[1]!) ?? []), option[2]!]);
    }
    boxes.set(name, { register: { name: register[1]!, secret: register[2]!, host: register[3]!, port: Number(register[4]) }, section });
  }
  return boxes;
}

describe('strowger migrate: the seed recipe\'s two boxes onto the platform', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  let worker: Worker;
  let key = '';
  let dir = '';
  let platform = '';
  const pbxes: PbxEndpoint[] = [];

  const strowger = (args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(process.execPath, [BIN, ...args], {
        env: { PATH: process.env.PATH ?? '', STROWGER_API: h.url, STROWGER_API_KEY: key },
        cwd: dir,
      }, (error, stdout, stderr) => resolve({ status: error === null ? 0 : Number(error.code), stdout, stderr }));
      child.stdin?.end();
    });
  const peer = async (name: string) => (await h.call('GET', `/v1/tenants/acme/peers/${name}`, { key })).body;
  const routes = async () => (await h.call('GET', '/v1/tenants/acme/routes', { key })).body.items as Array<{ context: string; pattern: string; destinations: Array<{ dial: string }> }>;

  before(async () => {
    engine = await startDynalite();
    // The recipe's boxes sit on a LAN (host=192.168.2.3): the mistaken import needs that network allowed.
    h = await startControl(engine, { settings: { allowedPeerNetworks: parseAllowedNetworks('test', '192.168.0.0/16') } });
    key = await h.addTenant('acme', { callsPerSecond: 50 });
    worker = await startWorker({
      workerId: 'w1',
      stores: h.control.stores,
      iax: { address: '127.0.0.1', port: 0 },
      status: { address: '127.0.0.1', port: 0 },
      logger: jsonLogger({ service: 'worker', level: 'warn', write: () => {} }),
    });
    platform = `127.0.0.1:${worker.transport.localAddress().port}`;
    dir = mkdtempSync(join(tmpdir(), 'strowger-migrate-'));
    // Named so that only their contents can tell which box is which.
    writeFileSync(join(dir, 'first-iax.conf'), fooIax);
    writeFileSync(join(dir, 'second-iax.conf'), barIax);
  });
  after(async () => {
    for (const pbx of pbxes) await pbx.close();
    await worker?.close();
    await h?.close();
    await engine?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('the mistake first: importing foo\'s own iax.conf made tenant peer bar a static plaintext peer', async () => {
    const imported = await strowger(['import', 'first-iax.conf']);
    assert.equal(imported.status, 0, imported.stderr);
    const bar = await peer('bar');
    assert.deepEqual([bar.host, bar.auth, bar.username], ['192.168.2.3', ['plaintext'], 'foo']);
  });

  it('migrate refuses to replace bar unasked: exit 1 naming it, the difference listed, nothing written', async () => {
    const before = await peer('bar');
    const refused = await strowger(['migrate', 'first-iax.conf', 'second-iax.conf', '--platform', platform]);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /refused: peer bar already exists on tenant acme; nothing was written\. --replace replaces it/);
    assert.match(refused.stdout, /^ {2}\+ peer foo: type=friend host=dynamic username=strowger secret=\(new\) auth=md5 context=from-foo peercontext=fromiax trunk=yes qualify=2000/m);
    assert.match(refused.stdout, /^ {2}~ peer bar \(replaces the existing peer\):\n(?: {6}[-+] .*\n)*? {6}- host=192\.168\.2\.3$/m);
    assert.match(refused.stdout, /^ {6}- auth=plaintext$/m);
    assert.match(refused.stdout, /^ {6}\+ host=dynamic$/m);
    assert.doesNotMatch(refused.stdout, /register =>/, 'no box is told to change for a migration that did not happen');
    assert.equal((await peer('bar')).version, before.version);
    assert.equal((await h.call('GET', '/v1/tenants/acme/peers/foo', { key })).status, 404);
    assert.deepEqual(await routes(), []);
  });

  it('--dry-run --replace shows every peer and route it would write and each box\'s changes, and writes nothing', async () => {
    const dry = await strowger(['migrate', 'first-iax.conf', 'second-iax.conf', '--platform', platform, '--replace', '--dry-run']);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /^ {2}\+ route _X\.@from-foo: IAX2\/bar\/\$\{EXTEN\}$/m);
    assert.match(dry.stdout, /^ {2}\+ route _X\.@from-bar: IAX2\/foo\/\$\{EXTEN\}$/m);
    assert.match(dry.stdout, /dry run: nothing was written/);
    assert.match(dry.stdout, /^ {4}register => foo:<new secret>@127\.0\.0\.1:\d+$/m);
    assert.match(dry.stdout, /^first-iax\.conf:\d+-\d+: replace \[bar\] with:$/m);
    assert.equal((await peer('bar')).host, '192.168.2.3');
    assert.equal((await h.call('GET', '/v1/tenants/acme/peers/foo', { key })).status, 404);
    assert.deepEqual(await routes(), []);
  });

  it('--replace: two dynamic md5 friends with new secrets and a route each way; boxes set up from the printed lines register and call each other', async () => {
    const done = await strowger(['migrate', 'first-iax.conf', 'second-iax.conf', '--platform', platform, '--replace']);
    assert.equal(done.status, 0, done.stderr);
    assert.match(done.stderr, /shown this once/);
    const printed = printedBoxes(done.stdout);
    assert.deepEqual([...printed.keys()], ['foo', 'bar']);

    for (const [name, box] of printed) {
      const stored = await peer(name);
      assert.deepEqual([stored.type, stored.host, stored.auth, stored.username, stored.trunk, stored.secretCount], ['friend', 'dynamic', ['md5'], 'strowger', true, 1]);
      assert.deepEqual(stored.contexts, [`from-${name}`]);
      assert.notEqual(box.register.secret, 'password123', 'the old inter-box secret is not reused');
      assert.ok(box.register.secret.length >= 24);
      assert.deepEqual(box.section.get('secret'), [box.register.secret]);
      assert.deepEqual([box.section.get('type'), box.section.get('username'), box.section.get('auth'), box.section.get('trunk'), box.section.get('qualify'), box.section.get('context')],
        [['friend'], [name], ['md5'], ['yes'], ['yes'], ['fromiax']]);
    }
    assert.notEqual(printed.get('foo')?.register.secret, printed.get('bar')?.register.secret);
    assert.deepEqual((await routes()).map((r) => [r.pattern, r.context, r.destinations.map((d) => d.dial)]).sort(),
      [['_X.', 'from-bar', ['IAX2/foo/${EXTEN}']], ['_X.', 'from-foo', ['IAX2/bar/${EXTEN}']]]);

    // Each box as Asterisk would run with the printed lines: register => name:secret@host:port,
    // and [strowger] (its username= on calls, its secret, its auth= asked of the platform).
    for (const [name, box] of printed) {
      const { register, section } = box;
      const port = Number(section.get('port')?.[0] ?? 4569);
      assert.deepEqual([section.get('host')?.[0], port], [register.host, register.port]);
      pbxes.push(await startPbx(register.name, register.secret, { address: register.host, port }, () => 'answer', 60, {
        platformSection: { name: 'strowger', auth: section.get('auth') as AuthMethodName[] },
        username: section.get('username')?.[0] ?? name,
      }));
    }
    const [foo, bar] = pbxes as [PbxEndpoint, PbxEndpoint];
    await Promise.all([foo.registered(), bar.registered()]);

    // foo dials bar's 23, as Dial(IAX2/strowger/23) now does: it lands in bar's fromiax, voice both ways.
    const atBar = await voiceCall(foo, bar, '23', [0x21, 0x61]);
    assert.equal(atBar.calledContext, 'fromiax', 'the context foo\'s calls landed in before');
    assert.equal(atBar.username, 'strowger');

    // And bar dials foo's 42.
    const barCall = watch(bar.dial('42'));
    const atFooCall = await waitFor('foo to be called', () => foo.incoming.find((c) => c.info.calledNumber === '42'));
    assert.equal(atFooCall.info.calledContext, 'fromiax');
    await waitFor('bar to hear the answer', () => (barCall.answered ? true : undefined));
    atFooCall.call.hangup(16);
    await waitFor('bar to see the hang-up', () => (barCall.ended ? true : undefined));
    assert.equal(barCall.cause, 16);
  });

  it('run again: refused naming both peers and both routes; nothing changes and the boxes stay registered', async () => {
    const versions = [(await peer('foo')).version, (await peer('bar')).version];
    const again = await strowger(['migrate', 'first-iax.conf', 'second-iax.conf', '--platform', platform]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /refused: peer foo, peer bar, route _X\.@from-foo, route _X\.@from-bar already exist on tenant acme/);
    assert.deepEqual([(await peer('foo')).version, (await peer('bar')).version], versions);
    const [foo] = pbxes as [PbxEndpoint];
    const call = watch(foo.dial('24'));
    await waitFor('the call to connect with the secrets unchanged', () => (call.answered ? true : undefined));
  });

  it('the import API itself refuses what exists when asked to (ifExists=refuse), writing nothing', async () => {
    const refused = await h.call('POST', '/v1/tenants/acme/import', { key, body: { ifExists: 'refuse', files: [{ name: 'iax.conf', text: '[foo]\ntype=friend\nhost=dynamic\nsecret=x\n\n[baz]\ntype=friend\nhost=dynamic\nsecret=y\n' }] } });
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /already exists: peer foo/);
    assert.equal((await h.call('GET', '/v1/tenants/acme/peers/baz', { key })).status, 404);
  });

  it('bad input: a box the other file does not name is refused asking for --box; usage errors exit 2; an unreachable API exits 3', async () => {
    writeFileSync(join(dir, 'lone-iax.conf'), '[general]\n\n[provider]\ntype=peer\nhost=203.0.113.9\nusername=acct\n\n[other]\ntype=friend\nhost=dynamic\n');
    const lone = await strowger(['migrate', 'first-iax.conf', 'lone-iax.conf', '--platform', platform, '--dry-run']);
    assert.equal(lone.status, 1);
    // No section of lone's mirrors foo's [bar]: foo's file, whose only section is [bar], makes
    // lone's file box bar, but nothing names foo's file.
    assert.match(lone.stderr, /^first-iax\.conf: cannot tell which box this is: .*--box NAME=FILE/m);
    const named = await strowger(['migrate', '--box', 'foo=first-iax.conf', 'lone-iax.conf', '--platform', platform, '--dry-run']);
    assert.equal(named.status, 1);
    assert.match(named.stderr, /^lone-iax\.conf: box bar has no section for any of the other boxes \(foo\)/m);
    assert.equal((await strowger(['migrate', 'first-iax.conf'])).status, 2);
    assert.equal((await strowger(['migrate', 'first-iax.conf', 'second-iax.conf', '--box', 'foo'])).status, 2);
    const offline = await strowger(['migrate', 'first-iax.conf', 'second-iax.conf', '--api', 'http://127.0.0.1:9', '--dry-run']);
    assert.equal(offline.status, 3, offline.stderr);
  });
});
