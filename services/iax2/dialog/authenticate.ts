/**
 * Challenge and answer, shared by calls (AUTHREQ/AUTHREP) and registrations (REGAUTH/REGREQ)
 * (protocol.md §8): which methods a principal is asked for, how an answer is checked (RSA,
 * then MD5, then plaintext, as Asterisk orders them) and how we answer as a client.
 */
import { IeId, ieNumber, ieString, type Ie } from '../codec/index.ts';
import { matchMd5, md5Result, rsaSign, rsaVerify, splitSecrets, type RsaPrivateKey, type RsaPublicKey } from '../crypto/index.ts';
import type { AuthMethodName } from '../peer-directory.ts';

export const AUTH_BITS: Record<AuthMethodName, number> = { plaintext: 0x0001, md5: 0x0002, rsa: 0x0004 };

export function methodBits(methods: readonly AuthMethodName[]): number {
  return methods.reduce((bits, m) => bits | AUTH_BITS[m], 0);
}

/** AUTHMETHODS bits in words, for logs: "md5, rsa" (or "nothing"). */
export function describeMethods(bits: number): string {
  const names = (Object.keys(AUTH_BITS) as AuthMethodName[]).filter((name) => (bits & AUTH_BITS[name]) !== 0);
  return names.length === 0 ? 'nothing' : names.join(', ');
}

/** What a principal can be checked against. */
export interface Credentials {
  /** Every secret, already split on ';'. */
  secrets: readonly string[];
  /** The configured secret text, for plaintext (which compares it whole, protocol.md §8.5). */
  plaintextSecret: string;
  inkeys: readonly RsaPublicKey[];
}

export function credentialsOf(secretLines: readonly string[], extra: readonly string[], inkeys: readonly RsaPublicKey[]): Credentials {
  return {
    secrets: [...secretLines.flatMap(splitSecrets), ...extra.flatMap(splitSecrets)],
    plaintextSecret: secretLines.join(';'),
    inkeys,
  };
}

/** Checks an AUTHREP/REGREQ answer to `challenge` under the `methods` we asked for. */
export function verifyAnswer(methods: number, challenge: string, answer: readonly Ie[], credentials: Credentials): boolean {
  const rsa = ieString(answer, IeId.RSA_RESULT);
  if ((methods & AUTH_BITS.rsa) !== 0 && rsa !== undefined && credentials.inkeys.length > 0) {
    return rsaVerify(challenge, rsa, credentials.inkeys) >= 0;
  }
  const md5 = ieString(answer, IeId.MD5_RESULT);
  if ((methods & AUTH_BITS.md5) !== 0 && md5 !== undefined) {
    return matchMd5(challenge, md5, credentials.secrets) !== undefined;
  }
  const password = ieString(answer, IeId.PASSWORD);
  if ((methods & AUTH_BITS.plaintext) !== 0 && password !== undefined) {
    return credentials.plaintextSecret !== '' && password === credentials.plaintextSecret;
  }
  return false;
}

export interface ClientCredentials {
  secret?: string;
  outkey?: RsaPrivateKey;
  /** Sending PASSWORD exposes the secret; only when explicitly allowed. */
  allowPlaintext?: boolean;
}

/**
 * Our answer to an AUTHREQ/REGAUTH: RSA if we hold an outkey and RSA is allowed; else MD5;
 * else plaintext if allowed on both sides (protocol.md §8.4). Undefined when we cannot answer.
 */
export function answerChallenge(challengeIes: readonly Ie[], credentials: ClientCredentials): Ie | undefined {
  const methods = ieNumber(challengeIes, IeId.AUTHMETHODS) ?? 0;
  const challenge = ieString(challengeIes, IeId.CHALLENGE);
  if (credentials.outkey !== undefined && (methods & AUTH_BITS.rsa) !== 0 && challenge !== undefined) {
    return { id: IeId.RSA_RESULT, value: rsaSign(challenge, credentials.outkey) };
  }
  if (credentials.secret !== undefined && (methods & AUTH_BITS.md5) !== 0 && challenge !== undefined) {
    return { id: IeId.MD5_RESULT, value: md5Result(challenge, credentials.secret) };
  }
  if (credentials.secret !== undefined && (methods & AUTH_BITS.plaintext) !== 0 && credentials.allowPlaintext === true) {
    return { id: IeId.PASSWORD, value: credentials.secret };
  }
  return undefined;
}
