/**
 * How long a voice frame lasts, from its format and payload size, for timestamp prediction
 * (protocol.md §5.1) and loss estimates. Formats whose frames carry no fixed duration (Speex,
 * Opus, iLBC modes) are taken as 20 ms, the packetisation every Asterisk default uses.
 */
import { Format } from '../codec/formats.ts';

const DEFAULT_FRAME_MS = 20;

/** Payload bytes per millisecond for constant-bit-rate formats. */
const BYTES_PER_MS = new Map<bigint, number>([
  [Format.ULAW, 8],
  [Format.ALAW, 8],
  [Format.G722, 8],
  [Format.SLIN, 16],
  [Format.SLIN16, 32],
  [Format.G726, 4],
  [Format.G726_AAL2, 4],
  [Format.ADPCM, 4],
  [Format.G729, 1],
  [Format.GSM, 33 / 20],
]);

// The relay asks twice per voice frame, nearly always for the same format and size as the
// frame before; a Map keyed by BigInt hashes the key at every lookup, a comparison does not.
let lastFormat = -1n;
let lastBytes = -1;
let lastMs = DEFAULT_FRAME_MS;

export function frameDurationMs(format: bigint, payloadBytes: number): number {
  if (payloadBytes === lastBytes && format === lastFormat) return lastMs;
  const rate = BYTES_PER_MS.get(format);
  const ms = rate === undefined || payloadBytes === 0 ? DEFAULT_FRAME_MS : Math.max(1, Math.round(payloadBytes / rate));
  lastFormat = format;
  lastBytes = payloadBytes;
  lastMs = ms;
  return ms;
}
