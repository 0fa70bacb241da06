import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bestMatch, compilePattern } from '../../services/worker/switch/extension-pattern.ts';

const pick = (patterns: string[], dialled: string): string | undefined =>
  bestMatch(patterns.map((text) => ({ pattern: compilePattern(text) })), dialled)?.pattern.text;

describe('extension patterns (Asterisk syntax and order)', () => {
  it('matches X Z N, sets and ranges, . and ! as Asterisk does', () => {
    const cases: Array<[string, string, boolean]> = [
      ['_X.', '2', false], ['_X.', '23', true], ['_2X', '23', true], ['_2X', '234', false], ['_4X', '23', false],
      ['_NXXNXXXXXX', '2125551212', true], ['_NXXNXXXXXX', '1125551212', false], ['_Z', '0', false], ['_Z', '9', true],
      ['_[1-5]0', '30', true], ['_[1-5]0', '60', false], ['_[13]X', '35', true], ['_[13]X', '25', false],
      ['_9!', '9', true], ['_9!', '9123', true], ['_9.', '9', false], ['100', '100', true], ['100', '1000', false],
      ['_x.', '55', true], ['_*X', '*7', true], ['_#', '#', true],
    ];
    for (const [pattern, dialled, expected] of cases) assert.equal(compilePattern(pattern).matches(dialled), expected, `${pattern} ~ ${dialled}`);
  });

  it('prefers a literal, then the most specific position by position; . and ! last', () => {
    assert.equal(pick(['_X.', '_2X', '23'], '23'), '23');
    assert.equal(pick(['_X.', '_2X'], '23'), '_2X');
    assert.equal(pick(['_XX', '_NX'], '23'), '_NX');
    assert.equal(pick(['_NX', '_[2-3]X'], '23'), '_[2-3]X');
    assert.equal(pick(['_X!', '_X.'], '23'), '_X.');
    assert.equal(pick(['_9.', '_9XXX'], '9123'), '_9XXX');
    assert.equal(pick(['_1X', '_2X'], '55'), undefined);
    // Equal breadth: the lower first character wins (Asterisk sorts ties by character).
    assert.equal(pick(['_[5-6]X', '_[4-5]X'], '55'), '_[4-5]X');
  });

  it('refuses malformed sets', () => {
    assert.throws(() => compilePattern('_[1-5'), /without "]"/);
    assert.throws(() => compilePattern('_[5-1]'), /backwards/);
    assert.throws(() => compilePattern('_[]X'), /empty/);
  });
});
