import { StrowgerError } from '../../shared/errors.ts';

/**
 * Parses a datagram written as hex, as people paste it: "92 34 00 00", "92:34:00:00",
 * "0x9234 0000" or one run of digits. Throws STROWGER_ERR_BAD_HEX naming the problem.
 */
export function parseHexDatagram(text: string): Buffer {
  const digits = text.replace(/0x/gi, '').replace(/[\s:.-]/g, '');
  const bad = /[^0-9a-fA-F]/.exec(digits);
  if (bad !== null) {
    throw new StrowgerError('STROWGER_ERR_BAD_HEX', `"${bad[0]}" is not a hex digit`);
  }
  if (digits.length % 2 !== 0) {
    throw new StrowgerError('STROWGER_ERR_BAD_HEX', `${digits.length} hex digits is an odd count; each byte takes two`);
  }
  return Buffer.from(digits, 'hex');
}
