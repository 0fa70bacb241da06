// MD5 challenge/response (protocol.md §8.3, §8.5): TV4, and every MD5 answer Asterisk 22.10.1
// sent in the captures, recomputed from the challenge it answered and the lab secret.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchMd5, md5Key, md5Result, splitSecrets } from '../../../services/iax2/crypto/index.ts';
import { scanAuth } from './capture-auth.ts';

const TV4_CHALLENGE = '123456789';
const TV4_SECRET = `0${'1234567890'.repeat(7)}`;
const TV4_RESULT = '57edf4a22be3c955ac49da2e2107b67a';
const LAB_SECRET = 'labsecret';
const MD5_CAPTURES = [
  'call-md5-echo.pcap',
  'call-md5-trunk-echo.pcap',
  'call-long-wrap.pcap',
  'register-md5-and-rsa.pcap',
  'poke-qualify.pcap',
];

describe('md5Result / md5Key', () => {
  it('TV4: MD5("123456789" ‖ "0" + "1234567890"×7) is the RFC 1321 digest of "1234567890"×8, in lowercase hex', () => {
    assert.equal(TV4_CHALLENGE.length + TV4_SECRET.length, 80);
    assert.equal(md5Result(TV4_CHALLENGE, TV4_SECRET), TV4_RESULT);
  });

  it('md5Key is the raw 16-byte digest whose hex is the MD5 result (the AES key, protocol.md §11.2)', () => {
    const key = md5Key(TV4_CHALLENGE, TV4_SECRET);
    assert.equal(key.length, 16);
    assert.deepEqual(key, Buffer.from('57EDF4A22BE3C955AC49DA2E2107B67A', 'hex'));
  });

  it('is plain concatenation: moving bytes between challenge and secret does not change the answer', () => {
    assert.equal(md5Result('1234567890', '1234567890'.repeat(7)), TV4_RESULT);
    assert.notEqual(md5Result(TV4_SECRET, TV4_CHALLENGE), TV4_RESULT);
  });
});

describe('MD5 answers in the Asterisk 22.10.1 captures', () => {
  for (const file of MD5_CAPTURES) {
    it(`${file}: every MD5_RESULT is MD5(challenge ‖ "${LAB_SECRET}") for the challenge it answers`, () => {
      const { exchanges, unpaired } = scanAuth(file);
      assert.deepEqual(unpaired, [], 'every answer follows a challenge with the matching call number');
      const md5 = exchanges.filter((e) => e.md5Result !== undefined);
      assert.ok(md5.length > 0, `${file} holds at least one MD5 exchange`);
      for (const e of md5) {
        const where = `challenge frame ${e.challengeFrame}, answer frame ${e.answerFrame}`;
        assert.equal(e.md5Result, md5Result(e.challenge, LAB_SECRET), where);
        assert.equal(matchMd5(e.challenge, e.md5Result, [LAB_SECRET]), LAB_SECRET, where);
        assert.equal(matchMd5(e.challenge, e.md5Result, ['labsecreT']), undefined, where);
      }
    });
  }
});

describe('matchMd5', () => {
  const challenge = '447189876';
  const answer = md5Result(challenge, 'second');

  it('finds which of several ";"-joined secrets answered (protocol.md §8.5)', () => {
    const secrets = splitSecrets('first;second;third');
    assert.equal(matchMd5(challenge, answer, secrets), 'second');
    assert.equal(matchMd5(challenge, md5Result(challenge, 'third'), secrets), 'third');
  });

  it('compares case-insensitively, as Asterisk does (protocol.md §8.3)', () => {
    assert.equal(matchMd5(challenge, answer.toUpperCase(), ['first', 'second']), 'second');
  });

  it('returns undefined for a wrong answer, a wrong challenge, no secrets, or an answer not shaped like 32 hex digits', () => {
    assert.equal(matchMd5(challenge, md5Result(challenge, 'other'), ['first', 'second']), undefined);
    assert.equal(matchMd5('447189877', answer, ['second']), undefined);
    assert.equal(matchMd5(challenge, answer, []), undefined);
    assert.equal(matchMd5(challenge, answer.slice(1), ['second']), undefined);
    assert.equal(matchMd5(challenge, `${answer}0`, ['second']), undefined);
    assert.equal(matchMd5(challenge, '', ['second']), undefined);
    assert.equal(matchMd5(challenge, 'zz'.repeat(16), ['second']), undefined);
    // A character outside Latin-1 whose low byte is a hex digit must not pass for that digit.
    assert.equal(matchMd5(challenge, `\u0161${answer.slice(1)}`, ['second']), undefined);
  });
});

describe('splitSecrets', () => {
  it('splits at ";" and drops empty pieces (protocol.md §8.5)', () => {
    assert.deepEqual(splitSecrets('a;b'), ['a', 'b']);
    assert.deepEqual(splitSecrets(';a;;b;'), ['a', 'b']);
    assert.deepEqual(splitSecrets('only'), ['only']);
    assert.deepEqual(splitSecrets(''), []);
    assert.deepEqual(splitSecrets('a:b'), ['a:b'], "':' separates inkeys, not secrets");
  });
});
