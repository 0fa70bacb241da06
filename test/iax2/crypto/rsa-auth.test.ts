// RSA challenge/response (protocol.md §8.4): Asterisk 22.10.1's RSA_RESULTs verify against
// lab2.pub, and signing the same challenge with lab2.key reproduces them byte for byte
// (PKCS#1 v1.5 signatures are deterministic).
import assert from 'node:assert/strict';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadPrivateKey, loadPublicKey, rsaSign, rsaVerify } from '../../../services/iax2/crypto/index.ts';
import { capturesDir } from '../../helpers/fixture-paths.ts';
import { scanAuth, type AuthExchange } from './capture-auth.ts';

const lab1Pub = loadPublicKey(readFileSync(`${capturesDir}lab1.pub`, 'utf8'));
const lab2Pub = loadPublicKey(readFileSync(`${capturesDir}lab2.pub`, 'utf8'));
const lab2Key = loadPrivateKey(readFileSync(`${capturesDir}lab2.key`, 'utf8'));
/** Every capture in which box2 answers with RSA_RESULT (calls as lab2rsa, registrations as lab2r). */
const RSA_CAPTURES = ['call-rsa.pcap', 'register-md5-and-rsa.pcap', 'call-long-wrap.pcap', 'poke-qualify.pcap'];

function rsaExchanges(file: string): Array<AuthExchange & { rsaResult: string }> {
  const { exchanges, unpaired } = scanAuth(file);
  assert.deepEqual(unpaired, [], 'every answer follows a challenge with the matching call number');
  const rsa = exchanges.filter((e): e is AuthExchange & { rsaResult: string } => e.rsaResult !== undefined);
  assert.ok(rsa.length > 0, `${file} holds at least one RSA exchange`);
  return rsa;
}

describe('RSA answers in the Asterisk 22.10.1 captures', () => {
  for (const file of RSA_CAPTURES) {
    it(`${file}: each RSA_RESULT is 172 base64 characters that verify against lab2.pub for the challenge it answers`, () => {
      for (const e of rsaExchanges(file)) {
        const where = `challenge frame ${e.challengeFrame}, answer frame ${e.answerFrame}`;
        assert.equal(e.rsaResult.length, 172, where);
        assert.equal(rsaVerify(e.challenge, e.rsaResult, [lab2Pub]), 0, where);
        assert.equal(rsaVerify(e.challenge, e.rsaResult, [lab1Pub, lab2Pub]), 1, `inkeys are tried in order; ${where}`);
        assert.equal(rsaVerify(e.challenge, e.rsaResult, [lab1Pub]), -1, `lab1.pub is not the signer; ${where}`);
      }
    });

    it(`${file}: signing the challenge with lab2.key reproduces the captured RSA_RESULT exactly`, () => {
      for (const e of rsaExchanges(file)) assert.equal(rsaSign(e.challenge, lab2Key), e.rsaResult, `answer frame ${e.answerFrame}`);
    });
  }
});

describe('rsaSign', () => {
  it('is RSASSA-PKCS1-v1_5 with SHA-1 over the bare challenge bytes, as OpenSSL checks it', () => {
    const signature = Buffer.from(rsaSign('183686562', lab2Key), 'base64');
    assert.equal(signature.length, 128);
    const opensslKey = createPublicKey(readFileSync(`${capturesDir}lab2.pub`, 'utf8'));
    assert.ok(nodeVerify('sha1', Buffer.from('183686562'), opensslKey, signature));
    assert.ok(!nodeVerify('sha1', Buffer.from('183686562\0'), opensslKey, signature), 'no NUL is signed');
  });
});

describe('rsaVerify refuses, returning -1 and never throwing', () => {
  const challenge = '183686562';
  const good = rsaSign(challenge, lab2Key);

  it('accepts the untampered signature (the baseline the cases below break)', () => {
    assert.equal(rsaVerify(challenge, good, [lab2Pub]), 0);
  });

  it('a signature with one bit flipped', () => {
    for (const byte of [0, 64, 127]) {
      const bytes = Buffer.from(good, 'base64');
      bytes[byte]! ^= 0x01;
      assert.equal(rsaVerify(challenge, bytes.toString('base64'), [lab2Pub]), -1, `bit flipped in byte ${byte}`);
    }
  });

  it('a signature over a different challenge', () => {
    assert.equal(rsaVerify('183686563', good, [lab2Pub]), -1);
    assert.equal(rsaVerify(`${challenge} `, good, [lab2Pub]), -1);
  });

  it('base64 that decodes to 127 or 129 bytes', () => {
    const bytes = Buffer.from(good, 'base64');
    assert.equal(rsaVerify(challenge, bytes.subarray(1).toString('base64'), [lab2Pub]), -1);
    assert.equal(rsaVerify(challenge, bytes.subarray(0, 127).toString('base64'), [lab2Pub]), -1);
    assert.equal(rsaVerify(challenge, Buffer.concat([Buffer.alloc(1), bytes]).toString('base64'), [lab2Pub]), -1);
  });

  it('malformed text: empty, garbage, URL-safe alphabet, embedded whitespace', () => {
    const urlSafe = good.replace(/\+/g, '-').replace(/\//g, '_');
    assert.notEqual(urlSafe, good, 'the signature uses "+" or "/"');
    for (const text of ['', 'abc', '!'.repeat(172), urlSafe, `${good.slice(0, 80)}\n${good.slice(80)}`]) {
      assert.equal(rsaVerify(challenge, text, [lab2Pub]), -1, JSON.stringify(text.slice(0, 20)));
    }
  });

  it('a signature value not below the modulus', () => {
    assert.equal(rsaVerify(challenge, Buffer.alloc(128, 0xff).toString('base64'), [lab2Pub]), -1);
  });

  it('a signature plus the modulus (the same value mod n, so a naive check would pass it)', () => {
    const n = BigInt(`0x${lab2Pub.forge.n.toString(16)}`);
    // Find a challenge whose signature s leaves room for s + n in 128 bytes.
    for (let i = 0; ; i++) {
      const text = `${i}`;
      const s = BigInt(`0x${Buffer.from(rsaSign(text, lab2Key), 'base64').toString('hex')}`);
      if (s + n >= 1n << 1024n) continue;
      const bumped = Buffer.from((s + n).toString(16).padStart(256, '0'), 'hex').toString('base64');
      assert.equal(rsaVerify(text, rsaSign(text, lab2Key), [lab2Pub]), 0);
      assert.equal(rsaVerify(text, bumped, [lab2Pub]), -1);
      return;
    }
  });

  it('no keys to try', () => {
    assert.equal(rsaVerify(challenge, good, []), -1);
  });

  it('accepts the signature without its "=" padding (171 characters) but nothing shorter', () => {
    assert.equal(rsaVerify(challenge, good.replace(/=+$/, ''), [lab2Pub]), 0);
    assert.equal(rsaVerify(challenge, good.slice(0, 170), [lab2Pub]), -1);
  });
});
