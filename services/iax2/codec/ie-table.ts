import { nameTable } from './name-table.ts';

/** Information element ids (RFC 5456 §8.6; Asterisk's iax2.h; protocol.md §3.1). */
export const IeId = {
  CALLED_NUMBER: 1,
  CALLING_NUMBER: 2,
  CALLING_ANI: 3,
  CALLING_NAME: 4,
  CALLED_CONTEXT: 5,
  USERNAME: 6,
  PASSWORD: 7,
  CAPABILITY: 8,
  FORMAT: 9,
  LANGUAGE: 10,
  VERSION: 11,
  ADSICPE: 12,
  DNID: 13,
  AUTHMETHODS: 14,
  CHALLENGE: 15,
  MD5_RESULT: 16,
  RSA_RESULT: 17,
  APPARENT_ADDR: 18,
  REFRESH: 19,
  DPSTATUS: 20,
  CALLNO: 21,
  CAUSE: 22,
  IAX_UNKNOWN: 23,
  MSGCOUNT: 24,
  AUTOANSWER: 25,
  MUSICONHOLD: 26,
  TRANSFERID: 27,
  RDNIS: 28,
  PROVISIONING: 29,
  AESPROVISIONING: 30,
  DATETIME: 31,
  DEVICETYPE: 32,
  SERVICEIDENT: 33,
  FIRMWAREVER: 34,
  FWBLOCKDESC: 35,
  FWBLOCKDATA: 36,
  PROVVER: 37,
  CALLINGPRES: 38,
  CALLINGTON: 39,
  CALLINGTNS: 40,
  SAMPLINGRATE: 41,
  CAUSECODE: 42,
  ENCRYPTION: 43,
  ENCKEY: 44,
  CODEC_PREFS: 45,
  RR_JITTER: 46,
  RR_LOSS: 47,
  RR_PKTS: 48,
  RR_DELAY: 49,
  RR_DROPPED: 50,
  RR_OOO: 51,
  VARIABLE: 52,
  OSPTOKEN: 53,
  CALLTOKEN: 54,
  CAPABILITY2: 55,
  FORMAT2: 56,
  CALLINGANI2: 57,
} as const;
export type IeId = (typeof IeId)[keyof typeof IeId];

export const ieIds = nameTable(IeId);

/**
 * How an IE's value is laid out on the wire.
 * - string: text without a NUL; decoded to a JS string when it is printable text, else bytes.
 * - u8/u16/u32: big-endian unsigned integers of exactly that width.
 * - format64: CAPABILITY2/FORMAT2, a version byte (0) then a u64 codec mask (9 bytes).
 * - sockaddr: APPARENT_ADDR, the sender's raw `struct sockaddr` (see sockaddr.ts).
 * - datetime: a u32 packed local date and time (see datetime.ts).
 * - empty: no value at all (AUTOANSWER).
 * - bytes: opaque octets (tokens, keys, provisioning blobs).
 * A value whose length does not fit its kind is kept as raw bytes: Asterisk logs and ignores
 * such an IE, and we must still be able to re-encode the frame byte for byte.
 */
export type IeKind = 'string' | 'u8' | 'u16' | 'u32' | 'format64' | 'sockaddr' | 'datetime' | 'empty' | 'bytes';

const KIND_BY_ID: ReadonlyMap<number, IeKind> = new Map<number, IeKind>([
  [IeId.CALLED_NUMBER, 'string'],
  [IeId.CALLING_NUMBER, 'string'],
  [IeId.CALLING_ANI, 'string'],
  [IeId.CALLING_NAME, 'string'],
  [IeId.CALLED_CONTEXT, 'string'],
  [IeId.USERNAME, 'string'],
  [IeId.PASSWORD, 'string'],
  [IeId.CAPABILITY, 'u32'],
  [IeId.FORMAT, 'u32'],
  [IeId.LANGUAGE, 'string'],
  [IeId.VERSION, 'u16'],
  [IeId.ADSICPE, 'u16'],
  [IeId.DNID, 'string'],
  [IeId.AUTHMETHODS, 'u16'],
  // A string in AUTHREQ/REGAUTH; in RTKEY the same id carries 16 raw key bytes, which the
  // string decoder keeps as bytes because they are not printable text.
  [IeId.CHALLENGE, 'string'],
  [IeId.MD5_RESULT, 'string'],
  [IeId.RSA_RESULT, 'string'],
  [IeId.APPARENT_ADDR, 'sockaddr'],
  [IeId.REFRESH, 'u16'],
  [IeId.DPSTATUS, 'u16'],
  [IeId.CALLNO, 'u16'],
  [IeId.CAUSE, 'string'],
  [IeId.IAX_UNKNOWN, 'u8'],
  [IeId.MSGCOUNT, 'u16'],
  [IeId.AUTOANSWER, 'empty'],
  [IeId.MUSICONHOLD, 'string'],
  [IeId.TRANSFERID, 'u32'],
  [IeId.RDNIS, 'string'],
  [IeId.PROVISIONING, 'bytes'],
  [IeId.AESPROVISIONING, 'bytes'],
  [IeId.DATETIME, 'datetime'],
  [IeId.DEVICETYPE, 'string'],
  [IeId.SERVICEIDENT, 'string'],
  [IeId.FIRMWAREVER, 'u16'],
  [IeId.FWBLOCKDESC, 'u32'],
  [IeId.FWBLOCKDATA, 'bytes'],
  [IeId.PROVVER, 'u32'],
  [IeId.CALLINGPRES, 'u8'],
  [IeId.CALLINGTON, 'u8'],
  [IeId.CALLINGTNS, 'u16'],
  [IeId.SAMPLINGRATE, 'u16'],
  [IeId.CAUSECODE, 'u8'],
  [IeId.ENCRYPTION, 'u16'],
  [IeId.ENCKEY, 'bytes'],
  [IeId.CODEC_PREFS, 'string'],
  [IeId.RR_JITTER, 'u32'],
  [IeId.RR_LOSS, 'u32'],
  [IeId.RR_PKTS, 'u32'],
  [IeId.RR_DELAY, 'u16'],
  [IeId.RR_DROPPED, 'u32'],
  [IeId.RR_OOO, 'u32'],
  [IeId.VARIABLE, 'string'],
  [IeId.OSPTOKEN, 'bytes'],
  [IeId.CALLTOKEN, 'bytes'],
  [IeId.CAPABILITY2, 'format64'],
  [IeId.FORMAT2, 'format64'],
  [IeId.CALLINGANI2, 'u32'],
]);

/** The layout of an IE id; ids we do not know are opaque bytes, preserved as received. */
export function ieKind(id: number): IeKind {
  return KIND_BY_ID.get(id) ?? 'bytes';
}

/** AUTHMETHODS bits (protocol.md §8.1). */
export const AuthMethod = { PLAINTEXT: 0x0001, MD5: 0x0002, RSA: 0x0004 } as const;

/** ENCRYPTION bits (protocol.md §11.1). */
export const EncryptionMethod = { AES128: 0x0001, KEY_ROTATION: 0x8000 } as const;

/** DPSTATUS bits (protocol.md §3.1). */
export const DialplanStatus = {
  EXISTS: 0x0001,
  CANEXIST: 0x0002,
  NONEXISTENT: 0x0004,
  IGNOREPAT: 0x4000,
  MATCHMORE: 0x8000,
} as const;
