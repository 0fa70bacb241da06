/**
 * RSA keys as Asterisk keeps them (protocol.md §8.4): `NAME.pub` is a PEM "BEGIN PUBLIC KEY"
 * (SubjectPublicKeyInfo), `NAME.key` any PEM private key OpenSSL reads (traditional "RSA
 * PRIVATE KEY" or PKCS#8), optionally passphrase-protected, and only 1024-bit keys load.
 *
 * Loading follows the same rules so a key that works here works on Asterisk and the reverse.
 * Callers get small wrapper types and never touch node-forge themselves.
 */
import forge from 'node-forge';
import { CryptoErrorCode, Iax2CryptoError } from './errors.ts';

/** Asterisk discards RSA keys of any other size at load (protocol.md §8.4). */
export const RSA_KEY_BITS = 1024;

export interface RsaPublicKey {
  readonly bits: typeof RSA_KEY_BITS;
  readonly forge: forge.pki.rsa.PublicKey;
}

export interface RsaPrivateKey {
  readonly bits: typeof RSA_KEY_BITS;
  readonly forge: forge.pki.rsa.PrivateKey;
}

export interface RsaKeyPairPem {
  /** "BEGIN PUBLIC KEY", as `NAME.pub`. */
  publicPem: string;
  /** "BEGIN RSA PRIVATE KEY", 3DES-encrypted when a passphrase was given, as `NAME.key`. */
  privatePem: string;
}

/** node-forge's PBE cipher lookup: public in its source, missing from @types/node-forge. */
interface ForgePbe {
  pbe: { getCipher(oid: string, params: forge.asn1.Asn1, password: string): forge.cipher.BlockCipher };
}

