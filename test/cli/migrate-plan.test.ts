// The migration planner on its own (services/cli/migrate/): which file is which box, what the
// platform is given, what each box is told to change, and every refusal at its file and line.
// The end-to-end run (the binary, the API, calls through a worker) is migrate.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../../services/cli/api-client.ts';
import { renderBoxChanges } from '../../services/cli/migrate/box-changes.ts';
import { parsePlatform } from '../../services/cli/migrate/migrate-args.ts';
import { planMigration, type MigrationInput } from '../../services/cli/migrate/migration-plan.ts';
import { MigrationRefused } from '../../services/cli/migrate/migration-refused.ts';
import { importExtensionsConf } from '../../shared/iaxconf/extensions-conf.ts';
import { importIaxConf } from '../../shared/iaxconf/iax-conf.ts';
import { peeringRecipeConfs } from '../helpers/seed-confs.ts';

const [fooIax = '', barIax = ''] = peeringRecipeConfs();
const lineOf = (text: string, start: string): number => text.split('\n').findIndex((l) => l.startsWith(start)) + 1;

function plan(iax: MigrationInput['iax'], more: Partial<MigrationInput> = {}) {
  let n = 0;
  return planMigration({ iax, extensions: [], platform: { host: 'iax.example.net' }, auth: 'md5', newSecret: () => `new-secret-${++n}`, keepSecrets: false, ...more });
}

/** The problems a refused plan reports, as the CLI prints them. */
function refusal(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof MigrationRefused) return error.message.split('\n');
    throw error;
  }
  assert.fail('the plan was not refused');
}

/** A box's iax.conf with a section per other box, written as the seed recipe writes them. */
function boxConf(name: string, others: Array<{ name: string; contexts?: string[]; extra?: string }>): string {
  const sections = others.map((o) => [`[${o.name}]`, 'type=friend', `username=${name}`, 'secret=shared', 'auth=md5', `host=10.0.0.${others.indexOf(o) + 1}`,
    ...(o.contexts ?? ['fromiax']).map((c) => `context=${c}`), 'peercontext=fromiax', 'qualify=yes', ...(o.extra === undefined ? [] : [o.extra])].join('\n'));
  return `[general]\nbindport=4569\n\n${sections.join('\n\n')}\n`;
}

