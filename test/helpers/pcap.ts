// Reads UDP datagrams out of pcapng and classic pcap files, and writes classic pcap files of
// our own datagrams for tshark to dissect. Test-only; written from the file format
// specifications (pcapng draft-ietf-opsawg-pcapng, libpcap's savefile format).
import { readFileSync, writeFileSync } from 'node:fs';

export interface CapturedDatagram {
  /** 1-based, counting every packet in the file (as tshark's frame.number does). */
  frameNumber: number;
  /** Capture time, microseconds since the Unix epoch. */
  timeUs: bigint;
  srcAddress: string;
  srcPort: number;
  dstAddress: string;
  dstPort: number;
  payload: Buffer;
}

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;

interface Packet {
  linkType: number;
  timeUs: bigint;
  data: Buffer;
}

export function readCapture(path: string): CapturedDatagram[] {
  const file = readFileSync(path);
  const packets = isPcapng(file) ? readPcapng(file, path) : readClassicPcap(file, path);
  const datagrams: CapturedDatagram[] = [];
  packets.forEach((packet, index) => {
    const udp = extractUdp(packet);
    if (udp !== undefined) datagrams.push({ frameNumber: index + 1, timeUs: packet.timeUs, ...udp });
  });
  return datagrams;
}

function isPcapng(file: Buffer): boolean {
  return file.length >= 4 && file.readUInt32LE(0) === 0x0a0d0d0a;
}

