// What the CLI says when something is wrong, through the real main() with its output captured,
// against the control plane over HTTP on dynalite: each key mistake named with what to do,
// global options before the command, `help <command>`, option errors in the CLI's own words,
// routes to missing peers, and `show channels --json` shaped like the other views.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { main } from '../../services/cli/main.ts';
import type { ActiveCall } from '../../shared/model/active-call.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

const NO_KEY_HINT = 'the operator key of `npm start` is in .data/operator-key (or STROWGER_ADMIN_KEY if you set it), and tenant keys come from `strowger key add --tenant T`';

describe('strowger: messages that say what is wrong and what to do', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  let tenantKey = '';
  let dir = '';
  const call: ActiveCall = {
    tenant: 'foo', callId: 'c1', channel: 'IAX2/pbx1-7', peerAddress: '203.0.113.7:4569', peerName: 'pbx1', localCallNumber: 7, remoteCallNumber: 3,
    txSeq: 4, rxSeq: 5, format: 'ulaw', firstMessageAt: Date.now() - 5000, lastMessageAt: Date.now(), state: 'up', workerId: 'w1',
  };

  /** main() in this process, with only the environment given (no STROWGER_API_KEY unless named). */
  async function strowger(argv: string[], env: Record<string, string> = {}): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const status = await main(argv, {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      stdin: Object.assign(Readable.from([]), { isTTY: false }),
      env: { STROWGER_API: h.url, ...env },
    });
    return { status, stdout, stderr };
  }
  const asTenant = (argv: string[]) => strowger(argv, { STROWGER_API_KEY: tenantKey });

  before(async () => {
    engine = await startDynalite();
    h = await startControl(engine, { callSource: { callsOf: () => Promise.resolve([call]) } });
    tenantKey = await h.addTenant('foo');
    assert.equal((await h.call('POST', '/v1/tenants/foo/peers', { key: tenantKey, body: { name: 'pbx1', type: 'user' } })).status, 201);
    dir = mkdtempSync(join(tmpdir(), 'strowger-cli-messages-'));
  });
  after(async () => {
    await h?.close();
    await engine?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('no key at all, or an empty STROWGER_API_KEY: where keys come from, before anything is sent (exit 2)', async () => {
    const sent = h.bodies.length;
    const none = await strowger(['peer', 'list', '--tenant', 'foo']);
    assert.deepEqual([none.status, none.stderr], [2, `strowger peer list: no API key: pass --key or set STROWGER_API_KEY; ${NO_KEY_HINT}\n`]);
    // Without --tenant it is still the key that is wrong, not the tenant.
    const empty = await strowger(['peer', 'list'], { STROWGER_API_KEY: '' });
    assert.deepEqual([empty.status, empty.stderr], [2, `strowger peer list: no API key (STROWGER_API_KEY is empty): pass --key or set STROWGER_API_KEY; ${NO_KEY_HINT}\n`]);
    const dataDir = await strowger(['tenant', 'list'], { STROWGER_DATA_DIR: '/srv/strowger' });
    assert.match(dataDir.stderr, /the operator key of `npm start` is in \/srv\/strowger\/operator-key/);
    assert.equal(h.bodies.length, sent, 'no request went out');
  });

  it('a key not shaped like ours names where it came from (never "name the tenant")', async () => {
    const garbage = await strowger(['peer', 'list'], { STROWGER_API_KEY: 'hunter2' });
    assert.deepEqual([garbage.status, garbage.stderr], [2, `strowger peer list: STROWGER_API_KEY does not look like a Strowger key (stg_<owner>_...): check it was copied whole; ${NO_KEY_HINT}\n`]);
    const flag = await strowger(['peer', 'list', '--key', `${tenantKey.slice(0, -1)}`]);
    assert.match(flag.stderr, /^strowger peer list: --key does not look like a Strowger key \(stg_<owner>_\.\.\.\)/);
    assert.ok(!flag.stderr.includes(tenantKey.slice(8, -1)), 'the key\'s secret is not echoed');
  });

  it('a refused key: what it is (by owner only), why a key is refused, where keys come from (exit 1); a tenant key where the operator\'s is needed', async () => {
    const unknown = `stg_foo_${'A'.repeat(43)}`;
    const refused = await strowger(['peer', 'list'], { STROWGER_API_KEY: unknown });
    assert.equal(refused.status, 1);
    assert.equal(refused.stderr, `strowger peer list: the API refused the key of tenant foo (STROWGER_API_KEY): it was revoked, its tenant is suspended or does not exist, or it belongs to another deployment; ${NO_KEY_HINT} [401 STROWGER_ERR_UNAUTHORIZED]\n`);
    const wrongOperator = await strowger(['tenant', 'list', '--key', `stg_op_${'B'.repeat(43)}`]);
    assert.match(wrongOperator.stderr, /^strowger tenant list: the API refused the operator key \(--key\): it is not this deployment's operator key; /);
    const forbidden = await asTenant(['tenant', 'list']);
    assert.deepEqual([forbidden.status, forbidden.stderr], [1, 'strowger tenant list: this needs the operator key: the key of tenant foo (STROWGER_API_KEY) is not enough here; use the operator key (.data/operator-key for `npm start`, or STROWGER_ADMIN_KEY) [403 STROWGER_ERR_FORBIDDEN]\n']);
    assert.ok(![refused, wrongOperator, forbidden].some((r) => r.stderr.includes(tenantKey) || r.stderr.includes('A'.repeat(43))));
  });

  it('global options before the command work as after it; after it wins when both are given', async () => {
    const before = await strowger(['--api', h.url, '--key', h.operatorKey, '--json', 'tenant', 'list']);
    assert.equal(before.status, 0, before.stderr);
    assert.deepEqual(JSON.parse(before.stdout).map((t: { tenantId: string }) => t.tenantId), ['foo']);
    const equals = await strowger([`--key=${tenantKey}`, '--tenant=foo', 'peer', 'list', '--json']);
    assert.deepEqual(JSON.parse(equals.stdout).map((p: { name: string }) => p.name), ['pbx1']);
    const both = await strowger(['--api', 'http://127.0.0.1:9', 'peer', 'list', '--api', h.url, '--key', tenantKey]);
    assert.equal(both.status, 0, both.stderr);
    const unknownGlobal = await strowger(['--bogus', 'tenant', 'list']);
    assert.deepEqual([unknownGlobal.status, unknownGlobal.stderr], [2, 'strowger: unknown option --bogus before the command (see strowger --help)\n']);
    const missingValue = await strowger(['--api']);
    assert.deepEqual([missingValue.status, missingValue.stderr], [2, 'strowger: --api needs a value (see strowger --help)\n']);
    const decodeJson = await strowger(['--json', 'decode', '12:34:02:08:ff:ff']);
    assert.deepEqual([decodeJson.status, JSON.parse(decodeJson.stdout).kind], [0, 'mini']);
  });

  it('strowger help <command> is strowger <command> --help; --help before the command too', async () => {
    for (const [help, direct] of [[['help', 'import'], ['import', '--help']], [['help', 'peer', 'add'], ['peer', 'add', '--help']], [['help', 'decode'], ['decode', '--help']], [['--help', 'route'], ['route', '--help']]]) {
      const viaHelp = await strowger(help!);
      const viaFlag = await strowger(direct!);
      assert.deepEqual([viaHelp.status, viaHelp.stdout], [0, viaFlag.stdout], help!.join(' '));
      assert.match(viaHelp.stdout, /^Usage: strowger /);
      assert.ok(!viaHelp.stdout.includes('Commands:'), 'the command\'s own usage, not the general one');
    }
    const general = await strowger(['help']);
    assert.deepEqual([general.status, general.stdout.includes('Commands:')], [0, true]);
    const nosuch = await strowger(['help', 'frobnicate']);
    assert.equal(nosuch.status, 2);
    assert.match(nosuch.stderr, /^strowger: unknown command "frobnicate"/);
  });

  it('option mistakes in the CLI\'s words, pointing at the command\'s --help', async () => {
    const bogus = await asTenant(['peer', 'add', 'p9', 'type=user', '--bogus']);
    assert.deepEqual([bogus.status, bogus.stderr], [2, 'strowger peer add: unknown option --bogus (see strowger peer add --help)\n']);
    const withValue = await asTenant(['show', 'peers', '--colour=red']);
    assert.equal(withValue.stderr, 'strowger show peers: unknown option --colour (see strowger show peers --help)\n');
    const noValue = await asTenant(['route', 'list', '--context']);
    assert.equal(noValue.stderr, 'strowger route list: --context needs a value (see strowger route list --help)\n');
    const flagValue = await asTenant(['peer', 'list', '--json=yes']);
    assert.equal(flagValue.stderr, 'strowger peer list: --json takes no value (see strowger peer list --help)\n');
    const importBogus = await asTenant(['import', '--bogus', 'x.conf']);
    assert.equal(importBogus.stderr, 'strowger import: unknown option --bogus (see strowger import --help)\n');
    const migrateBogus = await asTenant(['migrate', '--bogus', 'a.conf', 'b.conf']);
    assert.equal(migrateBogus.stderr, 'strowger migrate: unknown option --bogus (see strowger migrate --help)\n');
    for (const r of [bogus, withValue, noValue, flagValue, importBogus, migrateBogus]) assert.doesNotMatch(r.stderr, /as in '--|place it at the end/);
  });

  it('qualify=maybe is answered with what qualify= takes', async () => {
    const maybe = await asTenant(['peer', 'add', 'p8', 'type=friend', 'host=dynamic', 'qualify=maybe']);
    assert.deepEqual([maybe.status, maybe.stderr], [1, 'strowger peer add: qualify=maybe: expected yes, no or a number of milliseconds\n']);
  });

  it('route add to a missing peer is refused naming it; --force adds it; import reports the line, --force makes it a warning', async () => {
    const refused = await asTenant(['route', 'add', 'out', '_X.', 'IAX2/nosuch/${EXTEN}']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^strowger route add: destination 1: IAX2\/nosuch\/\$\{EXTEN\} dials peer "nosuch", which tenant foo does not have: every call through it would fail; .*--force\) \[409 STROWGER_ERR_UNKNOWN_PEER\]\n$/);
    const forced = await asTenant(['route', 'add', 'out', '_X.', 'IAX2/nosuch/${EXTEN}', '--force']);
    assert.deepEqual([forced.status, forced.stdout], [0, 'route _X.@out added\n']);

    writeFileSync(join(dir, 'extensions.conf'), '[in]\nexten => 1,1,Dial(IAX2/pbx1/1)\nexten => 2,1,Dial(IAX2/ghost/2)\n');
    const file = join(dir, 'extensions.conf');
    const imported = await asTenant(['import', file]);
    assert.equal(imported.status, 1);
    assert.match(imported.stderr, /^strowger import: extensions\.conf:3: IAX2\/ghost\/2 dials peer "ghost", which tenant foo does not have/m);
    const forcedImport = await asTenant(['import', '--force', file]);
    assert.equal(forcedImport.status, 0, forcedImport.stderr);
    assert.match(forcedImport.stderr, /^extensions\.conf:3: warning: IAX2\/ghost\/2 dials peer "ghost", .*imported anyway \(force\)$/m);
    const whole = await asTenant(['import', '--kind', 'iax', file]);
    assert.match(whole.stderr, /extensions\.conf:2: /, 'an extensions.conf read as iax.conf: its lines are named, not line 0');
  });

  it('show channels --json is an array, like show peers, show registry and show cdrs', async () => {
    await h.control.stores.workers.heartbeat({ workerId: 'w1', privateAddress: '127.0.0.1', meshPort: 4570, httpPort: 1, heartbeatAt: h.clock.now(), activeCalls: 1, registrations: 0, draining: false });
    for (const view of ['channels', 'peers', 'registry', 'cdrs']) {
      const shown = await asTenant(['show', view, '--json']);
      assert.equal(shown.status, 0, `${view}: ${shown.stderr}`);
      assert.ok(Array.isArray(JSON.parse(shown.stdout)), `show ${view} --json is an array`);
    }
    const channels = JSON.parse((await asTenant(['show', 'channels', '--json'])).stdout);
    assert.deepEqual(channels.map((c: ActiveCall) => [c.channel, c.state]), [['IAX2/pbx1-7', 'up']]);
  });
});
