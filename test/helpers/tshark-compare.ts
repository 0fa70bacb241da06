// Compares our decode of a datagram with tshark's IAX2 dissection of the same bytes, field by
// field. tshark is run with `-T fields -E occurrence=a`, which lists every occurrence of a
// field in wire order; the JSON output cannot be used for IEs because repeated keys lose order.
import {
  FrameType,
  IeId,
  iesEncodingLength,
  packDateTime,
  compressSubclass,
  type Frame,
  type Ie,
} from '../../services/iax2/codec/index.ts';

/** Where tshark 4.0 puts each IE's value; ids not listed go by length (see unknownField). */
const IE_FIELD: Record<number, string> = {
  [IeId.CALLED_NUMBER]: 'iax2.iax.called_number',
  [IeId.CALLING_NUMBER]: 'iax2.iax.calling_number',
  [IeId.CALLING_ANI]: 'iax2.iax.calling_ani',
  [IeId.CALLING_NAME]: 'iax2.iax.calling_name',
  [IeId.CALLED_CONTEXT]: 'iax2.iax.called_context',
  [IeId.USERNAME]: 'iax2.iax.username',
  [IeId.PASSWORD]: 'iax2.iax.password',
  [IeId.CAPABILITY]: 'iax2.iax.capability',
  [IeId.FORMAT]: 'iax2.iax.format',
  [IeId.LANGUAGE]: 'iax2.iax.language',
  [IeId.VERSION]: 'iax2.iax.version',
  [IeId.ADSICPE]: 'iax2.iax.cpe_adsi',
  [IeId.DNID]: 'iax2.iax.dnid',
  [IeId.AUTHMETHODS]: 'iax2.iax.auth.methods',
  [IeId.CHALLENGE]: 'iax2.iax.auth.challenge',
  [IeId.MD5_RESULT]: 'iax2.iax.auth.md5',
  [IeId.RSA_RESULT]: 'iax2.iax.auth.rsa',
  [IeId.REFRESH]: 'iax2.iax.refresh',
  [IeId.DPSTATUS]: 'iax2.iax.dialplan_status',
  [IeId.CALLNO]: 'iax2.iax.call_no',
  [IeId.CAUSE]: 'iax2.iax.cause',
  [IeId.IAX_UNKNOWN]: 'iax2.iax.iax_unknown',
  [IeId.MSGCOUNT]: 'iax2.iax.msg_count',
  [IeId.AUTOANSWER]: 'iax2.iax.autoanswer',
  [IeId.MUSICONHOLD]: 'iax2.iax.moh',
  [IeId.TRANSFERID]: 'iax2.iax.transferid',
  [IeId.RDNIS]: 'iax2.iax.rdnis',
  [IeId.PROVISIONING]: 'iax2.iax.provisioning',
  [IeId.AESPROVISIONING]: 'iax2.iax.aesprovisioning',
  [IeId.DATETIME]: 'iax2.iax.datetime.raw',
  [IeId.DEVICETYPE]: 'iax2.iax.devicetype',
  [IeId.SERVICEIDENT]: 'iax2.iax.serviceident',
  [IeId.FIRMWAREVER]: 'iax2.iax.firmwarever',
  [IeId.FWBLOCKDESC]: 'iax2.iax.fwblockdesc',
  [IeId.FWBLOCKDATA]: 'iax2.iax.fwblockdata',
  [IeId.PROVVER]: 'iax2.iax.provver',
  [IeId.CALLINGPRES]: 'iax2.iax.callingpres',
  [IeId.CALLINGTON]: 'iax2.iax.callington',
  [IeId.CALLINGTNS]: 'iax2.iax.callingtns',
  [IeId.SAMPLINGRATE]: 'iax2.iax.samplingrate',
  [IeId.CAUSECODE]: 'iax2.iax.causecode',
  [IeId.ENCRYPTION]: 'iax2.iax.encryption',
  [IeId.ENCKEY]: 'iax2.iax.enckey',
  [IeId.CODEC_PREFS]: 'iax2.iax.codecprefs',
  [IeId.RR_JITTER]: 'iax2.iax.rrjitter',
  [IeId.RR_LOSS]: 'iax2.iax.rrloss',
  [IeId.RR_PKTS]: 'iax2.iax.rrpkts',
  [IeId.RR_DELAY]: 'iax2.iax.rrdelay',
  [IeId.RR_DROPPED]: 'iax2.iax.rrdropped',
  [IeId.RR_OOO]: 'iax2.iax.rrooo',
  [IeId.CAPABILITY2]: 'iax2.iax.capability2',
  [IeId.FORMAT2]: 'iax2.iax.format2',
};

/** tshark shows IEs it has no field for (VARIABLE, CALLTOKEN, CALLINGANI2, ...) by length. */
function unknownField(length: number): string {
  return length === 1 ? 'iax2.iax.unknownbyte' : length === 2 ? 'iax2.iax.unknownshort' : length === 4 ? 'iax2.iax.unknownlong' : 'iax2.iax.unknownstring';
}

