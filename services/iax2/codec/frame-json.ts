import { formatDateTime } from './datetime.ts';
import type { Frame } from './frame.ts';
import { FrameType, frameTypes } from './frame-types.ts';
import type { Ie, IeValue } from './ie.ts';
import { ieIds } from './ie-table.ts';
import { formatSockAddr } from './sockaddr.ts';
import { subclassName } from './subclass-name.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * The JSON view of a frame that `strowger decode --json` prints, one object per datagram:
 * full frames by header field with names for type and subclass and an `ies` object keyed by
 * the IE's lower-case name; mini, video mini and trunk frames by header field and payload size.
 * Text stays text, integers are numbers (a 64-bit mask above 2^53 a decimal string), addresses
 * "ip:port", DATETIME "YYYY-MM-DDTHH:MM:SS", other bytes lowercase hex. An IE that appears more
 * than once becomes an array of its values in wire order.
 */
export function frameToJson(frame: Frame): { [key: string]: JsonValue } {
  switch (frame.kind) {
    case 'full': {
      const json: { [key: string]: JsonValue } = {
        kind: 'full',
        sourceCall: frame.sourceCall,
        destCall: frame.destCall,
        retransmitted: frame.retransmitted,
        timestamp: frame.timestamp,
        oseqno: frame.oseqno,
        iseqno: frame.iseqno,
        frameType: frameTypes.nameOf(frame.frameType) ?? frame.frameType,
        subclass: subclassName(frame.frameType, frame.subclass),
      };
      if (frame.frameType === FrameType.IAX) json.ies = iesToJson(frame.ies ?? []);
      return json;
    }
    case 'mini':
      return { kind: 'mini', sourceCall: frame.sourceCall, timestamp: frame.timestamp, payloadLength: frame.payload.length };
    case 'meta-video':
      return {
        kind: 'meta-video',
        sourceCall: frame.sourceCall,
        timestamp: frame.timestamp,
        marker: frame.marker,
        payloadLength: frame.payload.length,
      };
    case 'meta-trunk':
      return {
        kind: 'meta-trunk',
        timestamp: frame.timestamp,
        withTimestamps: frame.withTimestamps,
        entries: frame.entries.map((entry) => {
          const json: { [key: string]: JsonValue } = { call: entry.call };
          if (entry.timestamp !== undefined) json.timestamp = entry.timestamp;
          json.payloadLength = entry.payload.length;
          return json;
        }),
      };
  }
}

export function iesToJson(ies: readonly Ie[]): { [key: string]: JsonValue } {
  const json: { [key: string]: JsonValue } = {};
  for (const ie of ies) {
    const key = ieJsonKey(ie.id);
    const value = ieValueToJson(ie.value);
    const previous = json[key];
    if (previous === undefined) json[key] = value;
    // No single IE value is an array, so an array here is a list of repeats.
    else if (Array.isArray(previous)) previous.push(value);
    else json[key] = [previous, value];
  }
  return json;
}

/** "called_number" for CALLED_NUMBER; "ie_127" for an id we have no name for. */
export function ieJsonKey(id: number): string {
  return ieIds.nameOf(id)?.toLowerCase() ?? `ie_${id}`;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function ieValueToJson(value: IeValue): JsonValue {
  if (value === null) return null;
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return value > MAX_SAFE ? value.toString() : Number(value);
  if ('family' in value) return formatSockAddr(value);
  return formatDateTime(value);
}
