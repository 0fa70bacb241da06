/**
 * Address rules as iax.conf writes them: `permit=` / `deny=` lines with `addr/bits` or
 * `addr/netmask`, and the `[callnumberlimits]` networks. Rules are tried in order and the last
 * one that matches decides, as Asterisk's host-access lists do; no match means allowed.
 */
import { StrowgerError } from '../../shared/errors.ts';
import { parseIPv4, parseIPv6 } from './codec/ip-text.ts';

export interface Network {
  /** 4 bytes for IPv4, 16 for IPv6. */
  bytes: Uint8Array;
  prefixLength: number;
}

export interface AclRule {
  action: 'permit' | 'deny';
  network: Network;
}

/** The 4 or 16 bytes of an address; an IPv4-mapped IPv6 address counts as IPv4. */
export function addressBytes(address: string): Uint8Array | undefined {
  const v4 = new Uint8Array(4);
  if (parseIPv4(address, v4, 0)) return v4;
  const v6 = new Uint8Array(16);
  if (!parseIPv6(address, v6, 0)) return undefined;
  const mapped = v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

/** Parses "10.0.0.0/8", "10.0.0.0/255.0.0.0", "2001:db8::/32" or a bare address (a host). */
export function parseNetwork(text: string): Network {
  const [addressText = '', maskText] = text.trim().split('/');
  const bytes = addressBytes(addressText);
  if (bytes === undefined) throw new StrowgerError('IAX2_ERR_BAD_NETWORK', `"${text}" is not an address or network`);
  const bits = bytes.length * 8;
  let prefixLength = bits;
  if (maskText !== undefined) {
    if (/^\d+$/.test(maskText)) prefixLength = Number(maskText);
    else {
      const mask = addressBytes(maskText);
      if (mask === undefined || mask.length !== bytes.length) {
        throw new StrowgerError('IAX2_ERR_BAD_NETWORK', `"${maskText}" is not a netmask for ${addressText}`);
      }
      prefixLength = maskToPrefix(mask);
      if (prefixLength < 0) throw new StrowgerError('IAX2_ERR_BAD_NETWORK', `"${maskText}" is not a contiguous netmask`);
    }
    if (prefixLength > bits) throw new StrowgerError('IAX2_ERR_BAD_NETWORK', `/${prefixLength} is longer than ${bits} bits`);
  }
  return { bytes, prefixLength };
}

function maskToPrefix(mask: Uint8Array): number {
  let prefix = 0;
  let ended = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const set = (byte >> bit) & 1;
      if (set && ended) return -1;
      if (set) prefix++;
      else ended = true;
    }
  }
  return prefix;
}

export function networkContains(network: Network, address: Uint8Array): boolean {
  if (network.bytes.length !== address.length) return false;
  let remaining = network.prefixLength;
  for (let i = 0; remaining > 0; i++, remaining -= 8) {
    const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
    if (((network.bytes[i] ?? 0) & mask) !== ((address[i] ?? 0) & mask)) return false;
  }
  return true;
}

export function parseAcl(lines: ReadonlyArray<{ action: 'permit' | 'deny'; network: string }>): AclRule[] {
  return lines.map((line) => ({ action: line.action, network: parseNetwork(line.network) }));
}

/** True when the last rule matching `address` permits it, or no rule matches. */
export function aclAllows(rules: readonly AclRule[], address: string): boolean {
  if (rules.length === 0) return true;
  const bytes = addressBytes(address);
  if (bytes === undefined) return false;
  let allowed = true;
  for (const rule of rules) if (networkContains(rule.network, bytes)) allowed = rule.action === 'permit';
  return allowed;
}