/** pcapng: blocks of [type u32][total length u32][body][total length u32], SHB first. */
function readPcapng(file: Buffer, path: string): Packet[] {
  const packets: Packet[] = [];
  let littleEndian = true;
  let interfaces: Array<{ linkType: number; unitsPerSecond: bigint }> = [];
  let offset = 0;
  const u32 = (at: number): number => (littleEndian ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const u16 = (at: number): number => (littleEndian ? file.readUInt16LE(at) : file.readUInt16BE(at));
  while (offset + 12 <= file.length) {
    const type = file.readUInt32LE(offset);
    if (type === 0x0a0d0d0a) {
      // Section header: the byte-order magic decides how everything after it is read.
      const magic = file.readUInt32LE(offset + 8);
      if (magic === 0x1a2b3c4d) littleEndian = true;
      else if (magic === 0x4d3c2b1a) littleEndian = false;
      else throw new Error(`${path}: pcapng section header at ${offset} has a bad byte-order magic`);
      interfaces = [];
    }
    const length = u32(offset + 4);
    if (length < 12 || offset + length > file.length) throw new Error(`${path}: pcapng block at ${offset} has a bad length ${length}`);
    const body = offset + 8;
    const blockType = type === 0x0a0d0d0a ? type : u32(offset);
    if (blockType === 1) {
      // Interface description: link type, then options; if_tsresol (9) sets the time unit.
      let unitsPerSecond = 1_000_000n;
      let opt = body + 8;
      const end = offset + length - 4;
      while (opt + 4 <= end) {
        const code = u16(opt);
        const optLength = u16(opt + 2);
        if (code === 0) break;
        if (code === 9 && optLength >= 1) {
          const resolution = file[opt + 4] ?? 6;
          unitsPerSecond = resolution & 0x80 ? 2n ** BigInt(resolution & 0x7f) : 10n ** BigInt(resolution);
        }
        opt += 4 + optLength + ((4 - (optLength % 4)) % 4);
      }
      interfaces.push({ linkType: u16(body), unitsPerSecond });
    } else if (blockType === 6) {
      // Enhanced packet: interface id, timestamp (high, low), captured length, original length, data.
      const iface = interfaces[u32(body)];
      if (iface === undefined) throw new Error(`${path}: packet at ${offset} names an undescribed interface`);
      const ticks = (BigInt(u32(body + 4)) << 32n) | BigInt(u32(body + 8));
      const captured = u32(body + 12);
      packets.push({ linkType: iface.linkType, timeUs: (ticks * 1_000_000n) / iface.unitsPerSecond, data: file.subarray(body + 20, body + 20 + captured) });
    } else if (blockType === 3) {
      // Simple packet: original length, then data up to the block's end; interface 0; no time.
      const iface = interfaces[0];
      if (iface === undefined) throw new Error(`${path}: simple packet at ${offset} without an interface`);
      const captured = Math.min(u32(body), length - 16);
      packets.push({ linkType: iface.linkType, timeUs: 0n, data: file.subarray(body + 4, body + 4 + captured) });
    }
    offset += length;
  }
  return packets;
}

/** Classic pcap: 24-byte global header, then [ts sec][ts frac][incl len][orig len][data] records. */
function readClassicPcap(file: Buffer, path: string): Packet[] {
  if (file.length < 24) throw new Error(`${path}: neither pcapng nor pcap (too short)`);
  const magicLE = file.readUInt32LE(0);
  let littleEndian: boolean;
  let nanoseconds: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    littleEndian = true;
    nanoseconds = magicLE === 0xa1b23c4d;
  } else if (file.readUInt32BE(0) === 0xa1b2c3d4 || file.readUInt32BE(0) === 0xa1b23c4d) {
    littleEndian = false;
    nanoseconds = file.readUInt32BE(0) === 0xa1b23c4d;
  } else {
    throw new Error(`${path}: neither pcapng nor pcap (unknown magic 0x${magicLE.toString(16)})`);
  }
  const u32 = (at: number): number => (littleEndian ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const linkType = u32(20) & 0x0fffffff;
  const packets: Packet[] = [];
  for (let offset = 24; offset + 16 <= file.length; ) {
    const seconds = BigInt(u32(offset));
    const fraction = BigInt(u32(offset + 4));
    const captured = u32(offset + 8);
    const timeUs = seconds * 1_000_000n + (nanoseconds ? fraction / 1000n : fraction);
    packets.push({ linkType, timeUs, data: file.subarray(offset + 16, offset + 16 + captured) });
    offset += 16 + captured;
  }
  return packets;
}

function extractUdp(packet: Packet): Omit<CapturedDatagram, 'frameNumber' | 'timeUs'> | undefined {
  const { data } = packet;
  let etherType: number | undefined;
  let ip = 0;
  switch (packet.linkType) {
    case LINKTYPE_ETHERNET:
      if (data.length < 14) return undefined;
      etherType = data.readUInt16BE(12);
      ip = 14;
      if (etherType === 0x8100 && data.length >= 18) {
        etherType = data.readUInt16BE(16);
        ip = 18;
      }
      break;
    case LINKTYPE_NULL: {
      if (data.length < 4) return undefined;
      const family = data.readUInt32LE(0) > 0xffff ? data.readUInt32BE(0) : data.readUInt32LE(0);
      etherType = family === 2 ? 0x0800 : [24, 28, 30].includes(family) ? 0x86dd : undefined;
      ip = 4;
      break;
    }
    case LINKTYPE_RAW:
      etherType = (data[0] ?? 0) >> 4 === 6 ? 0x86dd : 0x0800;
      break;
    case LINKTYPE_LINUX_SLL:
      if (data.length < 16) return undefined;
      etherType = data.readUInt16BE(14);
      ip = 16;
      break;
    case LINKTYPE_LINUX_SLL2:
      if (data.length < 20) return undefined;
      etherType = data.readUInt16BE(0);
      ip = 20;
      break;
    default:
      return undefined;
  }
  if (etherType === 0x0800) {
    if (data.length < ip + 20 || (data[ip] ?? 0) >> 4 !== 4) return undefined;
    const headerLength = ((data[ip] ?? 0) & 0x0f) * 4;
    const flagsFragment = data.readUInt16BE(ip + 6);
    if ((flagsFragment & 0x1fff) !== 0 || (flagsFragment & 0x2000) !== 0) return undefined; // fragments
    if (data[ip + 9] !== 17) return undefined;
    const src = [...data.subarray(ip + 12, ip + 16)].join('.');
    const dst = [...data.subarray(ip + 16, ip + 20)].join('.');
    return udpAt(data, ip + headerLength, src, dst);
  }
  if (etherType === 0x86dd) {
    if (data.length < ip + 40 || data[ip + 6] !== 17) return undefined;
    const words = (at: number): string => Array.from({ length: 8 }, (_, i) => data.readUInt16BE(at + i * 2).toString(16)).join(':');
    return udpAt(data, ip + 40, words(ip + 8), words(ip + 24));
  }
  return undefined;
}

function udpAt(data: Buffer, at: number, srcAddress: string, dstAddress: string): Omit<CapturedDatagram, 'frameNumber' | 'timeUs'> | undefined {
  if (data.length < at + 8) return undefined;
  const udpLength = data.readUInt16BE(at + 4);
  const end = Math.min(data.length, at + Math.max(8, udpLength));
  return {
    srcAddress,
    srcPort: data.readUInt16BE(at),
    dstAddress,
    dstPort: data.readUInt16BE(at + 2),
    payload: data.subarray(at + 8, end),
  };
}

export interface DatagramToWrite {
  payload: Buffer;
  srcAddress?: string;
  srcPort?: number;
  dstAddress?: string;
  dstPort?: number;
}

const START_SECONDS = 1_700_000_000;

/** A classic little-endian microsecond pcap of raw IPv4/UDP packets, 1 ms apart. */
export function encodePcap(datagrams: readonly DatagramToWrite[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(LINKTYPE_RAW, 20);
  const records = datagrams.map((d, index) => {
    const packet = ipv4Udp(d, index);
    const record = Buffer.alloc(16);
    record.writeUInt32LE(START_SECONDS + Math.floor(index / 1000), 0);
    record.writeUInt32LE((index % 1000) * 1000, 4);
    record.writeUInt32LE(packet.length, 8);
    record.writeUInt32LE(packet.length, 12);
    return Buffer.concat([record, packet]);
  });
  return Buffer.concat([header, ...records]);
}

export function writePcap(path: string, datagrams: readonly DatagramToWrite[]): void {
  writeFileSync(path, encodePcap(datagrams));
}

function ipv4Udp(d: DatagramToWrite, index: number): Buffer {
  const packet = Buffer.alloc(28 + d.payload.length);
  packet[0] = 0x45;
  packet.writeUInt16BE(packet.length, 2);
  packet.writeUInt16BE((index + 1) & 0xffff, 4);
  packet[8] = 64;
  packet[9] = 17;
  writeIPv4(packet, 12, d.srcAddress ?? '127.0.0.1');
  writeIPv4(packet, 16, d.dstAddress ?? '127.0.0.1');
  packet.writeUInt16BE(ipv4HeaderChecksum(packet.subarray(0, 20)), 10);
  packet.writeUInt16BE(d.srcPort ?? 4569, 20);
  packet.writeUInt16BE(d.dstPort ?? 4569, 22);
  packet.writeUInt16BE(8 + d.payload.length, 24);
  // UDP checksum 0: "not computed", which IPv4 allows.
  d.payload.copy(packet, 28);
  return packet;
}

function writeIPv4(buf: Buffer, at: number, address: string): void {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`writePcap writes IPv4 only, not "${address}"`);
  }
  parts.forEach((p, i) => (buf[at + i] = p));
}

/** RFC 791: ones' complement of the ones' complement sum of the header's 16-bit words. */
export function ipv4HeaderChecksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) if (i !== 10) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
