// Static peer hosts may not point the platform at internal addresses: the rules themselves,
// the API (create, replace, patch), the config import (problems as file:line), the CLI
// (through the API), each with and without an operator's allowed range; and the switch's
// check at call time of the address a host NAME resolves to.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parseIp } from '../../shared/model/ip-range.ts';
import { parseAllowedNetworks, refusedAddress, refusedPeerHost } from '../../shared/model/peer-address-policy.ts';
import { validatePeer, type PeerRecord } from '../../shared/store/peers-table.ts';
import { resolveDestination, type DestinationSources } from '../../services/worker/switch/destination.ts';
import { workerConfigFromEnv } from '../../services/worker/worker-config.ts';
import { Cause } from '../../services/iax2/codec/index.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';

const REFUSED = [
  '127.0.0.1', '127.255.255.254', '::1', '[::1]', '0.0.0.0', '::', '169.254.169.254', '169.254.0.1', 'fe80::1', 'fe80::1%eth0',
  'fd00:ec2::254', 'fc00::1', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '224.0.0.1', 'ff02::1',
  '255.255.255.255', '240.0.0.1', '::ffff:127.0.0.1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '64:ff9b::a9fe:a9fe', '2002:7f00:1::1',
  // What resolvers read as IPv4, and names that are loopback by definition.
  '2130706433', '127.1', '0x7f.0.0.1', '0177.0.0.1', 'localhost', 'pbx.localhost', 'LOCALHOST.',
];
const ALLOWED = ['dynamic', '8.8.8.8', '172.32.0.1', '192.0.2.10', '203.0.113.7', '2001:4860:4860::8888', '::ffff:8.8.8.8', 'pbx.example.com', 'sip-1.carrier.net'];

describe('the static-host rules', () => {
  it('refuse loopback, link-local (metadata), private, unspecified, multicast, broadcast and reserved addresses, in any spelling', () => {
    for (const host of REFUSED) assert.ok(refusedPeerHost(host, []) !== undefined, `${host} must be refused`);
    for (const host of ALLOWED) assert.equal(refusedPeerHost(host, []), undefined, `${host} must pass`);
    assert.match(refusedPeerHost('169.254.169.254', []) ?? '', /link-local/);
    assert.match(refusedPeerHost('fd00:ec2::254', []) ?? '', /unique local/);
    assert.match(refusedPeerHost('::ffff:127.0.0.1', []) ?? '', /carries 127\.0\.0\.1, a loopback address/);
  });

  it('an operator\'s allowed range lets exactly that range through (an IPv4-mapped address by its IPv4 address too)', () => {
    const allowed = parseAllowedNetworks('STROWGER_ALLOWED_PEER_NETWORKS', ' 10.0.0.0/8 , fd00::/8,127.0.0.1');
    assert.equal(refusedPeerHost('10.1.2.3', allowed), undefined);
    assert.equal(refusedPeerHost('fd00:ec2::254', allowed), undefined);
    assert.equal(refusedPeerHost('127.0.0.1', allowed), undefined);
    assert.equal(refusedPeerHost('::ffff:10.9.9.9', allowed), undefined);
    assert.ok(refusedPeerHost('127.0.0.2', allowed) !== undefined);
    assert.ok(refusedPeerHost('192.168.1.1', allowed) !== undefined);
    assert.ok(refusedPeerHost('169.254.169.254', allowed) !== undefined);
    assert.equal(refusedAddress(parseIp('11.0.0.1')!, allowed), undefined);
  });

  it('a bad allowed range fails the start, naming the setting, in the control plane and in the worker', async () => {
    for (const bad of ['10.0.0.0/33', 'ten', '10.0.0.0/8/1', '::1/129', '10.0.0.0/-1']) {
      assert.throws(() => parseAllowedNetworks('STROWGER_ALLOWED_PEER_NETWORKS', bad), /STROWGER_ALLOWED_PEER_NETWORKS: ".*" is not an address or address\/bits/);
    }
    const tables = Object.fromEntries(['PEERS', 'REGISTRATIONS', 'ROUTES', 'ASTDB', 'CDRS', 'WORKERS', 'TENANTS'].map((t) => [`STROWGER_TABLE_${t}`, t.toLowerCase()]));
    await assert.rejects(workerConfigFromEnv({ ...tables, STROWGER_ALLOWED_PEER_NETWORKS: 'nope' }), /STROWGER_ALLOWED_PEER_NETWORKS: "nope"/);
    const config = await workerConfigFromEnv({ ...tables, STROWGER_ALLOWED_PEER_NETWORKS: '10.0.0.0/8' });
    assert.deepEqual(config.allowedPeerNetworks.map((r) => r.text), ['10.0.0.0/8']);
    assert.deepEqual((await workerConfigFromEnv(tables)).allowedPeerNetworks, []);
  });
});

