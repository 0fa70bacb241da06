import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfImportError, expandExtension, importExtensionsConf, parseDialString } from '../../../shared/iaxconf/index.ts';

describe('extensions.conf route import', () => {
  it('exten => PATTERN,1,Dial(IAX2/...) with same => n failover and ${EXTEN:n}', () => {
    const { routes, warnings } = importExtensionsConf(
      [
        '[fromiax]',
        'exten => _9NXXNXXXXXX,1,Dial(IAX2/carrier1/${EXTEN:1},30)',
        ' same => n,Dial(IAX2/user:pw@carrier2:4570/${EXTEN:1}@outbound)',
        ' same => n,Hangup()',
        'exten => 100,1,Dial(IAX2/pbx2/100)',
        '',
        '[other]',
        'exten => _X.,1,Dial(IAX2/tenant1:[key]@pbx3/${EXTEN})',
      ].join('\n'),
      { tenant: 't1' },
    );
    assert.deepEqual(routes.map((r) => [r.context, r.pattern, r.destinations.map((d) => d.target.peer)]), [
      ['fromiax', '_9NXXNXXXXXX', ['carrier1', 'carrier2']],
      ['fromiax', '100', ['pbx2']],
      ['other', '_X.', ['pbx3']],
    ]);
    assert.deepEqual(routes[0]!.destinations[1]!.target, { user: 'user', secret: 'pw', peer: 'carrier2', port: 4570, extension: '${EXTEN:1}', context: 'outbound' });
    assert.equal(routes[0]!.destinations[0]!.timeoutS, 30);
    assert.deepEqual(routes[2]!.destinations[0]!.target.outkey, 'key');
    assert.equal(warnings.length, 1, 'the Hangup() is noted');
  });

  it('refuses anything outside the subset with file:line and reason, and imports nothing', () => {
    try {
      importExtensionsConf(
        [
          '[globals]',
          'X=1',
          '[ctx]',
          'exten => 100,1,Answer()',
          'exten => 101,1,Dial(SIP/phone)',
          'exten => 102,1,Dial(IAX2/a/1&IAX2/b/1)',
          'same => n,Dial(IAX2/c/1)',
          'exten => 103,2,Dial(IAX2/a/1)',
          'include => other',
          'exten => _ABC[,1,Dial(IAX2/a/${EXTEN})',
        ].join('\n'),
        { tenant: 't1', file: 'ext.conf' },
      );
      assert.fail('expected a refusal');
    } catch (error) {
      assert.ok(error instanceof ConfImportError);
      assert.deepEqual(error.problems.map((p) => `${p.line}: ${p.reason}`), [
        '1: [globals] variables are not supported in routes',
        '4: Answer() is not supported: routes only Dial(IAX2/...)',
        '5: "SIP/phone": only IAX2/... destinations are supported',
        '6: parallel dialling with & is not supported: use same => n,Dial(...) lines for failover',
        '7: a failover Dial needs an exten => PATTERN,1,Dial(...) line before it',
        '8: priority "2" is not supported: use 1, then n or same => n',
        '9: "include" is not supported: only exten => and same => lines',
        '10: pattern: a literal extension or an _pattern of X Z N [..] . !',
      ]);
    }
  });
});

describe('extensions.conf lines', () => {
  it('each route knows its exten line and the line of each Dial, for problems found later', () => {
    const { routes, lines } = importExtensionsConf(
      ['[fromiax]', 'exten => _2X,1,Dial(IAX2/bar/${EXTEN})', ' same => n,Hangup()', 'exten => _5X,1,Dial(IAX2/baz/${EXTEN},10)', ' same => n,Dial(IAX2/bar/${EXTEN})'].join('\n'),
      { tenant: 't1' },
    );
    assert.deepEqual(routes.map((route) => lines.get(route)), [{ line: 2, destinations: [2] }, { line: 4, destinations: [4, 5] }]);
  });

  it('a broken [context header is reported once; the next good header is read', () => {
    try {
      importExtensionsConf(['[fromiax', 'exten => 1,1,Dial(IAX2/a/1)', 'exten => 2,1,Dial(IAX2/a/2)', '[other]', 'exten => 3,1,Answer()'].join('\n'), { tenant: 't1', file: 'ext.conf' });
      assert.fail('expected a refusal');
    } catch (error) {
      assert.ok(error instanceof ConfImportError);
      assert.deepEqual(error.problems.map((p) => `${p.line}: ${p.reason}`), [
        '1: "[fromiax" is not a section header like [name] or [name](template): the lines after it, up to the next [section], are not read',
        '5: Answer() is not supported: routes only Dial(IAX2/...)',
      ]);
    }
  });
});

describe('IAX2 dial strings', () => {
  it('parses every part of IAX2/[user[:secret]@]peer[:port][/exten[@context][/options]]', () => {
    assert.deepEqual(parseDialString('IAX2/bar/23'), { peer: 'bar', extension: '23' });
    assert.deepEqual(parseDialString('IAX2/bar'), { peer: 'bar' });
    assert.deepEqual(parseDialString('iax2/joe:secret@host.example:4570/42@fromiax/a'), {
      user: 'joe', secret: 'secret', peer: 'host.example', port: 4570, extension: '42', context: 'fromiax', options: 'a',
    });
    assert.deepEqual(parseDialString('IAX2/joe:[joekey]@10.0.0.1/s'), { user: 'joe', outkey: 'joekey', peer: '10.0.0.1', extension: 's' });
  });

  it('refuses what is not an IAX2 dial string, saying why', () => {
    assert.throws(() => parseDialString('SIP/x'), { code: 'STROWGER_ERR_DIAL_STRING' });
    assert.throws(() => parseDialString('IAX2/bar:99999/1'), /port "99999"/);
    assert.throws(() => parseDialString('IAX2/@bar/1'), /empty user/);
    assert.throws(() => parseDialString('IAX2/bar/1;2'), /extension/);
  });

  it('fills in ${EXTEN} and ${EXTEN:n}', () => {
    assert.equal(expandExtension('${EXTEN}', '918005551212'), '918005551212');
    assert.equal(expandExtension('${EXTEN:1}', '918005551212'), '18005551212');
    assert.equal(expandExtension('+44${EXTEN:2}', '0020'), '+4420');
  });
});
