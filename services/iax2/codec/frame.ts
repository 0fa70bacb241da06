import type { Ie } from './ie.ts';

/**
 * The four kinds of IAX2 datagram, decoded. Each layout is drawn in its own module:
 * full-frame.ts, mini-frame.ts, video-mini-frame.ts and meta-trunk-frame.ts.
 */
export type Frame = FullFrame | MiniFrame | VideoMiniFrame | MetaTrunkFrame;
export type FrameKind = Frame['kind'];

/** A full frame: 12-byte header, then IEs (type IAX) or a raw payload (RFC 5456 §8.1.1). */
export interface FullFrame {
  kind: 'full';
  /** 15 bits, never 0 for a real call; 1 marks Asterisk's stateless replies. */
  sourceCall: number;
  /** 15 bits; 0 until the peer's call number is known (NEW, REGREQ, POKE). */
  destCall: number;
  /** The R bit: set on retransmissions. Receivers mask it off. */
  retransmitted: boolean;
  /** u32 milliseconds since the sender's call epoch. */
  timestamp: number;
  /** u8: this frame's sequence number. */
  oseqno: number;
  /** u8: the next sequence number the sender expects. */
  iseqno: number;
  /** Byte 10, a FrameType value (kept as a number: unknown types still decode). */
  frameType: number;
  /**
   * Byte 11 uncompressed: an IaxCommand, a ControlSubclass (-1 = stop tones), an ASCII digit
   * for DTMF, or a single format bit for voice and video.
   */
  subclass: number;
  /** VIDEO only: the marker (bit 6 of the subclass byte). */
  videoMarker?: boolean;
  /** IAX frames: the IEs, in wire order. When encoding an IAX frame these win over payload. */
  ies?: Ie[];
  /** The bytes after the header (for IAX frames, the encoded IEs). */
  payload?: Buffer;
}

/** A mini voice frame: call number, low 16 bits of the timestamp, codec payload. */
export interface MiniFrame {
  kind: 'mini';
  /** 1..32767 (0 would make it a meta frame). */
  sourceCall: number;
  /** The low 16 bits of the sender's call timestamp. */
  timestamp: number;
  readonly payload: Buffer;
}

/** A video mini frame ("meta video" in RFC 5456): 15-bit timestamp plus marker. */
export interface VideoMiniFrame {
  kind: 'meta-video';
  sourceCall: number;
  /** The low 15 bits of the sender's call timestamp. */
  timestamp: number;
  /** "End of frame". */
  marker: boolean;
  readonly payload: Buffer;
}

/** A meta trunk frame: many calls' voice to one peer in one datagram. */
export interface MetaTrunkFrame {
  kind: 'meta-trunk';
  /** u32 ms on the sender's per-peer trunk clock. */
  timestamp: number;
  /** Command data 1: each entry carries its call's 16-bit timestamp. */
  withTimestamps: boolean;
  entries: TrunkEntry[];
}

export interface TrunkEntry {
  /** The SENDER's source call number for that call. */
  call: number;
  /** The call's low 16 timestamp bits; present (and required) when withTimestamps. */
  timestamp?: number;
  readonly payload: Buffer;
}
