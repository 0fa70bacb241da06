/**
 * Codec bit masks: the value of FORMAT/CAPABILITY (low 32 bits), FORMAT2/CAPABILITY2 (all 64)
 * and the subclass of voice and video frames (protocol.md §3.4). Masks are bigints because
 * Opus, Speex16 and G.719 live above bit 31 and a mask may hold any of bits 0..63.
 */
export const Format = {
  G723: 1n << 0n,
  GSM: 1n << 1n,
  ULAW: 1n << 2n,
  ALAW: 1n << 3n,
  G726_AAL2: 1n << 4n,
  ADPCM: 1n << 5n,
  SLIN: 1n << 6n,
  LPC10: 1n << 7n,
  G729: 1n << 8n,
  SPEEX: 1n << 9n,
  ILBC: 1n << 10n,
  G726: 1n << 11n,
  G722: 1n << 12n,
  SIREN7: 1n << 13n,
  SIREN14: 1n << 14n,
  SLIN16: 1n << 15n,
  JPEG: 1n << 16n,
  PNG: 1n << 17n,
  H261: 1n << 18n,
  H263: 1n << 19n,
  H263P: 1n << 20n,
  H264: 1n << 21n,
  MP4: 1n << 22n,
  VP8: 1n << 23n,
  T140_RED: 1n << 26n,
  T140: 1n << 27n,
  G719: 1n << 32n,
  SPEEX16: 1n << 33n,
  OPUS: 1n << 34n,
} as const;
export type FormatKey = keyof typeof Format;

export type MediaKind = 'audio' | 'video' | 'image' | 'text';

export interface FormatInfo {
  key: FormatKey;
  mask: bigint;
  /** Asterisk's short name, as in `allow=` and `core show codecs`. */
  name: string;
  media: MediaKind;
}

const INFO: readonly FormatInfo[] = (
  [
    ['G723', 'g723', 'audio'],
    ['GSM', 'gsm', 'audio'],
    ['ULAW', 'ulaw', 'audio'],
    ['ALAW', 'alaw', 'audio'],
    ['G726_AAL2', 'g726aal2', 'audio'],
    ['ADPCM', 'adpcm', 'audio'],
    ['SLIN', 'slin', 'audio'],
    ['LPC10', 'lpc10', 'audio'],
    ['G729', 'g729', 'audio'],
    ['SPEEX', 'speex', 'audio'],
    ['ILBC', 'ilbc', 'audio'],
    ['G726', 'g726', 'audio'],
    ['G722', 'g722', 'audio'],
    ['SIREN7', 'siren7', 'audio'],
    ['SIREN14', 'siren14', 'audio'],
    ['SLIN16', 'slin16', 'audio'],
    ['JPEG', 'jpeg', 'image'],
    ['PNG', 'png', 'image'],
    ['H261', 'h261', 'video'],
    ['H263', 'h263', 'video'],
    ['H263P', 'h263p', 'video'],
    ['H264', 'h264', 'video'],
    ['MP4', 'mpeg4', 'video'],
    ['VP8', 'vp8', 'video'],
    ['T140_RED', 'red', 'text'],
    ['T140', 't140', 'text'],
    ['G719', 'g719', 'audio'],
    ['SPEEX16', 'speex16', 'audio'],
    ['OPUS', 'opus', 'audio'],
  ] as const
).map(([key, name, media]) => ({ key, mask: Format[key], name, media }));

const BY_MASK = new Map<bigint, FormatInfo>(INFO.map((f) => [f.mask, f]));
const BY_NAME = new Map<string, FormatInfo>(INFO.map((f) => [f.name, f]));

/** Bits 0..15: Asterisk's "full bandwidth" capability before allow/disallow. */
export const FULL_BANDWIDTH = 0xffffn;

/** Every format we know, in bit order. */
export const FORMATS: readonly FormatInfo[] = INFO;

/** The format for a single-bit mask (a voice/video subclass), or undefined. */
export function formatInfo(mask: bigint | number): FormatInfo | undefined {
  if (typeof mask === 'number') {
    if (!Number.isInteger(mask) || mask <= 0) return undefined;
    mask = BigInt(mask);
  }
  return BY_MASK.get(mask);
}

/** Asterisk's name for a single format ("ulaw"), or "0x…" for a bit we have no name for. */
export function formatName(mask: bigint | number): string {
  return formatInfo(mask)?.name ?? `0x${mask.toString(16)}`;
}

/** The names of every bit set in `mask`, lowest bit first. */
export function formatNames(mask: bigint): string[] {
  const names: string[] = [];
  for (let bit = 0n; bit < 64n; bit++) {
    const m = 1n << bit;
    if (mask & m) names.push(formatName(m));
  }
  return names;
}

/** The format for an Asterisk codec name ("ulaw", "g729"), or undefined. */
export function formatByName(name: string): FormatInfo | undefined {
  return BY_NAME.get(name.trim().toLowerCase());
}

/** The mask of the low 32 bits, for the legacy FORMAT/CAPABILITY IEs (protocol.md §3.2). */
export function lowFormatBits(mask: bigint): number {
  return Number(mask & 0xffffffffn);
}
