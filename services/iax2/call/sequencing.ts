/**
 * What a call does with a full frame's OSeqno (RFC 5456 §7; protocol.md §4.2): the frame we
 * expect next is processed and moves our ISeqno on; an older one is a duplicate (re-ACKed,
 * then dropped); a newer one means frames were lost in between (VNAK, then dropped). The
 * comparison is modulo 256 over half the sequence space. Some commands carry no sequence
 * number of their own and are processed whatever their OSeqno says.
 */
import { IaxCommand } from '../codec/index.ts';

export type SequenceVerdict = 'in-order' | 'duplicate' | 'gap';

/** Where `oseqno` stands against the ISeqno we expect next. */
export function sequenceVerdict(expected: number, oseqno: number): SequenceVerdict {
  if (oseqno === expected) return 'in-order';
  return ((expected - oseqno) & 0xff) < 128 ? 'duplicate' : 'gap';
}

/** ACK, INVAL, VNAK, TXCNT and TXACC take no sequence number: they never move our ISeqno (protocol.md §4.1). */
export function isUnsequenced(command: number): boolean {
  return command === IaxCommand.ACK || command === IaxCommand.INVAL || command === IaxCommand.VNAK ||
    command === IaxCommand.TXCNT || command === IaxCommand.TXACC;
}

/** Commands processed even out of sequence: the unsequenced ones and the transfer handshake's last steps (protocol.md §4.2). */
export function isProcessedOutOfSequence(command: number): boolean {
  return isUnsequenced(command) || command === IaxCommand.TXREADY || command === IaxCommand.TXREL || command === IaxCommand.UNQUELCH;
}
