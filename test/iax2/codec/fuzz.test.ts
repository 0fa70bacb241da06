// Bounded fuzz: random and mutated datagrams through decode. The only error allowed out of the
// decoder is Iax2DecodeError; whatever decodes must dump, render as JSON and re-encode stably.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  decodeDatagram,
  dumpFrame,
  encode,
  FrameType,
  frameToJson,
  Iax2DecodeError,
  IaxCommand,
  IeId,
  type Frame,
} from '../../../services/iax2/codec/index.ts';
import { SeededRandom } from '../../helpers/seeded-random.ts';

const ITERATIONS = 100_000;
const SEED = Number(process.env.FUZZ_SEED ?? 0x1a2b3c4d);

function seeds(): Buffer[] {
  const frames: Frame[] = [
    {
      kind: 'full', sourceCall: 0x1234, destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0,
      frameType: FrameType.IAX, subclass: IaxCommand.NEW,
      ies: [
        { id: IeId.VERSION, value: 2 }, { id: IeId.CALLED_NUMBER, value: '100' }, { id: IeId.USERNAME, value: 'alice' },
        { id: IeId.FORMAT2, value: 4n }, { id: IeId.APPARENT_ADDR, value: { family: 'IPv4', address: '10.1.2.3', port: 4569 } },
        { id: IeId.DATETIME, value: 0x306f6daf }, { id: IeId.CALLTOKEN, value: Buffer.alloc(0) },
      ],
    },
    { kind: 'full', sourceCall: 2, destCall: 3, retransmitted: true, timestamp: 9, oseqno: 1, iseqno: 2, frameType: FrameType.VOICE, subclass: 4, payload: Buffer.alloc(20, 1) },
    { kind: 'mini', sourceCall: 77, timestamp: 0xfff0, payload: Buffer.alloc(20, 2) },
    { kind: 'meta-video', sourceCall: 9, timestamp: 5, marker: true, payload: Buffer.alloc(8, 3) },
    { kind: 'meta-trunk', timestamp: 40, withTimestamps: true, entries: [{ call: 5, timestamp: 6, payload: Buffer.alloc(10) }, { call: 6, timestamp: 7, payload: Buffer.alloc(3) }] },
    { kind: 'meta-trunk', timestamp: 40, withTimestamps: false, entries: [{ call: 5, payload: Buffer.alloc(10) }] },
  ];
  return frames.map((f) => encode(f));
}

function mutate(rng: SeededRandom, seed: Buffer): Buffer {
  const buf = Buffer.from(seed);
  switch (rng.int(4)) {
    case 0: // flip a few bytes
      for (let n = 1 + rng.int(4); n > 0; n--) buf[rng.int(buf.length)] = rng.int(256);
      return buf;
    case 1: // truncate
      return buf.subarray(0, rng.int(buf.length + 1));
    case 2: // append junk
      return Buffer.concat([buf, rng.bytes(1 + rng.int(8))]);
    default: // corrupt a length-looking byte past the header
      if (buf.length > 13) buf[12 + rng.int(buf.length - 12)] = rng.pick([0, 1, 2, 9, 0x7f, 0xff]);
      return buf;
  }
}

function randomDatagram(rng: SeededRandom): Buffer {
  const buf = rng.bytes(rng.int(96));
  // Steer the first bytes so every kind is hit often, not just full and mini.
  if (buf.length >= 3 && rng.int(3) === 0) {
    buf[0] = 0;
    buf[1] = 0;
    buf[2] = rng.pick([0x01, 0x02, 0x80, 0x81, 0x00]);
  }
  return buf;
}

it(`${ITERATIONS} random and mutated datagrams: nothing but Iax2DecodeError escapes (seed ${SEED})`, { timeout: 20_000 }, () => {
  const rng = new SeededRandom(SEED);
  const seedFrames = seeds();
  const counts = { decoded: 0, rejected: 0 };
  for (let i = 0; i < ITERATIONS; i++) {
    const datagram = i % 2 === 0 ? randomDatagram(rng) : mutate(rng, rng.pick(seedFrames));
    let frame: Frame;
    try {
      frame = decodeDatagram(datagram);
    } catch (err) {
      if (!(err instanceof Iax2DecodeError)) {
        assert.fail(`iteration ${i}: ${datagram.toString('hex')} threw ${String(err)}`);
      }
      counts.rejected++;
      continue;
    }
    counts.decoded++;
    dumpFrame(frame);
    JSON.stringify(frameToJson(frame));
    const once = encode(frame);
    assert.deepEqual(encode(decodeDatagram(once)), once, `iteration ${i}: re-encoding is stable for ${datagram.toString('hex')}`);
  }
  // Both outcomes must be common, or the generator is not exercising the decoder.
  assert.ok(counts.decoded > ITERATIONS / 10, `decoded ${counts.decoded}`);
  assert.ok(counts.rejected > ITERATIONS / 10, `rejected ${counts.rejected}`);
});