const HEADER_FIELDS = [
  'iax2.packet_type', 'iax2.src_call', 'iax2.dst_call', 'iax2.retransmission', 'iax2.timestamp', 'iax2.oseqno',
  'iax2.iseqno', 'iax2.type', 'iax2.iax.subclass', 'iax2.control.subclass', 'iax2.voice.codec', 'iax2.video.codec',
  'iax2.video.marker', 'iax2.video.mini_marker', 'iax2.dtmf.subclass', 'iax2.text.subclass', 'iax2.modem.subclass',
  'iax2.html.subclass', 'iax2.subclass', 'iax2.trunk.metacmd', 'iax2.trunk.cmddata.ts', 'iax2.trunk.call.len',
  'iax2.trunk.call.scallno', 'iax2.trunk.call.ts', 'iax2.trunk.ncalls', 'iax2.ie_id', 'iax2.length', 'iax2.version',
];
const VALUE_FIELDS = [
  ...new Set([
    ...Object.values(IE_FIELD),
    'iax2.iax.unknownbyte', 'iax2.iax.unknownshort', 'iax2.iax.unknownlong', 'iax2.iax.unknownstring',
    'iax2.iax.app_addr.sinfamily', 'iax2.iax.app_addr.sinport', 'iax2.iax.app_addr.sinaddr',
  ]),
];

/** Every field the comparison reads; pass these to tshark. */
export const COMPARED_FIELDS: readonly string[] = [...HEADER_FIELDS, ...VALUE_FIELDS, '_ws.malformed', '_ws.expert.severity'];

/** Occurrences of each field in one frame, in wire order (empty list when absent). */
export type FieldValues = Record<string, string[]>;

/** Accepts whatever tshark shows (bytes that are not text, which it renders its own way). */
const ANY = Symbol('any');
/** What tshark would show for a value we hold. */
type Expected = string | bigint | typeof ANY;

function isPrintableAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

function expectedIeValues(ie: Ie): Array<[string, Expected]> {
  const { id, value } = ie;
  if (id === IeId.APPARENT_ADDR && value !== null && typeof value === 'object' && 'family' in value && value.family === 'IPv4') {
    return [
      ['iax2.iax.app_addr.sinfamily', 2n],
      ['iax2.iax.app_addr.sinport', BigInt(value.port)],
      ['iax2.iax.app_addr.sinaddr', value.address],
    ];
  }
  if (id === IeId.APPARENT_ADDR) return [];
  const length = ieLength(ie);
  const field = IE_FIELD[id] ?? unknownField(length);
  if (id === IeId.AUTOANSWER || id === IeId.MUSICONHOLD) return [[field, ANY]];
  if (Buffer.isBuffer(value)) {
    if (IE_FIELD[id] === undefined && (length === 1 || length === 2 || length === 4)) return [[field, BigInt(`0x${value.toString('hex')}`)]];
    if (id === IeId.IAX_UNKNOWN) return [[field, value.toString('hex')]];
    const text = value.toString('latin1');
    return [[field, isPrintableAscii(text) ? text : ANY]];
  }
  if (typeof value === 'string') return [[field, isPrintableAscii(value) ? value : ANY]];
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (id === IeId.IAX_UNKNOWN) return [[field, Number(value).toString(16).padStart(2, '0')]];
    return [[field, BigInt(value)]];
  }
  if (value !== null && typeof value === 'object' && 'year' in value) return [[field, BigInt(packDateTime(value))]];
  return [[field, ANY]];
}

function ieLength(ie: Ie): number {
  return iesEncodingLength([ie]) - 2;
}

function same(expected: Expected, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  if (expected === ANY) return true;
  if (typeof expected === 'bigint') {
    try {
      return BigInt(actual) === expected;
    } catch {
      return false;
    }
  }
  return expected === actual;
}

/**
 * The differences between our decoded `frame` and tshark's fields for the same datagram, as
 * readable lines; an empty list means they agree.
 */
