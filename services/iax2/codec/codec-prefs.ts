import { Format, type FormatKey } from './formats.ts';

/**
 * The CODEC_PREFS IE (protocol.md §3.5): one letter per codec, most preferred first. The letter
 * is 'A' + the codec's 1-based position in Asterisk's fixed list below, which is NOT the bit
 * index (G.726 is 'F' but bit 11). Positions without a codec are reserved and skipped.
 */
const ALPHABET: ReadonlyArray<FormatKey | undefined> = [
  'G723', 'GSM', 'ULAW', 'ALAW', 'G726', 'ADPCM', 'SLIN', 'LPC10', 'G729', 'SPEEX', 'SPEEX16',
  'ILBC', 'G726_AAL2', 'G722', 'SLIN16', 'JPEG', 'PNG', 'H261', 'H263', 'H263P', 'H264', 'MP4',
  'T140_RED', 'T140', 'SIREN7', 'SIREN14', undefined, 'G719',
  undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined,
  'OPUS', 'VP8',
];

const LETTER_BASE = 'A'.charCodeAt(0) + 1;
/** Asterisk sends at most 31 letters and reads at most 32. */
const MAX_SENT = 31;
const MAX_READ = 32;

const LETTER_BY_MASK = new Map<bigint, string>();
const MASK_BY_LETTER = new Map<string, bigint>();
ALPHABET.forEach((key, index) => {
  if (key === undefined) return;
  const letter = String.fromCharCode(LETTER_BASE + index);
  LETTER_BY_MASK.set(Format[key], letter);
  MASK_BY_LETTER.set(letter, Format[key]);
});

/** The letter string for an ordered list of single-format masks; unknown formats are skipped. */
export function encodeCodecPrefs(order: readonly bigint[]): string {
  let text = '';
  for (const mask of order) {
    const letter = LETTER_BY_MASK.get(mask);
    if (letter !== undefined && !text.includes(letter)) text += letter;
    if (text.length === MAX_SENT) break;
  }
  return text;
}

/** The ordered formats a CODEC_PREFS string names; letters we do not know are skipped. */
export function decodeCodecPrefs(text: string): bigint[] {
  const order: bigint[] = [];
  for (const letter of text.slice(0, MAX_READ)) {
    const mask = MASK_BY_LETTER.get(letter);
    if (mask !== undefined && !order.includes(mask)) order.push(mask);
  }
  return order;
}
