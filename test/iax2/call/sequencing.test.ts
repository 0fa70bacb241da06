// The sequence verdict on its own: in order, duplicate or gap, modulo 256 over half the space.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isProcessedOutOfSequence, isUnsequenced, sequenceVerdict } from '../../../services/iax2/call/sequencing.ts';
import { IaxCommand } from '../../../services/iax2/codec/index.ts';

describe('sequence verdict (docs/protocol.md §4.2)', () => {
  it('the OSeqno we expect is in order', () => {
    assert.equal(sequenceVerdict(0, 0), 'in-order');
    assert.equal(sequenceVerdict(255, 255), 'in-order');
  });

  it('an older one is a duplicate, up to 127 behind, across the wrap', () => {
    assert.equal(sequenceVerdict(5, 4), 'duplicate');
    assert.equal(sequenceVerdict(5, 5 - 127 + 256), 'duplicate');
    assert.equal(sequenceVerdict(2, 250), 'duplicate', '250 came before 2 across the wrap');
  });

  it('a newer one is a gap (frames were lost in between), 128 ahead included', () => {
    assert.equal(sequenceVerdict(5, 6), 'gap');
    assert.equal(sequenceVerdict(250, 2), 'gap', '2 is ahead of 250 across the wrap');
    assert.equal(sequenceVerdict(0, 128), 'gap');
    assert.equal(sequenceVerdict(0, 129), 'duplicate');
  });

  it('ACK, INVAL, VNAK, TXCNT and TXACC take no sequence number; they and the transfer tail are processed out of order', () => {
    const unsequenced = [IaxCommand.ACK, IaxCommand.INVAL, IaxCommand.VNAK, IaxCommand.TXCNT, IaxCommand.TXACC];
    for (const command of unsequenced) assert.ok(isUnsequenced(command) && isProcessedOutOfSequence(command));
    for (const command of [IaxCommand.TXREADY, IaxCommand.TXREL, IaxCommand.UNQUELCH]) assert.ok(!isUnsequenced(command) && isProcessedOutOfSequence(command));
    for (const command of [IaxCommand.NEW, IaxCommand.HANGUP, IaxCommand.PING, IaxCommand.AUTHREP, -1]) assert.ok(!isUnsequenced(command) && !isProcessedOutOfSequence(command));
  });
});