export function differencesFromTshark(frame: Frame, tshark: FieldValues): string[] {
  const problems: string[] = [];
  const expect = (field: string, expected: Expected[]): void => {
    let actual = tshark[field] ?? [];
    // A field whose only occurrence is empty prints as an empty column, read back as none.
    if (actual.length === 0 && expected.length === 1 && expected[0] === '') actual = [''];
    if (actual.length !== expected.length || expected.some((e, i) => !same(e, actual[i]))) {
      problems.push(`${field}: ours ${JSON.stringify(expected.map((e) => (e === ANY ? '*' : String(e))))}, tshark ${JSON.stringify(actual)}`);
    }
  };
  switch (frame.kind) {
    case 'full': {
      expect('iax2.packet_type', [1n]);
      expect('iax2.src_call', [BigInt(frame.sourceCall)]);
      expect('iax2.dst_call', [BigInt(frame.destCall)]);
      expect('iax2.retransmission', [frame.retransmitted ? 1n : 0n]);
      expect('iax2.timestamp', [BigInt(frame.timestamp)]);
      expect('iax2.oseqno', [BigInt(frame.oseqno)]);
      expect('iax2.iseqno', [BigInt(frame.iseqno)]);
      expect('iax2.type', [BigInt(frame.frameType)]);
      compareSubclass(frame.frameType, frame.subclass, frame.videoMarker === true, expect);
      if (frame.frameType === FrameType.IAX) {
        const ies = frame.ies ?? [];
        expect('iax2.ie_id', ies.map((ie) => BigInt(ie.id)));
        expect('iax2.length', ies.map((ie) => BigInt(ieLength(ie))));
        const byField = new Map<string, Expected[]>(VALUE_FIELDS.map((f) => [f, []]));
        const versions: Expected[] = [];
        for (const ie of ies) {
          for (const [field, value] of expectedIeValues(ie)) byField.get(field)?.push(value);
          if ((ie.id === IeId.CAPABILITY2 || ie.id === IeId.FORMAT2) && typeof ie.value === 'bigint') versions.push(0n);
        }
        for (const [field, values] of byField) expect(field, values);
        expect('iax2.version', versions);
      }
      break;
    }
    case 'mini':
      expect('iax2.packet_type', [0n]);
      expect('iax2.src_call', [BigInt(frame.sourceCall)]);
      // tshark shows the timestamp it rebuilt for the call; its low 16 bits are the frame's.
      if (tshark['iax2.timestamp']?.length !== 1 || (Number(tshark['iax2.timestamp'][0]) & 0xffff) !== frame.timestamp) {
        problems.push(`iax2.timestamp: ours ${frame.timestamp} (low 16 bits), tshark ${JSON.stringify(tshark['iax2.timestamp'])}`);
      }
      break;
    case 'meta-video':
      expect('iax2.packet_type', [2n]);
      expect('iax2.src_call', [BigInt(frame.sourceCall)]);
      if (tshark['iax2.timestamp']?.length !== 1 || (Number(tshark['iax2.timestamp'][0]) & 0x7fff) !== frame.timestamp) {
        problems.push(`iax2.timestamp: ours ${frame.timestamp} (low 15 bits), tshark ${JSON.stringify(tshark['iax2.timestamp'])}`);
      }
      expect('iax2.video.mini_marker', [frame.marker ? 1n : 0n]);
      break;
    case 'meta-trunk':
      expect('iax2.packet_type', [3n]);
      expect('iax2.trunk.metacmd', [1n]);
      expect('iax2.trunk.cmddata.ts', [frame.withTimestamps ? 1n : 0n]);
      expect('iax2.timestamp', [BigInt(frame.timestamp)]);
      // tshark 4.0 mis-sizes entries without timestamps (protocol.md §1.5) and stops there;
      // only the timestamped form can be compared entry by entry.
      if (frame.withTimestamps) {
        expect('iax2.trunk.ncalls', [BigInt(frame.entries.length)]);
        expect('iax2.trunk.call.scallno', frame.entries.map((e) => BigInt(e.call)));
        expect('iax2.trunk.call.len', frame.entries.map((e) => BigInt(e.payload.length)));
        expect('iax2.trunk.call.ts', frame.entries.map((e) => BigInt(e.timestamp ?? -1)));
      }
      break;
  }
  return problems;
}

function compareSubclass(frameType: number, subclass: number, marker: boolean, expect: (field: string, values: Expected[]) => void): void {
  switch (frameType) {
    case FrameType.IAX:
      expect('iax2.iax.subclass', [BigInt(subclass)]);
      return;
    case FrameType.CONTROL:
      expect('iax2.control.subclass', [BigInt(compressSubclass(subclass))]);
      return;
    case FrameType.VOICE:
      expect('iax2.voice.codec', [BigInt(subclass)]);
      return;
    case FrameType.VIDEO:
      expect('iax2.video.codec', [BigInt(subclass)]);
      expect('iax2.video.marker', [marker ? 1n : 0n]);
      return;
    case FrameType.DTMF_END:
    case FrameType.DTMF_BEGIN:
      expect('iax2.dtmf.subclass', [String.fromCharCode(subclass)]);
      return;
    case FrameType.TEXT:
      expect('iax2.text.subclass', [BigInt(subclass)]);
      return;
    case FrameType.MODEM:
      expect('iax2.modem.subclass', [BigInt(subclass)]);
      return;
    case FrameType.HTML:
      expect('iax2.html.subclass', [BigInt(subclass)]);
      return;
    default:
      expect('iax2.subclass', [BigInt(compressSubclass(subclass))]);
  }
}

/** True when tshark flagged the frame malformed or raised an error-severity expert item. */
export function tsharkSawError(tshark: FieldValues): boolean {
  const severities = tshark['_ws.expert.severity'] ?? [];
  return (tshark['_ws.malformed'] ?? []).length > 0 || severities.some((s) => Number(s) >= 8388608);
}