/** The DEK-Info ciphers node-forge can undo for a traditional encrypted PEM. */
const LEGACY_PEM_CIPHERS = new Set([
  'DES-CBC',
  'DES-EDE3-CBC',
  'AES-128-CBC',
  'AES-192-CBC',
  'AES-256-CBC',
  'RC2-40-CBC',
  'RC2-64-CBC',
  'RC2-128-CBC',
]);
const PRIVATE_KEY_TYPES = new Set(['RSA PRIVATE KEY', 'PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);

/**
 * Loads a `NAME.pub`. Only "BEGIN PUBLIC KEY" holding an RSA SubjectPublicKeyInfo is taken:
 * Asterisk's loader refuses a PKCS#1 "BEGIN RSA PUBLIC KEY" (protocol.md §8.4, as read), so we do too,
 * rather than accept a file that would fail on the other end.
 */
export function loadPublicKey(pem: string): RsaPublicKey {
  const message = firstPem(pem, (type) => type === 'PUBLIC KEY' || type === 'RSA PUBLIC KEY');
  if (message.type !== 'PUBLIC KEY') {
    throw formatError(`PEM "${message.type}" is PKCS#1; Asterisk loads only "PUBLIC KEY" (SubjectPublicKeyInfo)`);
  }
  let key: forge.pki.rsa.PublicKey;
  try {
    const der = message.body;
    key = forge.pki.publicKeyFromAsn1(forge.asn1.fromDer(der));
    // forge also takes a bare PKCS#1 body under this header; OpenSSL does not. Re-encoding
    // and comparing keeps only a well-formed SubjectPublicKeyInfo.
    if (forge.asn1.toDer(forge.pki.publicKeyToAsn1(key)).getBytes() !== der) {
      throw new Error('body is not an RSA SubjectPublicKeyInfo in DER');
    }
  } catch (cause) {
    throw formatError('PEM "PUBLIC KEY" body is not an RSA SubjectPublicKeyInfo', cause);
  }
  return { bits: checkBits(key.n), forge: key };
}

/**
 * Loads a `NAME.key`: traditional "RSA PRIVATE KEY" (plain, or encrypted with Proc-Type and
 * DEK-Info as `astgenkey -des3` writes) or PKCS#8 ("PRIVATE KEY" / "ENCRYPTED PRIVATE KEY").
 * An encrypted key without a passphrase, or one the passphrase does not open, throws
 * IAX2_ERR_KEY_PASSPHRASE (Asterisk keeps such a key unusable until `keys init`, protocol.md §8.4).
 */
export function loadPrivateKey(pem: string, passphrase?: string): RsaPrivateKey {
  const message = firstPem(pem, (type) => PRIVATE_KEY_TYPES.has(type));
  let key: forge.pki.rsa.PrivateKey;
  if (message.type === 'ENCRYPTED PRIVATE KEY') {
    key = decryptPkcs8(message.body, requirePassphrase(passphrase));
  } else if (isLegacyEncrypted(message)) {
    key = decryptLegacy(message, requirePassphrase(passphrase));
  } else {
    try {
      key = forge.pki.privateKeyFromAsn1(forge.asn1.fromDer(message.body));
    } catch (cause) {
      throw formatError(`PEM "${message.type}" body is not an RSA private key`, cause);
    }
  }
  return { bits: checkBits(key.n), forge: key };
}

/**
 * Makes a 1024-bit key pair in Asterisk's file formats (what `astgenkey` is for). With a
 * passphrase the private key is a 3DES-encrypted traditional PEM (`DEK-Info: DES-EDE3-CBC`).
 * Lines end in '\n' as OpenSSL writes them; node-forge would write '\r\n'.
 */
export function generateRsaKeyPair(options: { passphrase?: string } = {}): RsaKeyPairPem {
  // node-forge hands this to node:crypto's native generator when it can.
  const pair = forge.pki.rsa.generateKeyPair({ bits: RSA_KEY_BITS, e: 0x10001 });
  const privatePem =
    options.passphrase === undefined
      ? forge.pki.privateKeyToPem(pair.privateKey)
      : forge.pki.encryptRsaPrivateKey(pair.privateKey, options.passphrase, { legacy: true, algorithm: '3des' });
  return { publicPem: unixLines(forge.pki.publicKeyToPem(pair.publicKey)), privatePem: unixLines(privatePem) };
}

function firstPem(pem: string, wanted: (type: string) => boolean): forge.pem.ObjectPEM {
  let messages: forge.pem.ObjectPEM[];
  try {
    messages = forge.pem.decode(pem);
  } catch (cause) {
    throw formatError('not a PEM file', cause);
  }
  const message = messages.find((m) => wanted(m.type));
  if (message === undefined) {
    const found = messages.map((m) => `"${m.type}"`).join(', ');
    throw formatError(found === '' ? 'no PEM block found' : `no usable PEM block (found ${found})`);
  }
  return message;
}

function isLegacyEncrypted(message: forge.pem.ObjectPEM): boolean {
  const procType = message.procType as { type?: unknown } | undefined;
  return procType?.type === 'ENCRYPTED';
}

function requirePassphrase(passphrase: string | undefined): string {
  if (passphrase === undefined) {
    throw new Iax2CryptoError(CryptoErrorCode.KEY_PASSPHRASE, 'the private key is encrypted and no passphrase was given');
  }
  return passphrase;
}

/**
 * Traditional encrypted PEM. It has no MAC, so a wrong passphrase shows only as bad padding
 * or as garbage that will not parse; once decryption has started, every failure is blamed
 * on the passphrase. Unknown ciphers are checked first, so they stay format errors.
 */
function decryptLegacy(message: forge.pem.ObjectPEM, passphrase: string): forge.pki.rsa.PrivateKey {
  const dekInfo = message.dekInfo as { algorithm?: unknown } | undefined;
  const algorithm = typeof dekInfo?.algorithm === 'string' ? dekInfo.algorithm : '';
  if (!LEGACY_PEM_CIPHERS.has(algorithm)) throw formatError(`encrypted PEM with unsupported DEK-Info cipher "${algorithm}"`);
  // Typed as never null, but node-forge returns null when the padding does not check out.
  let key: forge.pki.rsa.PrivateKey | null;
  try {
    // Re-encoded so forge decrypts this block even when the file holds others before it.
    key = forge.pki.decryptRsaPrivateKey(forge.pem.encode(message), passphrase);
  } catch (cause) {
    throw passphraseError(cause);
  }
  if (key === null) throw passphraseError();
  return key;
}

/**
 * PKCS#8 EncryptedPrivateKeyInfo (PBES2 or PKCS#12 PBE). The structure and the cipher are
 * checked before decrypting (format errors); after that, bad padding or a plaintext that is
 * not strict DER means the wrong passphrase. A plaintext that is valid DER but not an RSA
 * key is a format error: garbage from a wrong key is never valid DER end to end.
 */
function decryptPkcs8(der: string, passphrase: string): forge.pki.rsa.PrivateKey {
  let cipher: forge.cipher.BlockCipher;
  let encrypted: string;
  try {
    const info = forge.asn1.fromDer(der);
    const [algorithm, data] = asn1Children(info);
    const [oid, params] = asn1Children(algorithm);
    if (oid === undefined || params === undefined || data === undefined || typeof oid.value !== 'string' || typeof data.value !== 'string') {
      throw new Error('not an EncryptedPrivateKeyInfo');
    }
    encrypted = data.value;
    cipher = (forge.pki as unknown as ForgePbe).pbe.getCipher(forge.asn1.derToOid(oid.value), params, passphrase);
  } catch (cause) {
    throw formatError('PEM "ENCRYPTED PRIVATE KEY" is not an EncryptedPrivateKeyInfo node-forge can decrypt', cause);
  }
  let plain: forge.asn1.Asn1;
  try {
    cipher.update(forge.util.createBuffer(encrypted));
    if (!cipher.finish()) throw new Error('bad padding after decryption');
    plain = forge.asn1.fromDer(cipher.output);
  } catch (cause) {
    throw passphraseError(cause);
  }
  try {
    return forge.pki.privateKeyFromAsn1(plain);
  } catch (cause) {
    throw formatError('decrypted PKCS#8 body is not an RSA private key', cause);
  }
}

function asn1Children(node: forge.asn1.Asn1 | undefined): Array<forge.asn1.Asn1 | undefined> {
  return node !== undefined && Array.isArray(node.value) ? node.value : [];
}

function checkBits(modulus: forge.jsbn.BigInteger): typeof RSA_KEY_BITS {
  const bits = modulus.bitLength();
  if (bits !== RSA_KEY_BITS) {
    throw new Iax2CryptoError(
      CryptoErrorCode.RSA_KEY_SIZE,
      `RSA key of ${bits} bits; Asterisk loads only ${RSA_KEY_BITS}-bit keys`,
    );
  }
  return RSA_KEY_BITS;
}

function unixLines(pem: string): string {
  return pem.replace(/\r\n/g, '\n');
}

function formatError(detail: string, cause?: unknown): Iax2CryptoError {
  return new Iax2CryptoError(CryptoErrorCode.KEY_FORMAT, detail, cause === undefined ? undefined : { cause });
}

function passphraseError(cause?: unknown): Iax2CryptoError {
  return new Iax2CryptoError(
    CryptoErrorCode.KEY_PASSPHRASE,
    'the passphrase does not decrypt the private key',
    cause === undefined ? undefined : { cause },
  );
}
