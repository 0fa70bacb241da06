import type { Frame } from './frame.ts';
import { frameTypes } from './frame-types.ts';
import { formatValue, ieLabel } from './ie.ts';
import { subclassName } from './subclass-name.ts';

export interface DumpOptions {
  /** "Rx" or "Tx", as Asterisk prefixes its `iax2 set debug` lines. */
  direction?: 'Rx' | 'Tx';
  /** The remote address, shown at the end of the line. */
  peer?: string;
}

/**
 * One human-readable line per frame, modelled on Asterisk's `iax2 set debug` output (which
 * spreads the same facts over several lines), with the IEs inline:
 *
 *   Rx-Frame Retry[ No] OSeqno: 000 ISeqno: 000 Type: IAX Subclass: NEW Timestamp: 00003ms
 *   SCall: 04660 DCall: 00000 [VERSION(0x0b)=2 CALLED_NUMBER(0x01)="100" ...]
 */
export function dumpFrame(frame: Frame, options: DumpOptions = {}): string {
  const prefix = options.direction === undefined ? '' : `${options.direction}-`;
  const suffix = options.peer === undefined ? '' : ` ${options.peer}`;
  switch (frame.kind) {
    case 'full': {
      const type = frameTypes.nameOf(frame.frameType) ?? `TYPE_${frame.frameType}`;
      let line =
        `${prefix}Frame Retry[${frame.retransmitted ? 'Yes' : ' No'}] ` +
        `OSeqno: ${pad(frame.oseqno, 3)} ISeqno: ${pad(frame.iseqno, 3)} ` +
        `Type: ${type} Subclass: ${subclassName(frame.frameType, frame.subclass)}` +
        (frame.videoMarker === true ? ' Marker' : '') +
        ` Timestamp: ${pad(frame.timestamp, 5)}ms SCall: ${pad(frame.sourceCall, 5)} DCall: ${pad(frame.destCall, 5)}`;
      if (frame.ies !== undefined) {
        line += ` [${frame.ies.map((ie) => `${ieLabel(ie.id)}=${formatValue(ie.value)}`).join(' ')}]`;
      } else if (frame.payload !== undefined && frame.payload.length > 0) {
        line += ` Payload: ${frame.payload.length} bytes`;
      }
      return line + suffix;
    }
    case 'mini':
      return `${prefix}Mini SCall: ${pad(frame.sourceCall, 5)} Timestamp: 0x${hex4(frame.timestamp)} Payload: ${frame.payload.length} bytes${suffix}`;
    case 'meta-video':
      return (
        `${prefix}VideoMini SCall: ${pad(frame.sourceCall, 5)} Timestamp: 0x${hex4(frame.timestamp)}` +
        `${frame.marker ? ' Marker' : ''} Payload: ${frame.payload.length} bytes${suffix}`
      );
    case 'meta-trunk': {
      const entries = frame.entries
        .map((e) => `call ${e.call}${e.timestamp === undefined ? '' : ` ts 0x${hex4(e.timestamp)}`} ${e.payload.length}B`)
        .join(', ');
      return (
        `${prefix}Trunk Timestamp: ${pad(frame.timestamp, 5)}ms ${frame.withTimestamps ? 'WithTimestamps' : 'NoTimestamps'} ` +
        `Entries: ${frame.entries.length} [${entries}]${suffix}`
      );
    }
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
