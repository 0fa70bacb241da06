// Key files as Asterisk loads them (protocol.md §8.4): "BEGIN PUBLIC KEY" only, traditional or
// PKCS#8 private keys (optionally passphrase-protected), and 1024-bit keys only.
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isStrowgerError } from '../../../shared/errors.ts';
import {
  generateRsaKeyPair,
  loadPrivateKey,
  loadPublicKey,
  rsaSign,
  rsaVerify,
} from '../../../services/iax2/crypto/index.ts';
import { capturesDir } from '../../helpers/fixture-paths.ts';

const lab2PubPem = readFileSync(`${capturesDir}lab2.pub`, 'utf8');
const lab2KeyPem = readFileSync(`${capturesDir}lab2.key`, 'utf8');

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isStrowgerError(err, code), `expected ${code}, got ${String((err as { code?: unknown }).code)}: ${String(err)}`);
    return true;
  });
}

function opensslPair(bits: number): { publicSpki: string; privatePkcs1: string; privatePkcs8: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    publicSpki: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePkcs1: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    privatePkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

describe('loadPublicKey', () => {
  it('loads lab1.pub and lab2.pub (astgenkey output) as 1024-bit keys', () => {
    for (const name of ['lab1.pub', 'lab2.pub']) {
      const key = loadPublicKey(readFileSync(`${capturesDir}${name}`, 'utf8'));
      assert.equal(key.bits, 1024);
      assert.equal(key.forge.n.bitLength(), 1024);
    }
  });

  it('refuses a PKCS#1 "BEGIN RSA PUBLIC KEY" with IAX2_ERR_KEY_FORMAT, as Asterisk\'s loader does', () => {
    const pkcs1 = createPublicKey(lab2PubPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    assert.match(pkcs1, /BEGIN RSA PUBLIC KEY/);
    throwsCode(() => loadPublicKey(pkcs1), 'IAX2_ERR_KEY_FORMAT');
  });

  it('refuses a PKCS#1 body dressed as "BEGIN PUBLIC KEY" with IAX2_ERR_KEY_FORMAT', () => {
    const pkcs1 = createPublicKey(lab2PubPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    throwsCode(() => loadPublicKey(pkcs1.replace(/RSA PUBLIC KEY/g, 'PUBLIC KEY')), 'IAX2_ERR_KEY_FORMAT');
  });

  it('refuses garbage, an empty string, a private key and a non-RSA key with IAX2_ERR_KEY_FORMAT', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const pem of ['', 'garbage', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', lab2KeyPem, ec]) {
      throwsCode(() => loadPublicKey(pem), 'IAX2_ERR_KEY_FORMAT');
    }
  });

  it('refuses 2048-bit and 512-bit keys with IAX2_ERR_RSA_KEY_SIZE', () => {
    throwsCode(() => loadPublicKey(opensslPair(2048).publicSpki), 'IAX2_ERR_RSA_KEY_SIZE');
    throwsCode(() => loadPublicKey(opensslPair(512).publicSpki), 'IAX2_ERR_RSA_KEY_SIZE');
  });
});

describe('loadPrivateKey', () => {
  it('loads lab2.key (PKCS#8 "BEGIN PRIVATE KEY") as the private half of lab2.pub', () => {
    assert.match(lab2KeyPem, /BEGIN PRIVATE KEY/);
    const key = loadPrivateKey(lab2KeyPem);
    assert.equal(key.bits, 1024);
    assert.equal(key.forge.n.toString(16), loadPublicKey(lab2PubPem).forge.n.toString(16));
  });

  it('loads the same key written as a traditional "BEGIN RSA PRIVATE KEY"', () => {
    const traditional = createPrivateKey(lab2KeyPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    assert.match(traditional, /BEGIN RSA PRIVATE KEY/);
    const key = loadPrivateKey(traditional);
    assert.equal(rsaVerify('42', rsaSign('42', key), [loadPublicKey(lab2PubPem)]), 0);
  });

  it('loads an OpenSSL-encrypted PKCS#8 key ("ENCRYPTED PRIVATE KEY", PBES2) with its passphrase only', () => {
    const encrypted = createPrivateKey(lab2KeyPem)
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'open sesame' })
      .toString();
    assert.match(encrypted, /BEGIN ENCRYPTED PRIVATE KEY/);
    const key = loadPrivateKey(encrypted, 'open sesame');
    assert.equal(rsaVerify('42', rsaSign('42', key), [loadPublicKey(lab2PubPem)]), 0);
    throwsCode(() => loadPrivateKey(encrypted, 'open sesamE'), 'IAX2_ERR_KEY_PASSPHRASE');
    throwsCode(() => loadPrivateKey(encrypted), 'IAX2_ERR_KEY_PASSPHRASE');
  });

  it('loads an OpenSSL 3DES-encrypted traditional PEM (what astgenkey -des3 wrote with OpenSSL 1.x)', () => {
    const encrypted = createPrivateKey(lab2KeyPem)
      .export({ type: 'pkcs1', format: 'pem', cipher: 'des-ede3-cbc', passphrase: 'pass' })
      .toString();
    assert.match(encrypted, /DEK-Info: DES-EDE3-CBC/);
    assert.equal(loadPrivateKey(encrypted, 'pass').forge.n.toString(16), loadPublicKey(lab2PubPem).forge.n.toString(16));
    throwsCode(() => loadPrivateKey(encrypted, 'wrong'), 'IAX2_ERR_KEY_PASSPHRASE');
    throwsCode(() => loadPrivateKey(encrypted), 'IAX2_ERR_KEY_PASSPHRASE');
    // A file with the public key first still yields the private block.
    assert.equal(loadPrivateKey(`${lab2PubPem}${encrypted}`, 'pass').bits, 1024);
  });

  it('refuses garbage, a public key and a PEM without a body with IAX2_ERR_KEY_FORMAT', () => {
    for (const pem of ['', 'garbage', lab2PubPem, '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n']) {
      throwsCode(() => loadPrivateKey(pem), 'IAX2_ERR_KEY_FORMAT');
    }
  });

  it('refuses 2048-bit and 512-bit private keys, traditional or PKCS#8, with IAX2_ERR_RSA_KEY_SIZE', () => {
    for (const bits of [2048, 512]) {
      const pair = opensslPair(bits);
      throwsCode(() => loadPrivateKey(pair.privatePkcs1), 'IAX2_ERR_RSA_KEY_SIZE');
      throwsCode(() => loadPrivateKey(pair.privatePkcs8), 'IAX2_ERR_RSA_KEY_SIZE');
    }
  });
});

describe('generateRsaKeyPair', () => {
  it('makes a 1024-bit pair in Asterisk\'s formats that signs and verifies', () => {
    const { publicPem, privatePem } = generateRsaKeyPair();
    assert.match(publicPem, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.match(privatePem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    assert.doesNotMatch(privatePem, /ENCRYPTED/);
    assert.ok(!publicPem.includes('\r') && !privatePem.includes('\r'), 'Unix line ends, as OpenSSL writes');
    const pub = loadPublicKey(publicPem);
    const priv = loadPrivateKey(privatePem);
    assert.equal(rsaVerify('987654321', rsaSign('987654321', priv), [pub]), 0);
    // OpenSSL (and so Asterisk) reads both files and agrees on the size and the signature.
    assert.equal(createPublicKey(publicPem).asymmetricKeyDetails?.modulusLength, 1024);
    const signature = Buffer.from(rsaSign('987654321', priv), 'base64');
    assert.ok(nodeVerify('sha1', Buffer.from('987654321'), createPublicKey(publicPem), signature));
  });

  it('with a passphrase writes a 3DES-encrypted traditional PEM that needs that passphrase', () => {
    const { publicPem, privatePem } = generateRsaKeyPair({ passphrase: 'correct horse' });
    assert.match(privatePem, /^-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,[0-9A-F]{16}\n/);
    const priv = loadPrivateKey(privatePem, 'correct horse');
    assert.equal(rsaVerify('5551212', rsaSign('5551212', priv), [loadPublicKey(publicPem)]), 0);
    throwsCode(() => loadPrivateKey(privatePem, 'wrong horse'), 'IAX2_ERR_KEY_PASSPHRASE');
    throwsCode(() => loadPrivateKey(privatePem), 'IAX2_ERR_KEY_PASSPHRASE');
    // OpenSSL opens it with the same passphrase.
    assert.equal(createPrivateKey({ key: privatePem, passphrase: 'correct horse' }).asymmetricKeyDetails?.modulusLength, 1024);
  });

  it('a wrong passphrase is always IAX2_ERR_KEY_PASSPHRASE, even when the padding happens to check out', () => {
    // Without a MAC, about 1 wrong passphrase in 256 decrypts to valid-looking padding; 3000
    // tries make such a case all but certain (a miss has odds below 1 in 100 000).
    const { privatePem } = generateRsaKeyPair({ passphrase: 'right' });
    for (let i = 0; i < 3000; i++) throwsCode(() => loadPrivateKey(privatePem, `wrong ${i}`), 'IAX2_ERR_KEY_PASSPHRASE');
  });
});
