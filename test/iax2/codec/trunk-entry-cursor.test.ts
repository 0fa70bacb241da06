import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMetaTrunkFrame, DecodeErrorCode, Iax2DecodeError, TrunkEntryCursor } from '../../../services/iax2/codec/index.ts';

// protocol.md TV7: trunk ts 100, two 160-byte entries for sender calls 0x1234 and 0x0456, entry ts 0x86A0.
const payload = (fill: number): Buffer => Buffer.alloc(160, fill);
const withTs = Buffer.concat([Buffer.from('0000010100000064', 'hex'), Buffer.from('00a0123486a0', 'hex'), payload(1), Buffer.from('00a0045686a0', 'hex'), payload(2)]);
const plain = Buffer.concat([Buffer.from('0000010000000064', 'hex'), Buffer.from('123400a0', 'hex'), payload(1), Buffer.from('045600a0', 'hex'), payload(2)]);

function read(cursor: TrunkEntryCursor, datagram: Buffer): Array<[number, number, string]> {
  const out: Array<[number, number, string]> = [];
  cursor.reset(datagram);
  while (cursor.next()) out.push([cursor.call, cursor.timestamp, cursor.payload().toString('hex')]);
  return out;
}

describe('trunk entry cursor (the receive path\'s reading of meta trunk frames)', () => {
  it('reads both forms as decodeMetaTrunkFrame does, one cursor for every datagram', () => {
    const cursor = new TrunkEntryCursor();
    for (const datagram of [withTs, plain, withTs]) {
      const frame = decodeMetaTrunkFrame(datagram);
      assert.deepEqual(read(cursor, datagram), frame.entries.map((e) => [e.call, e.timestamp ?? -1, e.payload.toString('hex')]));
      assert.equal(cursor.trunkTimestamp, 100);
      assert.equal(cursor.withTimestamps, frame.withTimestamps);
    }
  });

  it('throws the decoder\'s errors, after the entries before the bad one', () => {
    const cursor = new TrunkEntryCursor();
    const overrun = Buffer.concat([plain, Buffer.from('0789ffff00', 'hex')]);
    const seen: number[] = [];
    cursor.reset(overrun);
    assert.throws(() => {
      while (cursor.next()) seen.push(cursor.call);
    }, (e: unknown) => e instanceof Iax2DecodeError && e.code === DecodeErrorCode.TRUNK_ENTRY_OVERRUN);
    assert.deepEqual(seen, [0x1234, 0x0456]);
    assert.throws(() => cursor.reset(Buffer.from('00000102000000640000', 'hex')), (e: unknown) => e instanceof Iax2DecodeError && e.code === DecodeErrorCode.BAD_TRUNK_DATA);
    cursor.reset(Buffer.concat([plain, Buffer.from('07', 'hex')]));
    assert.throws(() => {
      while (cursor.next());
    }, (e: unknown) => e instanceof Iax2DecodeError && e.code === DecodeErrorCode.TRUNK_ENTRY_TRUNCATED);
  });
});
