import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../shared/clock.ts';
import { encode, FrameType, IaxCommand } from '../../../services/iax2/codec/index.ts';
import { Iax2Engine } from '../../../services/iax2/engine/engine.ts';
import type { DatagramListener, Transport } from '../../../services/iax2/transport.ts';

function engineWithHandle() {
  let deliver: DatagramListener = () => {};
  const sent: Buffer[] = [];
  const transport: Transport = {
    send: (d) => {
      sent.push(Buffer.from(d));
    },
    onDatagram: (listener) => {
      deliver = listener;
    },
    localAddress: () => ({ address: '127.0.0.1', port: 4569 }),
    close: () => {},
  };
  const engine = new Iax2Engine({ transport, clock: new ManualClock(), directory: { findUser: () => undefined } });
  return { engine, sent, deliver: (d: Buffer, waitedMs?: number) => deliver(d, { address: '192.0.2.1', port: 4569 }, waitedMs) };
}

const mini = Buffer.concat([Buffer.from('12340208', 'hex'), Buffer.alloc(160)]);
const trunk = Buffer.concat([Buffer.from('0000010000000064123400a0', 'hex'), Buffer.alloc(160)]);
const poke = encode({ kind: 'full', sourceCall: 77, destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0, frameType: FrameType.IAX, subclass: IaxCommand.POKE, ies: [] });

describe('stale media is shed, signalling is served (a worker that fell behind)', () => {
  it('drops mini and trunk frames that waited past staleMediaMs, before any lookup, and counts them', () => {
    const { engine, deliver } = engineWithHandle();
    deliver(mini, 41);
    deliver(trunk, 500);
    assert.deepEqual([engine.stats.droppedStaleMedia, engine.stats.droppedUnknownCall], [2, 0]);
    deliver(mini, 40);
    deliver(trunk);
    assert.deepEqual([engine.stats.droppedStaleMedia, engine.stats.droppedUnknownCall], [2, 2], 'within the bound: looked up as ever');
  });

  it('serves a full frame however long it waited', () => {
    const { engine, sent, deliver } = engineWithHandle();
    deliver(poke, 5000);
    assert.equal(sent.length, 1, 'the POKE got its PONG');
    assert.equal(engine.stats.droppedStaleMedia, 0);
  });
});
