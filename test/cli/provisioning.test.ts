// The real `strowger` binary (services/cli/bin.mjs, as npx runs it) against the control plane
// behind the local adapter on dynalite: provisioning, the seed recipe's import, Asterisk-shaped
// views, and bad input exiting non-zero with the reason.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadPrivateKey, loadPublicKey, rsaSign, rsaVerify } from '../../services/iax2/crypto/index.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';
import { capturesDir } from '../helpers/fixture-paths.ts';
import { peeringRecipeConfs } from '../helpers/seed-confs.ts';
import { parseAllowedNetworks } from '../../shared/model/peer-address-policy.ts';

const BIN = fileURLToPath(new URL('../../services/cli/bin.mjs', import.meta.url));
const [fooIax = ''] = peeringRecipeConfs();

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

describe('strowger CLI against the local control plane', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  let dir = '';
  let tenantKey = '';

  /** Runs the binary asynchronously (the API answers from this same process). */
  const strowger = (args: string[], options: { key?: string; stdin?: string; env?: Record<string, string> } = {}): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(process.execPath, [BIN, ...args], {
        env: { PATH: process.env.PATH ?? '', STROWGER_API: h.url, ...(options.key === undefined ? {} : { STROWGER_API_KEY: options.key }), ...options.env },
        cwd: dir,
      }, (error, stdout, stderr) => resolve({ status: error === null ? 0 : Number(error.code), stdout, stderr }));
      child.stdin?.end(options.stdin ?? '');
    });
  const asOperator = (args: string[]) => strowger(args, { key: h.operatorKey });
  const asTenant = (args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) => strowger(args, { key: tenantKey, ...options });

  before(async () => {
    engine = await startDynalite();
    // The seed recipe's peer is on a LAN (host=192.168.2.3): this operator allows that network.
    h = await startControl(engine, { settings: { allowedPeerNetworks: parseAllowedNetworks('test', '192.168.0.0/16') } });
    dir = mkdtempSync(join(tmpdir(), 'strowger-cli-'));
    writeFileSync(join(dir, 'foo-iax.conf'), fooIax);
    writeFileSync(join(dir, 'extensions.conf'), '[fromiax]\nexten => _X.,1,Dial(IAX2/bar/${EXTEN},30)\n same => n,Hangup()\n');
    writeFileSync(join(dir, 'box1-extensions.conf'), readFileSync(`${capturesDir}box1-extensions.conf`));
  });
  after(async () => {
    await h?.close();
    await engine?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('tenant add, key add: the operator provisions, the tenant key is printed once', async () => {
    const added = await asOperator(['tenant', 'add', 'foo', '--name', 'Foo Ltd', '--max-peers', '10']);
    assert.deepEqual([added.status, added.stdout], [0, 'tenant foo created\n']);
    const listed = await asOperator(['tenant', 'list', '--json']);
    assert.deepEqual(JSON.parse(listed.stdout).map((t: { tenantId: string; limits: { maxPeers: number } }) => [t.tenantId, t.limits.maxPeers]), [['foo', 10]]);
    const limits = await asOperator(['tenant', 'limits', 'foo', '--max-calls', '4']);
    assert.match(limits.stdout, /^foo\s+Foo Ltd\s+active\s+10\s+4\s+5$/m);
    const key = await asOperator(['key', 'add', '--tenant', 'foo']);
    assert.equal(key.status, 0);
    tenantKey = key.stdout.trim();
    assert.match(tenantKey, /^stg_foo_/);
    assert.match(key.stderr, /not shown again/);
    const keys = await asTenant(['key', 'list']);
    assert.ok(keys.stdout.includes(`${tenantKey.slice(0, 12)}...`) && !keys.stdout.includes(tenantKey));
  });

  it('import: the seed recipe\'s iax.conf and a dialplan, with a progress line; then peers are listed', async () => {
    const imported = await asTenant(['import', 'foo-iax.conf', 'extensions.conf']);
    assert.equal(imported.status, 0, imported.stderr);
    assert.match(imported.stderr, /^importing 2 files \(\d+ lines, [\d.]+ KiB\) into foo\.\.\.$/m);
    assert.match(imported.stderr, /foo-iax\.conf:\d+: warning: bindport is set by the platform/);
    assert.equal(imported.stdout, 'imported: 1 peer created, 0 updated; 1 route created, 0 updated; 4 warnings\n');
    const peers = await asTenant(['peer', 'list', '--json']);
    assert.deepEqual(JSON.parse(peers.stdout).map((p: { name: string; host: string }) => [p.name, p.host]), [['bar', '192.168.2.3']]);
    const table = await asTenant(['peer', 'list']);
    assert.match(table.stdout, /^bar\s+friend\s+192\.168\.2\.3\s+4569\s+plaintext\s+fromiax\s+2000\s+yes$/m);
    const routes = await asTenant(['route', 'list']);
    assert.match(routes.stdout, /^fromiax\s+_X\.\s+IAX2\/bar\/\$\{EXTEN\},30$/m);
  });

  it('peer add with the secret from stdin, set, get; show peers and show registry like Asterisk', async () => {
    const added = await asTenant(['peer', 'add', 'pbx1', 'type=friend', 'host=dynamic', 'auth=md5', 'secret=-', 'context=fromiax', 'qualify=yes', 'trunk=yes'], { stdin: 'from-stdin-secret\n' });
    assert.deepEqual([added.status, added.stdout], [0, 'peer pbx1 created (version 1)\n']);
    assert.equal(h.control.stores.peers && (await h.control.stores.peers.get('pbx1'))?.secrets[0], 'from-stdin-secret');
    const set = await asTenant(['peer', 'set', 'pbx1', 'qualify=500', 'description=Main office']);
    assert.deepEqual([set.status, set.stdout], [0, 'peer pbx1 updated (version 2)\n']);
    const got = JSON.parse((await asTenant(['peer', 'get', 'pbx1', '--json'])).stdout);
    assert.deepEqual([got.qualify, got.description, got.contexts, got.trunk, got.secretCount, got.secrets], [500, 'Main office', ['fromiax'], true, 1, undefined]);
    const shown = await asTenant(['peer', 'get', 'pbx1']);
    assert.match(shown.stdout, /^ {2}Secret {7}: <Set>$/m);

    const now = h.clock.now();
    await h.control.stores.registrations.put({ name: 'pbx1', tenant: 'foo', address: '203.0.113.7', port: 4570, workerId: 'w1', registeredAt: now, expiresAt: now + 70_000, refreshS: 60, qualify: { status: 'OK', latencyMs: 23 } });
    const peers = await asTenant(['show', 'peers']);
    const lines = peers.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^Name\/Username\s+Host\s+Mask\s+Port\s+Status\s+Description$/);
    assert.ok(lines.some((l) => /^bar\/foo\s+192\.168\.2\.3\s+\(S\)\s+255\.255\.255\.255\s+4569\s+\(T\)\s+UNKNOWN$/.test(l)), peers.stdout);
    assert.ok(lines.some((l) => /^pbx1\s+203\.0\.113\.7\s+\(D\)\s+255\.255\.255\.255\s+4570\s+\(T\)\s+OK \(23 ms\)\s+Main office$/.test(l)), peers.stdout);
    assert.equal(lines.at(-1), '2 iax2 peers [1 online, 1 offline, 0 unmonitored]');
    const registry = await asTenant(['show', 'registry']);
    assert.match(registry.stdout, /^Host\s+dnsmgr\s+Username\s+Perceived\s+Refresh\s+State\s+Worker$/m);
    assert.match(registry.stdout, /^203\.0\.113\.7:4570\s+N\s+pbx1\s+203\.0\.113\.7:4570\s+60\s+Registered\s+w1$/m, registry.stdout);
    assert.match(registry.stdout, /^1 IAX2 registrations\.$/m);
    const json = JSON.parse((await asTenant(['show', 'registry', '--json'])).stdout);
    assert.deepEqual(json.map((r: { name: string; registered: boolean }) => [r.name, r.registered]), [['pbx1', true]]);
  });

  it('keygen writes the private key 0600 (3DES with the passphrase from the environment); the stored public key verifies it', async () => {
    const made = await asTenant(['peer', 'keygen', 'pbx1', '--key-name', 'pbx1key', '--passphrase-env', 'KEY_PASS', '--out', 'pbx1key.key'], { env: { KEY_PASS: 'correct horse' } });
    assert.equal(made.status, 0, made.stderr);
    const file = join(dir, 'pbx1key.key');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const pem = readFileSync(file, 'utf8');
    assert.match(pem, /DEK-Info: DES-EDE3-CBC/);
    const stored = await h.control.stores.peers.get('pbx1');
    const signature = rsaSign('challenge', loadPrivateKey(pem, 'correct horse'));
    assert.equal(rsaVerify('challenge', signature, [loadPublicKey(stored?.publicKeys.pbx1key ?? '')]), 0);
  });

  it('routes, CDRs and channels', async () => {
    assert.equal((await asTenant(['route', 'add', 'fromiax', '100', 'IAX2/pbx1/${EXTEN}', 'IAX2/bar/100', '--timeout', '20'])).status, 0);
    assert.match((await asTenant(['route', 'list', '--context', 'fromiax'])).stdout, /^fromiax\s+100\s+IAX2\/pbx1\/\$\{EXTEN\},20 \| IAX2\/bar\/100,20$/m);
    assert.deepEqual((await asTenant(['route', 'rm', 'fromiax', '100'])).stdout, 'route 100@fromiax removed\n');
    const start = h.clock.now() - 600_000;
    await h.control.stores.cdrs.write({ tenant: 'foo', callId: 'call-1', src: '2000', dst: '100', dcontext: 'fromiax', channel: 'IAX2/pbx1-1', start, answer: start + 4000, end: start + 64_000, duration: 64, billsec: 60, disposition: 'ANSWERED', workerId: 'w1' });
    const cdrs = await asTenant(['show', 'cdrs']);
    assert.match(cdrs.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+2000\s+100\s+fromiax\s+IAX2\/pbx1-1\s+ANSWERED\s+64\s+60$/m);
    assert.match(cdrs.stdout, /^1 CDR$/m);
    const channels = await asTenant(['show', 'channels']);
    assert.deepEqual([channels.status, channels.stderr.trim()], [3, 'strowger show channels: no worker is running [503 STROWGER_ERR_UNAVAILABLE]']);
  });

  it('bad input exits non-zero with the reason', async () => {
    const refused = await asTenant(['import', 'foo-iax.conf', 'box1-extensions.conf']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /box1-extensions\.conf:\d+: Gosub\(\) is not supported/);
    assert.equal(JSON.parse((await asTenant(['peer', 'get', 'bar', '--json'])).stdout).version, 1, 'nothing of the refused import was written');
    const missing = await asTenant(['import', 'nosuch.conf']);
    assert.deepEqual([missing.status, missing.stderr], [1, 'strowger import: nosuch.conf: no such file\n']);
    const badOption = await asTenant(['peer', 'add', 'p9', 'type=trunk']);
    assert.deepEqual([badOption.status, badOption.stderr], [1, 'strowger peer add: type=trunk: expected user, peer or friend\n']);
    const taken = await asTenant(['peer', 'add', 'bar', 'type=user']);
    assert.equal(taken.status, 1);
    assert.match(taken.stderr, /peer name "bar" is taken \[409 STROWGER_ERR_CONFLICT\]/);
    const noKey = await strowger(['show', 'peers', '--tenant', 'foo']);
    assert.equal(noKey.status, 2);
    assert.match(noKey.stderr, /^strowger show peers: no API key: pass --key or set STROWGER_API_KEY; the operator key of `npm start` is in \.data\/operator-key/);
    const otherTenant = await asTenant(['show', 'peers', '--tenant', 'globex']);
    assert.equal(otherTenant.status, 1);
    const unreachable = await strowger(['show', 'peers', '--tenant', 'foo', '--api', 'http://127.0.0.1:9'], { key: tenantKey });
    assert.equal(unreachable.status, 3);
    assert.match(unreachable.stderr, /cannot reach the API at http:\/\/127\.0\.0\.1:9/);
    const usage = await asTenant(['peer', 'frobnicate']);
    assert.equal(usage.status, 2);
    const unknownFlag = await asTenant(['show', 'peers', '--colour']);
    assert.equal(unknownFlag.status, 2);
    assert.equal(unknownFlag.stderr, 'strowger show peers: unknown option --colour (see strowger show peers --help)\n');
    const noTenant = await asOperator(['show', 'peers']);
    assert.deepEqual([noTenant.status, noTenant.stderr.split('\n')[0]], [2, 'strowger show peers: name the tenant with --tenant (the operator key belongs to no tenant)']);
  });
});
