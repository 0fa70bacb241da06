import type { Ie } from './ie.ts';
import { IeId } from './ie-table.ts';

/** Typed reads of decoded IEs: the first occurrence, or undefined when absent or mistyped. */
export function ieString(ies: readonly Ie[] | undefined, id: number): string | undefined {
  const value = ies?.find((ie) => ie.id === id)?.value;
  return typeof value === 'string' ? value : undefined;
}

export function ieNumber(ies: readonly Ie[] | undefined, id: number): number | undefined {
  const value = ies?.find((ie) => ie.id === id)?.value;
  return typeof value === 'number' ? value : undefined;
}

export function ieBytes(ies: readonly Ie[] | undefined, id: number): Buffer | undefined {
  const value = ies?.find((ie) => ie.id === id)?.value;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value === null) return Buffer.alloc(0);
  return undefined;
}

export function hasIe(ies: readonly Ie[] | undefined, id: number): boolean {
  return ies?.some((ie) => ie.id === id) ?? false;
}

/**
 * A format mask as Asterisk reads it (protocol.md §3.2): a valid 64-bit IE always wins; the
 * 32-bit IE is used only when no 64-bit value was given.
 */
export function ieFormat(ies: readonly Ie[] | undefined, id32: number, id64: number): bigint {
  let mask = 0n;
  for (const ie of ies ?? []) {
    if (ie.id === id64 && typeof ie.value === 'bigint') mask = ie.value;
  }
  if (mask !== 0n) return mask;
  const low = ieNumber(ies, id32);
  return low === undefined ? 0n : BigInt(low);
}

export function peerCapability(ies: readonly Ie[] | undefined): bigint {
  const capability = ieFormat(ies, IeId.CAPABILITY, IeId.CAPABILITY2);
  // A NEW without CAPABILITY offers just its FORMAT (protocol.md §3.2).
  return capability !== 0n ? capability : ieFormat(ies, IeId.FORMAT, IeId.FORMAT2);
}
