import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeDatagram, encode, compressSubclass, FrameType, type Frame } from '../../../services/iax2/codec/index.ts';

const dir = new URL('../../fixtures/iax2/', import.meta.url);
const names = readdirSync(dir).filter((f) => f.endsWith('.bin')).map((f) => f.slice(0, -4)).sort();

/** The numbers a `tshark -V` dissection states, read off its lines. */
function readDissection(text: string) {
  const grab = (pattern: RegExp): number[] => [...text.matchAll(pattern)].map((m) => Number(m[1]));
  return {
    sourceCall: grab(/= Source call: (\d+)$/gm),
    destCall: grab(/= Destination call: (\d+)$/gm),
    timestamp: grab(/^\s+Timestamp: (\d+)$/gm),
    oseqno: grab(/Outbound seq\.no\.: (\d+)$/gm),
    iseqno: grab(/Inbound seq\.no\.: (\d+)$/gm),
    frameType: grab(/^\s+Type: .* \((\d+)\)$/gm),
    iaxSubclass: grab(/IAX subclass: .* \((\d+)\)$/gm),
    controlSubclass: grab(/Control subclass: .* \((\d+)\)$/gm),
    ieIds: grab(/IE id: .* \((\d+)\)$/gm),
    trunkCalls: grab(/Source call number: (\d+)$/gm),
    trunkLengths: grab(/Data length: (\d+)$/gm),
  };
}

type Dissection = ReturnType<typeof readDissection>;

function ours(frame: Frame): Dissection {
  const none: number[] = [];
  if (frame.kind === 'full') {
    return {
      sourceCall: [frame.sourceCall], destCall: [frame.destCall], timestamp: [frame.timestamp],
      oseqno: [frame.oseqno], iseqno: [frame.iseqno], frameType: [frame.frameType],
      iaxSubclass: frame.frameType === FrameType.IAX ? [frame.subclass] : none,
      controlSubclass: frame.frameType === FrameType.CONTROL ? [compressSubclass(frame.subclass)] : none,
      ieIds: (frame.ies ?? []).map((ie) => ie.id), trunkCalls: none, trunkLengths: none,
    };
  }
  if (frame.kind === 'meta-trunk') {
    return {
      sourceCall: none, destCall: none, oseqno: none,
      // The trunk timestamp, then each entry's own (when the frame carries them).
      timestamp: [frame.timestamp, ...frame.entries.flatMap((e) => (e.timestamp === undefined ? [] : [e.timestamp]))], iseqno: none, frameType: none,
      iaxSubclass: none, controlSubclass: none, ieIds: none,
      trunkCalls: frame.entries.map((e) => e.call), trunkLengths: frame.entries.map((e) => e.payload.length),
    };
  }
  throw new Error(`no comparison written for ${frame.kind}`);
}

describe('wire fixtures (real Asterisk datagrams with their tshark dissection)', () => {
  it('there are fixtures to check', () => assert.ok(names.length >= 10, names.join(', ')));

  for (const name of names) {
    it(`${name}: decodes, re-encodes byte for byte, and agrees with its dissection`, () => {
      const bytes = readFileSync(new URL(`${name}.bin`, dir));
      const text = readFileSync(new URL(`${name}.txt`, dir), 'utf8');
      const frame = decodeDatagram(bytes);
      assert.deepEqual(encode(frame), bytes);
      const dissected = readDissection(text);
      if (frame.kind === 'mini') {
        // A mini frame's tshark timestamp is rebuilt from the call's history; its low 16 bits are ours.
        assert.deepEqual(dissected.sourceCall, [frame.sourceCall]);
        assert.equal((dissected.timestamp[0] ?? -1) & 0xffff, frame.timestamp);
        return;
      }
      const mine = ours(frame);
      if (frame.kind === 'meta-trunk' && !frame.withTimestamps) {
        // tshark 4.0 stops at the first entry of this form (a Wireshark bug, protocol.md §1.5).
        assert.match(text, /Malformed Packet/);
        assert.deepEqual(dissected.timestamp, [frame.timestamp]);
        return;
      }
      assert.deepEqual(dissected, mine);
    });
  }
});
