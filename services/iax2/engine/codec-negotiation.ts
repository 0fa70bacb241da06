/**
 * Which voice format the callee picks (protocol.md §3.6), and the caller's check of ACCEPT.
 *
 * codecpriority=host (default): walk the callee's own preference order over the formats both
 * sides can do, audio only; failing that, pick from the common set by the caller's prefs or,
 * without them, Asterisk's built-in best-codec order. `caller` swaps whose order goes first.
 * `disabled` accepts (requested FORMAT AND capability) as it is; `reqonly` insists on the one
 * requested format. Nothing in common: REJECT "Unable to negotiate codec", cause 58
 * (RejectReason.NO_COMMON_CODEC).
 */
import { Format, formatInfo } from '../codec/formats.ts';

export type CodecPriority = 'host' | 'caller' | 'disabled' | 'reqonly';

/** Asterisk's own order when no preferences apply (protocol.md §3.4). */
export const BEST_CODEC_ORDER: readonly bigint[] = [
  Format.ULAW, Format.ALAW, Format.G719, Format.SIREN14, Format.SIREN7, Format.G722, Format.SLIN16, Format.SLIN,
  Format.G726, Format.G726_AAL2, Format.ADPCM, Format.GSM, Format.ILBC, Format.SPEEX16, Format.SPEEX, Format.OPUS,
  Format.LPC10, Format.G729, Format.G723,
];


export interface NegotiationInput {
  /** What the callee (this side, for the matched user) can do, in its `allow` order. */
  hostCapability: bigint;
  hostPrefs: readonly bigint[];
  /** The caller's CAPABILITY(2), FORMAT(2) and CODEC_PREFS. */
  peerCapability: bigint;
  peerFormat: bigint;
  peerPrefs: readonly bigint[];
  priority: CodecPriority;
}

function isAudio(mask: bigint): boolean {
  return formatInfo(mask)?.media === 'audio';
}

function firstIn(order: readonly bigint[], set: bigint): bigint | undefined {
  for (const format of order) if ((set & format) !== 0n && isAudio(format)) return format;
  return undefined;
}

/** The chosen format (a single bit, or several for `disabled`), or undefined for cause 58. */
export function chooseFormat(input: NegotiationInput): bigint | undefined {
  const common = input.hostCapability & input.peerCapability;
  switch (input.priority) {
    case 'disabled': {
      const chosen = input.peerFormat & input.hostCapability;
      return chosen === 0n ? undefined : chosen;
    }
    case 'reqonly': {
      // Only the one format the caller asked for will do.
      const requested = input.peerFormat & common;
      return requested !== 0n && (requested & (requested - 1n)) === 0n ? requested : undefined;
    }
    case 'caller':
      return firstIn(input.peerPrefs, common) ?? firstIn(input.hostPrefs, common) ?? firstIn(BEST_CODEC_ORDER, common);
    case 'host':
      return (
        firstIn(input.hostPrefs, common) ??
        firstIn(input.peerPrefs.length > 0 ? input.peerPrefs : BEST_CODEC_ORDER, common) ??
        firstIn(BEST_CODEC_ORDER, common)
      );
  }
}

/** Caller side: the ACCEPT's format must lie within what we offered (protocol.md §3.6). */
export function acceptable(acceptedFormat: bigint, ourCapability: bigint): boolean {
  return acceptedFormat !== 0n && (acceptedFormat & ~ourCapability) === 0n;
}
