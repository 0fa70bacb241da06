/**
 * IP addresses and CIDR ranges of both families as numbers, so a range test is a shift and a
 * compare: what the static-host rules (peer-address-policy.ts) and the operator's allowed
 * networks are written in.
 */
import { isIP } from 'node:net';

export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

export interface IpRange {
  family: 4 | 6;
  /** The network's first address (host bits cleared). */
  base: bigint;
  bits: number;
  /** As written, for messages. */
  text: string;
}

const width = (family: 4 | 6): number => (family === 4 ? 32 : 128);

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6Value(text: string): bigint {
  // A dotted IPv4 tail (::ffff:192.0.2.1) is two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  const hex = tail.includes('.') ? `${text.slice(0, lastColon + 1)}${(ipv4Value(tail) >> 16n).toString(16)}:${(ipv4Value(tail) & 0xffffn).toString(16)}` : text;
  const [left = '', right] = hex.split('::');
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const head = groups(left);
  const rest = right === undefined ? [] : groups(right);
  const all = right === undefined ? head : [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest];
  return all.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** An address as written (IPv6 optionally in brackets or with a zone), or undefined for anything else. */
export function parseIp(written: string): IpAddress | undefined {
  const text = written.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const family = isIP(text);
  if (family === 4) return { family: 4, value: ipv4Value(text) };
  if (family === 6) return { family: 6, value: ipv6Value(text) };
  return undefined;
}

/** `10.0.0.0/8`, `fd00::/8`, or a single address (its own /32 or /128); undefined when not one. */
export function parseCidr(text: string): IpRange | undefined {
  const [address = '', bitsText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIp(address);
  if (ip === undefined) return undefined;
  const max = width(ip.family);
  if (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = bitsText === undefined ? max : Number(bitsText);
  if (bits > max) return undefined;
  const hostBits = BigInt(max - bits);
  return { family: ip.family, base: (ip.value >> hostBits) << hostBits, bits, text: text.trim() };
}

export function inRange(address: IpAddress, range: IpRange): boolean {
  if (address.family !== range.family) return false;
  const hostBits = BigInt(width(range.family) - range.bits);
  return address.value >> hostBits === range.base >> hostBits;
}

/** The IPv4 address an IPv6 one carries: IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16). */
export function embeddedIpv4(address: IpAddress): IpAddress | undefined {
  if (address.family !== 6) return undefined;
  const low32 = address.value & 0xffffffffn;
  if (address.value >> 32n === 0xffffn || address.value >> 32n === 0x0064ff9b0000000000000000n) return { family: 4, value: low32 };
  if (address.value >> 112n === 0x2002n) return { family: 4, value: (address.value >> 80n) & 0xffffffffn };
  return undefined;
}

export function formatIp(address: IpAddress): string {
  if (address.family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((address.value >> shift) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}