describe('static hosts through the API, the import and the CLI', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  let open: ControlHarness;
  let key = '';
  let openKey = '';

  before(async () => {
    engine = await startDynalite();
    h = await startControl(engine);
    key = await h.addTenant('acme');
    open = await startControl(engine, { settings: { allowedPeerNetworks: parseAllowedNetworks('test', '10.0.0.0/8') } });
    openKey = await open.addTenant('acme');
  });
  after(async () => {
    await h?.close();
    await open?.close();
    await engine?.stop();
  });

  it('create, replace and patch refuse an internal host (400 naming host or defaultip) and write nothing', async () => {
    for (const host of ['127.0.0.1', '169.254.169.254', 'fd00:ec2::254', '10.0.0.5', 'localhost', '2130706433']) {
      const created = await h.call('POST', '/v1/tenants/acme/peers', { key, body: { name: 'p1', type: 'peer', host } });
      assert.deepEqual([created.status, created.body.error.field], [400, 'host'], `${host}: ${JSON.stringify(created.body)}`);
      assert.match(created.body.error.message, /^host: /);
    }
    const viaDefault = await h.call('POST', '/v1/tenants/acme/peers', { key, body: { name: 'p1', type: 'friend', host: 'dynamic', defaultip: '169.254.169.254' } });
    assert.deepEqual([viaDefault.status, viaDefault.body.error.field], [400, 'defaultip']);
    assert.equal(await h.control.stores.peers.get('p1'), undefined);

    assert.equal((await h.call('POST', '/v1/tenants/acme/peers', { key, body: { name: 'p1', type: 'peer', host: 'pbx.example.com' } })).status, 201, 'a host name passes');
    const patched = await h.call('PATCH', '/v1/tenants/acme/peers/p1', { key, body: { host: '169.254.169.254' }, headers: { 'if-match': '"1"' } });
    assert.deepEqual([patched.status, patched.body.error.field], [400, 'host']);
    const replaced = await h.call('PUT', '/v1/tenants/acme/peers/p1', { key, body: { type: 'peer', host: '127.0.0.1' }, headers: { 'if-match': '"1"' } });
    assert.deepEqual([replaced.status, replaced.body.error.field], [400, 'host']);
    const record = await h.control.stores.peers.get('p1');
    assert.deepEqual([record?.version, record?.host], [1, 'pbx.example.com']);
    assert.equal((await h.call('PATCH', '/v1/tenants/acme/peers/p1', { key, body: { host: '198.51.100.20' }, headers: { 'if-match': '"1"' } })).status, 200, 'a public address passes');
  });

  it('with the operator\'s allowed range, an address in it is accepted; others are still refused', async () => {
    assert.equal((await open.call('POST', '/v1/tenants/acme/peers', { key: openKey, body: { name: 'lan1', type: 'peer', host: '10.1.2.3' } })).status, 201);
    const outside = await open.call('POST', '/v1/tenants/acme/peers', { key: openKey, body: { name: 'lan2', type: 'peer', host: '192.168.1.1' } });
    assert.deepEqual([outside.status, outside.body.error.field], [400, 'host']);
    assert.equal((await h.call('POST', '/v1/tenants/acme/peers', { key, body: { name: 'lan3', type: 'peer', host: '10.1.2.3' } })).status, 400, 'not without the range');
  });

  it('the import refuses an internal host with file:line and imports nothing; with the range it imports', async () => {
    const conf = '[good]\ntype=friend\nhost=dynamic\n\n[meta]\ntype=peer\nhost=169.254.169.254\n\n[lan]\ntype=peer\nhost=10.9.9.9\n';
    const refused = await h.call('POST', '/v1/tenants/acme/import', { key, body: { files: [{ name: 'site-iax.conf', text: conf }] } });
    assert.equal(refused.status, 400);
    const problems = refused.body.problems.map((p: { file: string; line: number; reason: string }) => `${p.file}:${p.line}: ${p.reason}`);
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0], /^site-iax\.conf:7: host=: 169\.254\.169\.254 is a link-local address/);
    assert.match(problems[1], /^site-iax\.conf:11: host=: 10\.9\.9\.9 is a private address/);
    assert.equal(await h.control.stores.peers.get('good'), undefined, 'all or nothing');
    const defaultIp = await h.call('POST', '/v1/tenants/acme/import', { key, body: { files: [{ name: 'iax.conf', text: '[d]\ntype=friend\nhost=dynamic\ndefaultip=127.0.0.1\n' }] } });
    assert.match(defaultIp.body.problems[0].reason, /^defaultip=: 127\.0\.0\.1 is a loopback address/);
    assert.equal(defaultIp.body.problems[0].line, 4);

    const inRange = await open.call('POST', '/v1/tenants/acme/import', { key: openKey, body: { files: [{ name: 'iax.conf', text: '[lan9]\ntype=peer\nhost=10.9.9.9\n' }] } });
    assert.deepEqual([inRange.status, inRange.body.peers?.created], [200, ['lan9']]);
  });

  it('the CLI is refused by the API with the reason and exit status 1', async () => {
    const bin = fileURLToPath(new URL('../../services/cli/bin.mjs', import.meta.url));
    const run = await new Promise<{ status: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'peer', 'add', 'cli1', 'type=peer', 'host=169.254.169.254'], { env: { PATH: process.env.PATH ?? '', STROWGER_API: h.url, STROWGER_API_KEY: key } }, (error, _stdout, stderr) =>
        resolve({ status: error === null ? 0 : Number(error.code), stderr }));
    });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /host: 169\.254\.169\.254 is a link-local address/);
    assert.equal(await h.control.stores.peers.get('cli1'), undefined);
  });
});

