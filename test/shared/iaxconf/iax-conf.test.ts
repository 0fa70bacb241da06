import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfImportError, importIaxConf } from '../../../shared/iaxconf/index.ts';
import { chanIaxNotesConfs, peeringRecipeConfs } from '../../helpers/seed-confs.ts';

function refusal(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfImportError, String(error));
    return error.problems.map((p) => `${p.file}:${p.line}: ${p.reason}`);
  }
  assert.fail('expected the import to be refused');
}

describe('iax.conf import', () => {
  it('the peering recipe\'s two iax.conf files give peers bar and foo as the article describes', () => {
    const [foo, bar] = peeringRecipeConfs();
    assert.ok(foo !== undefined && bar !== undefined, 'both examples found in the seed');
    const onFoo = importIaxConf(foo, { tenant: 't1' });
    const onBar = importIaxConf(bar, { tenant: 't1' });
    assert.equal(onFoo.peers.length, 1);
    const barPeer = onFoo.peers[0]!;
    assert.deepEqual(
      { name: barPeer.name, type: barPeer.type, username: barPeer.username, secrets: barPeer.secrets, auth: barPeer.auth, host: barPeer.host, contexts: barPeer.contexts, peercontext: barPeer.peercontext, qualify: barPeer.qualify, trunk: barPeer.trunk },
      { name: 'bar', type: 'friend', username: 'foo', secrets: ['password123'], auth: ['plaintext'], host: '192.168.2.3', contexts: ['fromiax'], peercontext: 'fromiax', qualify: 2000, trunk: true },
    );
    assert.deepEqual(barPeer.codecs, [
      { allow: false, codec: 'all' }, { allow: true, codec: 'ulaw' }, { allow: true, codec: 'alaw' }, { allow: true, codec: 'gsm' },
    ], '[general] disallow/allow become the peer\'s codec defaults');
    assert.deepEqual(onBar.peers.map((p) => [p.name, p.username, p.host]), [['foo', 'bar', '192.168.1.2']]);
    assert.deepEqual(onFoo.warnings.map((w) => w.reason.split(' ')[0]), ['bindport', 'bindaddr', 'mailboxdetail'], 'host-level settings are skipped, with a word');
  });

  it('the chan_iax notes\' examples: [general], guest, RSA users, and the A/B trunk pair with register lines', () => {
    const blocks = chanIaxNotesConfs();
    const imported = blocks.map((b, i) => importIaxConf(b, { tenant: 't1', file: `notes-${i}.conf` }));
    const peers = imported.flatMap((r) => r.peers);
    const byName = new Map(peers.map((p) => [p.name, p]));
    assert.deepEqual(byName.get('guest')?.callerid, { name: 'Guest IAX User' });
    assert.equal(byName.get('guest')?.type, 'user');
    assert.deepEqual([byName.get('iaxtel')?.auth, byName.get('iaxtel')?.inkeys], [['rsa'], ['iaxtel']]);
    assert.deepEqual([byName.get('iaxfwd')?.inkeys], [['freeworlddialup']]);
    for (const name of ['A', 'B']) {
      const p = byName.get(name)!;
      assert.deepEqual([p.type, p.host, p.trunk, p.secrets, p.contexts], ['friend', 'dynamic', true, [name], ['iaxinbound']]);
    }
    assert.deepEqual(imported.flatMap((r) => r.registers.map((x) => x.line)), ['B:B@192.168.1.2', 'A:A@192.168.1.2']);
  });

  it('templates, repeated keys and escaped semicolons', () => {
    const { peers } = importIaxConf(
      [
        '[base](!)',
        'type=friend',
        'host=dynamic',
        'allow=ulaw',
        'context=one',
        '',
        '[pbx1](base)',
        'secret=first',
        'secret=se\\;cond ; a comment',
        'context=two',
        'inkeys=k1:k2',
        'permit=10.0.0.0/8',
        'deny=0.0.0.0/0.0.0.0',
        'callerid="Front Desk" <(555) 010-0100>',
      ].join('\n'),
      { tenant: 't1' },
    );
    assert.equal(peers.length, 1, 'the template is not a peer');
    const p = peers[0]!;
    assert.deepEqual([p.type, p.host, p.secrets, p.contexts, p.inkeys], ['friend', 'dynamic', ['first', 'se;cond'], ['one', 'two'], ['k1', 'k2']]);
    assert.deepEqual(p.acl, [{ action: 'permit', network: '10.0.0.0/8' }, { action: 'deny', network: '0.0.0.0/0.0.0.0' }]);
    assert.deepEqual(p.callerid, { name: 'Front Desk', number: '5550100100' });
  });

  it('malformed files are refused with file:line and reason, all problems at once, and nothing is returned', () => {
    const problems = refusal(() =>
      importIaxConf(
        [
          '#include other.conf',
          'stray=line',
          '[general]',
          'bogus=1',
          '[p1]',
          'type=phone',
          'qualify=sometimes',
          'frobnicate=yes',
          '[p2](nosuch)',
          'type=peer',
          '[p1]',
          'type=user',
        ].join('\n'),
        { tenant: 't1', file: 'tenant.conf' },
      ),
    );
    assert.deepEqual(problems, [
      'tenant.conf:1: #include is not supported in an import: paste the included text in instead',
      'tenant.conf:2: "stray=line" comes before any [section]',
      'tenant.conf:4: unknown [general] option "bogus"',
      'tenant.conf:5: [p1] has no type= (user, peer or friend)',
      'tenant.conf:5: [p1] host: a peer or friend needs host= (an address, or "dynamic")',
      'tenant.conf:6: type=phone: expected user, peer or friend',
      'tenant.conf:7: qualify=sometimes: expected yes, no or a number of milliseconds',
      'tenant.conf:8: unknown option "frobnicate"',
      'tenant.conf:9: [p2] inherits "nosuch", which is not a template [nosuch](!) above it',
      'tenant.conf:9: [p2] host: a peer or friend needs host= (an address, or "dynamic")',
      'tenant.conf:11: [p1] is defined twice (first on line 5)',
    ]);
  });

  it('qualify= takes yes, no or milliseconds, as Asterisk does', () => {
    const qualify = (value: string) => importIaxConf(`[p]\ntype=friend\nhost=dynamic\nqualify=${value}\n`, { tenant: 't1' }).peers[0]?.qualify;
    assert.deepEqual([qualify('yes'), qualify('no'), qualify('500')], [2000, false, 500]);
    assert.deepEqual(refusal(() => qualify('maybe')), ['iax.conf:4: qualify=maybe: expected yes, no or a number of milliseconds']);
  });

  it('a section header without its ] is one problem, and reading picks up again at the next header', () => {
    const problems = refusal(() =>
      importIaxConf(
        [
          '[p1]',
          'type=friend',
          'host=dynamic',
          '[p2', // 4: broken
          'type=friend',
          'host=dynamic',
          'secret=s3cret-in-a-broken-section',
          '[p3](tmpl', // 8: broken too (the template list is not closed)
          'type=friend',
          '[p4]',
          'type=friend',
          'host=dynamic',
          'frobnicate=1', // 13: still reported: reading goes on after [p4]
        ].join('\n'),
        { tenant: 't1', file: 'broken.conf' },
      ),
    );
    assert.deepEqual(problems, [
      'broken.conf:4: "[p2" is not a section header like [name] or [name](template): the lines after it, up to the next [section], are not read',
      'broken.conf:8: "[p3](tmpl" is not a section header like [name] or [name](template): the lines after it, up to the next [section], are not read',
      'broken.conf:13: unknown option "frobnicate"',
    ]);
  });

  it('a broken header before any section does not make every later line an error', () => {
    const problems = refusal(() => importIaxConf('[general\nbindport=4569\n[p1]\ntype=friend\nhost=dynamic\n', { tenant: 't1', file: 'first.conf' }));
    assert.deepEqual(problems, ['first.conf:1: "[general" is not a section header like [name] or [name](template): the lines after it, up to the next [section], are not read']);
  });

  it('validation names the field and the rule', () => {
    const problems = refusal(() => importIaxConf('[x]\ntype=friend\nhost=dynamic\nport=70000\ndbsecret=nokey\n', { tenant: 't1' }));
    assert.ok(problems.some((p) => /\[x\] port: Too big: expected number to be <=65535/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /\[x\] dbsecret: family\/key/.test(p)), problems.join('\n'));
  });
});
