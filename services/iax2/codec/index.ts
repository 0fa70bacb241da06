/** The IAX2 wire codec: pure functions over Buffer. The layouts: docs/protocol.md §1-§3. */
export { classifyDatagram, peekSourceCall, type DatagramKind } from './classify.ts';
export { decodeDatagram, encode, encodeInto, encodingLength } from './codec.ts';
export { decodeCodecPrefs, encodeCodecPrefs } from './codec-prefs.ts';
export { ControlSubclass, controlSubclasses, RELAYABLE_CONTROLS } from './control-subclasses.ts';
export { dateTimeAt, formatDateTime, packDateTime, unpackDateTime, type IaxDateTime } from './datetime.ts';
export { dumpFrame, type DumpOptions } from './dump.ts';
export { DecodeErrorCode, EncodeErrorCode, Iax2DecodeError, Iax2EncodeError } from './errors.ts';
export {
  Format,
  FORMATS,
  formatByName,
  formatInfo,
  formatName,
  formatNames,
  FULL_BANDWIDTH,
  lowFormatBits,
  type FormatInfo,
  type FormatKey,
  type MediaKind,
} from './formats.ts';
export type { Frame, FrameKind, FullFrame, MetaTrunkFrame, MiniFrame, TrunkEntry, VideoMiniFrame } from './frame.ts';
export { frameToJson, ieJsonKey, iesToJson, ieValueToJson, type JsonValue } from './frame-json.ts';
export { FrameType, frameTypes } from './frame-types.ts';
export { decodeFullFrame, FULL_HEADER_LENGTH, markRetransmission, peekDestCall, setRetransmitted } from './full-frame.ts';
export { IaxCommand, iaxCommands } from './iax-commands.ts';
export { decodeIes, encodeIes, formatValue, ieLabel, iesEncodingLength, type Ie, type IeValue } from './ie.ts';
export { hasIe, ieBytes, ieFormat, ieNumber, ieString, peerCapability } from './ie-access.ts';
export { AuthMethod, DialplanStatus, EncryptionMethod, IeId, ieIds, ieKind, type IeKind } from './ie-table.ts';
export { decodeMetaTrunkFrame, META_TRUNK_HEADER_LENGTH, TrunkEntryView } from './meta-trunk-frame.ts';
export { TrunkEntryCursor } from './trunk-entry-cursor.ts';
export { decodeMiniFrame, decodeMiniFrameInto, MINI_HEADER_LENGTH, MiniFrameView, writeMiniFrame } from './mini-frame.ts';
export { Cause, causeText, RejectReason, type Refusal } from './causes.ts';
export { decodeSockAddr, encodeSockAddr, formatSockAddr, type SockAddr } from './sockaddr.ts';
export { compressSubclass, SUBCLASS_STOP_TONES, uncompressSubclass } from './subclass.ts';
export { subclassName } from './subclass-name.ts';
export { decodeVideoMiniFrame, VIDEO_MINI_HEADER_LENGTH } from './video-mini-frame.ts';