describe('the switch checks the address a static host resolves to, at call time', () => {
  const peer = (host: string): PeerRecord => ({ ...validatePeer({ name: 'static1', tenant: 't1', type: 'peer', host, secrets: ['s'] }), version: 1, updatedAt: 0 });
  const sources = (host: string, allowed?: string): DestinationSources => ({
    peer: (name) => Promise.resolve(name === 'static1' ? peer(host) : undefined),
    registration: () => Promise.resolve(undefined),
    workerId: 'w1',
    ...(allowed === undefined ? {} : { allowedPeerNetworks: parseAllowedNetworks('test', allowed) }),
  });

  it('a host name resolving to a loopback address fails the destination with cause 27, saying why', async () => {
    const resolved = await resolveDestination('t1', { peer: 'static1' }, '100', sources('localhost'));
    assert.equal(resolved.ok, false);
    assert.ok(!resolved.ok);
    assert.equal(resolved.cause, Cause.DESTINATION_OUT_OF_ORDER);
    assert.equal(resolved.cause, 27);
    assert.match(resolved.why, /^localhost resolves to (127\.0\.0\.1|::1) is a loopback address: the platform does not call internal addresses$/);
  });

  it('so does a stored literal address the rules refuse (written before them, or when the operator allowed more)', async () => {
    const resolved = await resolveDestination('t1', { peer: 'static1' }, '100', sources('169.254.169.254'));
    assert.ok(!resolved.ok);
    assert.deepEqual([resolved.cause, /link-local/.test(resolved.why)], [27, true]);
  });

  it('an allowed range lets the call through; a public address needs none', async () => {
    const allowed = await resolveDestination('t1', { peer: 'static1' }, '100', sources('localhost', '127.0.0.0/8,::1'));
    assert.ok(allowed.ok, allowed.ok ? '' : allowed.why);
    assert.match(allowed.remote.address, /^(127\.0\.0\.1|::1)$/);
    const open = await resolveDestination('t1', { peer: 'static1' }, '100', sources('192.0.2.10'));
    assert.ok(open.ok);
    assert.deepEqual(open.remote, { address: '192.0.2.10', port: 4569 });
  });
});