describe('migrate: the seed recipe\'s two files', () => {
  it('names the boxes from the files themselves, whatever order they come in: [bar] username=foo in one, [foo] username=bar in the other', () => {
    for (const files of [[{ file: 'a.conf', text: fooIax }, { file: 'b.conf', text: barIax }], [{ file: 'b.conf', text: barIax }, { file: 'a.conf', text: fooIax }]]) {
      const planned = plan(files);
      assert.deepEqual(planned.boxes.map((b) => [b.box, b.file]).sort(), [['bar', 'b.conf'], ['foo', 'a.conf']]);
    }
  });

  it('gives the platform one dynamic md5 friend per box with a fresh secret and the link\'s options, and a route each way', () => {
    const planned = plan([{ file: 'foo-iax.conf', text: fooIax }, { file: 'bar-iax.conf', text: barIax }]);
    const imported = importIaxConf(planned.importFiles[0]!.text, { tenant: 'acme' });
    assert.deepEqual(imported.peers.map((p) => [p.name, p.type, p.host, p.auth, p.secrets, p.username, p.contexts, p.peercontext, p.trunk, p.qualify, p.codecs.map((c) => `${c.allow ? '+' : '-'}${c.codec}`).join(' ')]), [
      ['foo', 'friend', 'dynamic', ['md5'], ['new-secret-1'], 'strowger', ['from-foo'], 'fromiax', true, 2000, '-all +ulaw +alaw +gsm'],
      ['bar', 'friend', 'dynamic', ['md5'], ['new-secret-2'], 'strowger', ['from-bar'], 'fromiax', true, 2000, '-all +ulaw +alaw +gsm'],
    ]);
    assert.ok(!planned.importFiles.some((f) => f.text.includes('password123')), 'the old inter-box secret is not reused');
    const routes = importExtensionsConf(planned.importFiles[1]!.text, { tenant: 'acme' }).routes;
    assert.deepEqual(routes.map((r) => [r.context, r.pattern, r.destinations.map((d) => d.dial)]), [['from-foo', '_X.', ['IAX2/bar/${EXTEN}']], ['from-bar', '_X.', ['IAX2/foo/${EXTEN}']]]);
  });

  it('tells each box the lines to change: register =>, [strowger] in place of its section for the other box (with its lines), Dial() strings', () => {
    const planned = plan([{ file: 'foo-iax.conf', text: fooIax }, { file: 'bar-iax.conf', text: barIax }], { platform: { host: 'iax.example.net', port: 4570 } });
    const foo = planned.boxes.find((b) => b.box === 'foo')!;
    assert.equal(foo.register, 'register => foo:new-secret-1@iax.example.net:4570');
    assert.deepEqual(foo.section, ['[strowger]', 'type=friend', 'host=iax.example.net', 'port=4570', 'username=foo', 'secret=new-secret-1', 'auth=md5', 'context=fromiax', 'trunk=yes', 'qualify=yes']);
    const text = renderBoxChanges(foo);
    assert.match(text, new RegExp(`^foo-iax\\.conf:${lineOf(fooIax, '[bar]')}-${lineOf(fooIax, 'trunk=yes')}: replace \\[bar\\] with:$`, 'm'));
    assert.match(text, /^extensions\.conf: in every Dial\(\), IAX2\/bar\/\.\.\. becomes IAX2\/strowger\/\.\.\./m);
  });

  it('--keep-secrets keeps each box\'s old link secret, when asked', () => {
    const planned = plan([{ file: 'foo-iax.conf', text: fooIax }, { file: 'bar-iax.conf', text: barIax }], { keepSecrets: true });
    assert.deepEqual(planned.boxes.map((b) => b.secret), ['password123', 'password123']);
  });

  it('a bad option of a link section is refused at its line in the box\'s file; an unreadable line elsewhere is only a warning', () => {
    const broken = fooIax.replace('qualify=yes', 'qualify=maybe').replace('allow=gsm', 'allow=gsm\nthis is not a line');
    const problems = refusal(() => plan([{ file: 'foo-iax.conf', text: broken }, { file: 'bar-iax.conf', text: barIax }]));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, new RegExp(`^foo-iax\\.conf:${lineOf(broken, 'qualify=maybe')}: qualify=maybe: expected `));
    const warned = plan([{ file: 'foo-iax.conf', text: fooIax.replace('allow=gsm', 'allow=gsm\nthis is not a line') }, { file: 'bar-iax.conf', text: barIax }]);
    assert.match(warned.warnings.map((w) => `${w.file}:${w.line}: ${w.reason}`).join('\n'), /^foo-iax\.conf:\d+: not read: "this is not a line" is neither/);
    const inLink = fooIax.replace('qualify=yes', 'qualify=yes\n#include more-options.conf');
    assert.deepEqual(refusal(() => plan([{ file: 'foo-iax.conf', text: inLink }, { file: 'bar-iax.conf', text: barIax }])), [`foo-iax.conf:${lineOf(inLink, '#include')}: #include is not supported in an import: paste the included text in instead`]);
  });
});

describe('migrate: naming the boxes', () => {
  const withoutUsernames = (text: string): string => `${text.replace(/^username=.*\n/m, '')}\n[provider]\ntype=peer\nhost=203.0.113.7\n`;

  it('files that do not name each other are refused, each asking for --box; with --box they are read by section name', () => {
    const files = [{ file: 'one.conf', text: withoutUsernames(fooIax) }, { file: 'two.conf', text: withoutUsernames(barIax) }];
    const problems = refusal(() => plan(files));
    assert.equal(problems.length, 2);
    assert.ok(problems.every((p) => /^(one|two)\.conf: cannot tell which box this is: .*name each box with --box NAME=FILE/.test(p)), problems.join('\n'));
    const named = plan([{ ...files[0]!, name: 'foo' }, { ...files[1]!, name: 'bar' }]);
    assert.deepEqual(named.boxes.map((b) => [b.box, b.replaces.map((r) => r.name)]), [['foo', ['bar']], ['bar', ['foo']]]);
  });

  it('two files as one box, or a box the others call by two names, are refused', () => {
    const same = refusal(() => plan([{ file: 'one.conf', text: fooIax, name: 'foo' }, { file: 'two.conf', text: barIax, name: 'foo' }]));
    assert.deepEqual(same, ['one.conf: both this file and two.conf are box "foo"; name each box with --box NAME=FILE (NAME as the other boxes\' iax.conf sections call it)']);
    const foo = boxConf('foo', [{ name: 'bar' }, { name: 'baz' }]);
    const bar = boxConf('bar', [{ name: 'foo' }, { name: 'baz' }]);
    const baz = boxConf('baz', [{ name: 'foo-office' }, { name: 'bar' }]);
    const fooAsOffice = foo.replace('[baz]\ntype=friend\nusername=foo', '[baz]\ntype=friend\nusername=foo-office');
    const twoNames = refusal(() => plan([{ file: 'foo.conf', text: fooAsOffice }, { file: 'bar.conf', text: bar }, { file: 'baz.conf', text: baz }]));
    assert.deepEqual(twoNames, ['foo.conf: the other files call this box by several names (foo, foo-office); name each box with --box NAME=FILE (NAME as the other boxes\' iax.conf sections call it)']);
  });
});

describe('migrate: routes', () => {
  const foo = boxConf('foo', [{ name: 'bar' }, { name: 'baz' }]);
  const bar = boxConf('bar', [{ name: 'foo', contexts: ['fromiax', 'special'] }, { name: 'baz' }]);
  const baz = boxConf('baz', [{ name: 'foo' }, { name: 'bar' }]);
  const three = [{ file: 'foo.conf', text: foo }, { file: 'bar.conf', text: bar }, { file: 'baz.conf', text: baz }];
  const routeList = (planned: ReturnType<typeof plan>) => planned.routes.map((r) => `${r.pattern}@${r.context} ${r.destinations.map((d) => `${d.dial}${d.timeoutS === undefined ? '' : `,${d.timeoutS}`}`).join(' | ')}`);

  it('a box that reaches several boxes with no dialplan to tell their numbers apart is refused, asking for one', () => {
    const problems = refusal(() => plan(three));
    assert.equal(problems.length, 3);
    assert.match(problems[0]!, /^foo\.conf: box foo reaches bar and baz: which numbers go to which cannot be told without a dialplan; pass --extensions foo=FILE/);
  });

  /** A dialplan that dials no other box, answering `_<n>X` where calls from the other boxes land. */
  const answering = (n: string) => `[fromiax]\nexten => _${n}X,1,Answer()\nexten => h,1,Hangup()\n[internal]\nexten => _9XX,1,Dial(SIP/\${EXTEN})\n`;

  it('without a box\'s own extensions.conf, the numbers the others answer where its calls landed become its routes', () => {
    const planned = plan(three, { extensions: [{ box: 'bar', file: 'bar-ext.conf', text: answering('2') }, { box: 'baz', file: 'baz-ext.conf', text: answering('3') }] });
    assert.deepEqual(routeList(planned), ['_2X@from-foo IAX2/bar/${EXTEN}', '_3X@from-foo IAX2/baz/${EXTEN}']);
    assert.deepEqual(planned.notes, ['bar-ext.conf never dials foo: no route from bar to foo', 'bar-ext.conf never dials baz: no route from bar to baz', 'baz-ext.conf never dials foo: no route from baz to foo', 'baz-ext.conf never dials bar: no route from baz to bar']);
    const clash = refusal(() => plan(three, { extensions: [{ box: 'bar', file: 'bar-ext.conf', text: answering('2') }, { box: 'baz', file: 'baz-ext.conf', text: answering('2') }] }));
    assert.deepEqual(clash, ['foo.conf: box foo: both bar and baz answer _2X; pass --extensions foo=FILE (its extensions.conf) to say which it dials']);
  });

  it('a box\'s own extensions.conf: each Dial to another box is a route for the box\'s extension, the old number on the platform\'s side; the line is rewritten', () => {
    const dialplan = [
      '[internal]',
      'exten => _9XX,1,Dial(IAX2/bar/${EXTEN:1},20)',
      ' same => n,Hangup()',
      'exten => 100,1,Dial(SIP/100)',
      'exten => _5X,1,Dial(IAX2/baz/${EXTEN},10)',
      ' same => n,Dial(IAX2/foo:shared@bar/${EXTEN})',
      'exten => 600,1,Dial(IAX2/bar/23@special&SIP/200)',
      'exten => 601,1,Dial(IAX2/bar/24@elsewhere)',
      'exten => _7X,1,Dial(IAX2/bar/${CALLERID(num)})',
      'exten => 800,1,Dial(IAX2/10.0.0.2/${EXTEN})',
      'exten => 900,1,Dial(IAX2/bar/1&IAX2/baz/1)',
    ].join('\n');
    const planned = plan(three, { extensions: [{ box: 'foo', file: 'foo-ext.conf', text: dialplan }, { box: 'bar', file: 'bar-ext.conf', text: answering('2') }, { box: 'baz', file: 'baz-ext.conf', text: answering('3') }] });
    assert.deepEqual(routeList(planned).filter((r) => r.includes('@from-foo')), [
      '_9XX@from-foo IAX2/bar/${EXTEN:1},20',
      // A failover line adds its destination; credentials in a dial string are the box's old business.
      '_5X@from-foo IAX2/baz/${EXTEN},10 | IAX2/bar/${EXTEN}',
      // bar's section for foo allows context special: the call still lands there; an unlisted context lands in the first.
      '600@from-foo IAX2/bar/23@special',
      '601@from-foo IAX2/bar/24',
      // A Dial by the other box's address reaches it too.
      '800@from-foo IAX2/baz/${EXTEN}',
    ]);
    const foo = planned.boxes.find((b) => b.box === 'foo')!;
    assert.deepEqual(foo.dialplan?.changes.map((c) => `${c.line}: ${c.after}`), [
      '2: exten => _9XX,1,Dial(IAX2/strowger/${EXTEN},20)',
      '5: exten => _5X,1,Dial(IAX2/strowger/${EXTEN},10)',
      '6:  same => n,Dial(IAX2/strowger/${EXTEN})',
      '7: exten => 600,1,Dial(IAX2/strowger/${EXTEN}&SIP/200)',
      '8: exten => 601,1,Dial(IAX2/strowger/${EXTEN})',
      '10: exten => 800,1,Dial(IAX2/strowger/${EXTEN})',
    ]);
    const warnings = planned.warnings.map((w) => `${w.file}:${w.line}: ${w.reason}`);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0]!, /^foo-ext\.conf:9: cannot tell what number "IAX2\/bar\/\$\{CALLERID\(num\)\}" sends .*; left as it is$/);
    assert.match(warnings[1]!, /^foo-ext\.conf:11: dials two boxes at once \(&\).*; left as it is$/);
    assert.match(renderBoxChanges(foo), /^foo-ext\.conf:2: change\n {2}- exten => _9XX,1,Dial\(IAX2\/bar\/\$\{EXTEN:1\},20\)\n {2}\+ exten => _9XX,1,Dial\(IAX2\/strowger\/\$\{EXTEN\},20\)$/m);
    assert.match(renderBoxChanges(foo), /^foo\.conf:\d+-\d+: remove \[baz\] \(the platform reaches it now\)$/m);
  });

  it('one extension dialled to two different places is refused at its line', () => {
    const dialplan = '[internal]\nexten => _9XX,1,Dial(IAX2/bar/${EXTEN:1})\n[other]\nexten => _9XX,1,Dial(IAX2/baz/${EXTEN:1})\n';
    const problems = refusal(() => plan(three, { extensions: [{ box: 'foo', file: 'foo-ext.conf', text: dialplan }, { box: 'bar', file: 'bar-ext.conf', text: answering('2') }, { box: 'baz', file: 'baz-ext.conf', text: answering('3') }] }));
    assert.deepEqual(problems, ['foo-ext.conf:4: _9XX also goes elsewhere (foo-ext.conf:2): the platform routes box foo\'s calls by the number alone, whatever the box\'s context; give the extensions different patterns']);
  });

  it('--extensions for a box that is not there is refused', () => {
    const problems = refusal(() => plan([{ file: 'foo-iax.conf', text: fooIax }, { file: 'bar-iax.conf', text: barIax }], { extensions: [{ box: 'qux', file: 'qux-ext.conf', text: '' }] }));
    assert.deepEqual(problems, ['qux-ext.conf: --extensions qux=: there is no box qux (the boxes are foo, bar)']);
  });
});

describe('migrate: --platform', () => {
  it('HOST, HOST:PORT and [v6]:PORT; IAX2\'s own port is left out; anything else is a usage error', () => {
    assert.deepEqual(parsePlatform('iax.example.net', ''), { host: 'iax.example.net' });
    assert.deepEqual(parsePlatform('iax.example.net:4569', ''), { host: 'iax.example.net' });
    assert.deepEqual(parsePlatform('[2001:db8::1]:4570', ''), { host: '2001:db8::1', port: 4570 });
    for (const bad of ['iax.example.net:0', 'iax.example.net:99999', 'http://iax.example.net', 'a b']) {
      assert.throws(() => parsePlatform(bad, ''), (error: unknown) => error instanceof CliError && error.exitCode === 2, bad);
    }
  });
});
