// Reads UDP datagrams out of pcapng and classic pcap files, and writes classic pcap files of
// our own datagrams for tshark to dissect. Test-only; written from the file format
// specifications (pcapng: draft-ietf-opsawg-pcapng; pcap: draft-ietf-opsawg-pcap) and the
// tcpdump.org link-layer header type list.
import { readFileSync, writeFileSync } from 'node:fs';

export interface CapturedDatagram {
  /** 1-based, counting every packet in the file (and every other record tshark's frame.number counts). */
  frameNumber: number;
  /** Capture time, microseconds since the Unix epoch. */
  timeUs: bigint;
  srcAddress: string;
  srcPort: number;
  dstAddress: string;
  dstPort: number;
  /** A view into the file's bytes, cut to the UDP length field (or to what was captured). */
  payload: Buffer;
}

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const IPPROTO_UDP = 17;

const PCAPNG_SHB = 0x0a0d0d0a; // a palindrome, so it reads the same in either byte order
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;

/** One captured frame, before any protocol is looked at. */
interface Frame {
  linkType: number;
  timeUs: bigint;
  data: Buffer;
}

/** A record tshark numbers as a frame but that holds no packet. */
const NOT_A_PACKET: Frame = { linkType: -1, timeUs: 0n, data: Buffer.alloc(0) };

export function readCapture(path: string): CapturedDatagram[] {
  return parseCapture(readFileSync(path), path);
}

/** readCapture on bytes already in memory; `name` only labels error messages. */
export function parseCapture(file: Buffer, name = 'capture'): CapturedDatagram[] {
  const frames = file.length >= 4 && file.readUInt32LE(0) === PCAPNG_SHB ? readPcapng(file, name) : readClassicPcap(file, name);
  const datagrams: CapturedDatagram[] = [];
  frames.forEach((frame, index) => {
    const udp = udpOf(frame);
    if (udp !== undefined) datagrams.push({ frameNumber: index + 1, timeUs: frame.timeUs, ...udp });
  });
  return datagrams;
}

/**
 * pcapng is a sequence of blocks, each [type u32][total length u32][body][total length u32],
 * in the byte order the preceding Section Header Block's magic declares. Interface ids in
 * packet blocks index the Interface Description Blocks of the current section.
 */
function readPcapng(file: Buffer, name: string): Frame[] {
  const frames: Frame[] = [];
  let littleEndian = true;
  let interfaces: Array<{ linkType: number; snapLength: number; unitsPerSecond: bigint; offsetSeconds: bigint }> = [];
  const u16 = (at: number): number => (littleEndian ? file.readUInt16LE(at) : file.readUInt16BE(at));
  const u32 = (at: number): number => (littleEndian ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const ticksAt = (at: number): bigint => (BigInt(u32(at)) << 32n) | BigInt(u32(at + 4));

  let offset = 0;
  while (offset < file.length) {
    if (offset + 12 > file.length) throw new Error(`${name}: pcapng file cut short in the block at byte ${offset}`);
    if (file.readUInt32LE(offset) === PCAPNG_SHB) {
      // SHB body: byte-order magic u32, major u16, minor u16, section length i64, options.
      const magic = file.readUInt32LE(offset + 8);
      if (magic === PCAPNG_BYTE_ORDER_MAGIC) littleEndian = true;
      else if (magic === 0x4d3c2b1a) littleEndian = false;
      else throw new Error(`${name}: pcapng section header at byte ${offset} has an unknown byte-order magic 0x${magic.toString(16)}`);
      interfaces = [];
    }
    const type = u32(offset);
    const length = u32(offset + 4);
    if (length < 12 || length % 4 !== 0 || offset + length > file.length || u32(offset + length - 4) !== length) {
      throw new Error(`${name}: pcapng block at byte ${offset} (type 0x${type.toString(16)}) has a bad length ${length}`);
    }
    const body = offset + 8;
    const end = offset + length - 4;
    const iface = (id: number): (typeof interfaces)[number] => {
      const found = interfaces[id];
      if (found === undefined) throw new Error(`${name}: packet block at byte ${offset} names interface ${id}, which no IDB describes`);
      return found;
    };
    const timeUs = (id: number, ticks: bigint): bigint => {
      const { unitsPerSecond, offsetSeconds } = iface(id);
      return (ticks * 1_000_000n) / unitsPerSecond + offsetSeconds * 1_000_000n;
    };

    switch (type) {
      case 1: {
        // IDB: link type u16, reserved u16, snap length u32, then options [code u16][length u16]
        // [value, padded to 4]. if_tsresol (9): 10^-n seconds, or 2^-n with the top bit set
        // (default 10^-6). if_tsoffset (14): seconds to add to every timestamp.
        let unitsPerSecond = 1_000_000n;
        let offsetSeconds = 0n;
        for (let opt = body + 8; opt + 4 <= end; ) {
          const code = u16(opt);
          const optLength = u16(opt + 2);
          if (code === 0) break; // opt_endofopt
          if (code === 9 && optLength >= 1) {
            const resolution = file[opt + 4] ?? 6;
            unitsPerSecond = resolution & 0x80 ? 2n ** BigInt(resolution & 0x7f) : 10n ** BigInt(resolution);
          } else if (code === 14 && optLength >= 8) {
            offsetSeconds = littleEndian ? file.readBigInt64LE(opt + 4) : file.readBigInt64BE(opt + 4);
          }
          opt += 4 + optLength + ((4 - (optLength % 4)) % 4);
        }
        interfaces.push({ linkType: u16(body), snapLength: u32(body + 4), unitsPerSecond, offsetSeconds });
        break;
      }
      case 6: {
        // EPB: interface id u32, timestamp high u32, low u32, captured length u32, original
        // length u32, packet data (padded to 4), options.
        const id = u32(body);
        const captured = Math.min(u32(body + 12), end - (body + 20));
        frames.push({ linkType: iface(id).linkType, timeUs: timeUs(id, ticksAt(body + 4)), data: file.subarray(body + 20, body + 20 + captured) });
        break;
      }
      case 3: {
        // SPB: original length u32, then the packet data; always interface 0, no timestamp.
        // Captured length is the smaller of original length and snap length (0 = unlimited).
        const { linkType, snapLength } = iface(0);
        let captured = Math.min(u32(body), end - (body + 4));
        if (snapLength !== 0) captured = Math.min(captured, snapLength);
        frames.push({ linkType, timeUs: 0n, data: file.subarray(body + 4, body + 4 + captured) });
        break;
      }
      case 2: {
        // Obsolete Packet Block: interface id u16, drops u16, timestamp high, low, captured
        // length, original length, data. Old writers still emit it and tshark counts it.
        const id = u16(body);
        const captured = Math.min(u32(body + 12), end - (body + 20));
        frames.push({ linkType: iface(id).linkType, timeUs: timeUs(id, ticksAt(body + 4)), data: file.subarray(body + 20, body + 20 + captured) });
        break;
      }
      case 9: // systemd Journal Export Block
      case 0x00000bad: // Custom Block, copiable
      case 0x40000bad: // Custom Block, not copiable
        // Not packets, but tshark 4.0 shows each as a frame, so they take a frame number.
        frames.push(NOT_A_PACKET);
        break;
      default:
      // Name resolution, interface statistics, decryption secrets, unknown types: no frame.
    }
    offset += length;
  }
  return frames;
}

/**
 * Classic pcap: a 24-byte header (magic, version, thiszone, sigfigs, snaplen, link type), then
 * records of [seconds u32][µs or ns u32][captured length u32][original length u32][data], all
 * in the byte order the magic reads correctly in.
 */
function readClassicPcap(file: Buffer, name: string): Frame[] {
  const notACapture = `${name}: neither pcapng nor pcap`;
  if (file.length < 24) throw new Error(`${notACapture} (only ${file.length} bytes)`);
  let littleEndian: boolean;
  if (file.readUInt32LE(0) === PCAP_MAGIC_US || file.readUInt32LE(0) === PCAP_MAGIC_NS) littleEndian = true;
  else if (file.readUInt32BE(0) === PCAP_MAGIC_US || file.readUInt32BE(0) === PCAP_MAGIC_NS) littleEndian = false;
  else throw new Error(`${notACapture} (unknown magic number 0x${file.readUInt32BE(0).toString(16).padStart(8, '0')})`);
  const u32 = (at: number): number => (littleEndian ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const nanoseconds = u32(0) === PCAP_MAGIC_NS;
  // The low 16 bits are the link type; the upper ones can carry FCS information.
  const linkType = u32(20) & 0xffff;

  const frames: Frame[] = [];
  let offset = 24;
  while (offset < file.length) {
    if (offset + 16 > file.length) throw new Error(`${name}: pcap file cut short in the record header at byte ${offset}`);
    const seconds = BigInt(u32(offset));
    const fraction = BigInt(u32(offset + 4));
    const captured = u32(offset + 8);
    if (offset + 16 + captured > file.length) throw new Error(`${name}: pcap file cut short in the packet at byte ${offset}`);
    frames.push({
      linkType,
      timeUs: seconds * 1_000_000n + (nanoseconds ? fraction / 1000n : fraction),
      data: file.subarray(offset + 16, offset + 16 + captured),
    });
    offset += 16 + captured;
  }
  return frames;
}

type Udp = Omit<CapturedDatagram, 'frameNumber' | 'timeUs'>;

/** The UDP datagram a frame carries, or undefined for anything else (left uncounted as UDP). */
function udpOf({ linkType, data }: Frame): Udp | undefined {
  const network = networkLayer(linkType, data);
  if (network === undefined) return undefined;
  const { etherType, at } = network;
  if (etherType === ETHERTYPE_IPV4) {
    if (data.length < at + 20 || (data[at] ?? 0) >> 4 !== 4) return undefined;
    const headerLength = ((data[at] ?? 0) & 0x0f) * 4;
    if (headerLength < 20 || data.length < at + headerLength) return undefined;
    // Only a whole datagram or a first fragment without MF carries the UDP header and all of
    // the payload; later fragments and incomplete first ones are skipped (no reassembly).
    const flagsAndOffset = data.readUInt16BE(at + 6);
    if ((flagsAndOffset & 0x1fff) !== 0 || (flagsAndOffset & 0x2000) !== 0) return undefined;
    if (data[at + 9] !== IPPROTO_UDP) return undefined;
    return udpAt(data, at + headerLength, ipv4Text(data, at + 12), ipv4Text(data, at + 16));
  }
  if (etherType === ETHERTYPE_IPV6) {
    // Fixed 40-byte header; next header must be UDP directly (extension headers not walked).
    if (data.length < at + 40 || (data[at] ?? 0) >> 4 !== 6 || data[at + 6] !== IPPROTO_UDP) return undefined;
    return udpAt(data, at + 40, ipv6Text(data, at + 8), ipv6Text(data, at + 24));
  }
  return undefined;
}

/** Where the IP header starts and which EtherType it has, per link-layer header type. */
function networkLayer(linkType: number, data: Buffer): { etherType: number; at: number } | undefined {
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      // dst(6) src(6) type(2); an 802.1Q tag inserts TPID 0x8100 + TCI(2) before the type.
      if (data.length < 14) return undefined;
      let etherType = data.readUInt16BE(12);
      let at = 14;
      if (etherType === 0x8100) {
        if (data.length < 18) return undefined;
        etherType = data.readUInt16BE(16);
        at = 18;
      }
      return { etherType, at };
    }
    case LINKTYPE_NULL: {
      // A 4-byte address family in the capturing host's byte order: AF_INET is 2 everywhere,
      // AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD) or 30 (macOS). A value with only the
      // upper 16 bits set was written big-endian.
      if (data.length < 4) return undefined;
      let family = data.readUInt32LE(0);
      if ((family & 0xffff) === 0) family = data.readUInt32BE(0);
      if (family === 2) return { etherType: ETHERTYPE_IPV4, at: 4 };
      if (family === 24 || family === 28 || family === 30) return { etherType: ETHERTYPE_IPV6, at: 4 };
      return undefined;
    }
    case LINKTYPE_RAW: {
      // No link header: the IP version nibble says which.
      const version = (data[0] ?? 0) >> 4;
      return version === 4 ? { etherType: ETHERTYPE_IPV4, at: 0 } : version === 6 ? { etherType: ETHERTYPE_IPV6, at: 0 } : undefined;
    }
    case LINKTYPE_LINUX_SLL:
      // packet type(2) ARPHRD(2) address length(2) address(8) protocol(2).
      return data.length < 16 ? undefined : { etherType: data.readUInt16BE(14), at: 16 };
    case LINKTYPE_LINUX_SLL2:
      // protocol(2) reserved(2) interface index(4) ARPHRD(2) packet type(1) address length(1) address(8).
      return data.length < 20 ? undefined : { etherType: data.readUInt16BE(0), at: 20 };
    default:
      return undefined;
  }
}

function udpAt(data: Buffer, at: number, srcAddress: string, dstAddress: string): Udp | undefined {
  if (data.length < at + 8) return undefined;
  // The UDP length field, not the frame's end, says where the payload stops (Ethernet pads
  // short frames); a capture cut by its snap length can hold less.
  const udpLength = data.readUInt16BE(at + 4);
  const end = udpLength >= 8 ? Math.min(data.length, at + udpLength) : data.length;
  return { srcAddress, srcPort: data.readUInt16BE(at), dstAddress, dstPort: data.readUInt16BE(at + 2), payload: data.subarray(at + 8, end) };
}

function ipv4Text(data: Buffer, at: number): string {
  return `${data[at]}.${data[at + 1]}.${data[at + 2]}.${data[at + 3]}`;
}

/** RFC 5952 text (lower case, longest run of two or more zero groups as "::"), as tshark shows it. */
function ipv6Text(data: Buffer, at: number): string {
  const groups = Array.from({ length: 8 }, (_, i) => data.readUInt16BE(at + i * 2));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export interface DatagramToWrite {
  payload: Buffer;
  /** Default 127.0.0.1. */
  srcAddress?: string;
  /** Default 4569, IAX2's port. */
  srcPort?: number;
  /** Default 127.0.0.1. */
  dstAddress?: string;
  /** Default 4569. */
  dstPort?: number;
}

/** A fixed start (2023-11-14T22:13:20Z) so the same datagrams always give the same bytes. */
const START_SECONDS = 1_700_000_000;
const IPV4_HEADER = 20;
const UDP_HEADER = 8;

/**
 * A classic little-endian microsecond pcap of raw IPv4/UDP packets (link type 101), one per
 * datagram, 1 ms apart from START_SECONDS.
 */
export function encodePcap(datagrams: readonly DatagramToWrite[]): Buffer {
  const packets = datagrams.map((d, index) => ipv4Udp(d, index));
  const out = Buffer.alloc(24 + packets.reduce((sum, p) => sum + 16 + p.length, 0));
  out.writeUInt32LE(PCAP_MAGIC_US, 0);
  out.writeUInt16LE(2, 4); // version 2.4
  out.writeUInt16LE(4, 6);
  // thiszone and sigfigs stay 0.
  out.writeUInt32LE(0xffff, 16); // snap length: any IPv4 packet fits
  out.writeUInt32LE(LINKTYPE_RAW, 20);
  let offset = 24;
  packets.forEach((packet, index) => {
    out.writeUInt32LE(START_SECONDS + Math.floor(index / 1000), offset);
    out.writeUInt32LE((index % 1000) * 1000, offset + 4);
    out.writeUInt32LE(packet.length, offset + 8);
    out.writeUInt32LE(packet.length, offset + 12);
    packet.copy(out, offset + 16);
    offset += 16 + packet.length;
  });
  return out;
}

export function writePcap(path: string, datagrams: readonly DatagramToWrite[]): void {
  writeFileSync(path, encodePcap(datagrams));
}

/** RFC 791 IPv4 header + RFC 768 UDP header + payload. */
function ipv4Udp(d: DatagramToWrite, index: number): Buffer {
  const totalLength = IPV4_HEADER + UDP_HEADER + d.payload.length;
  if (totalLength > 0xffff) throw new Error(`writePcap: a ${d.payload.length}-byte payload does not fit in one IPv4 packet`);
  const packet = Buffer.alloc(totalLength);
  packet[0] = 0x45; // version 4, IHL 5 words
  packet.writeUInt16BE(totalLength, 2);
  packet.writeUInt16BE((index + 1) & 0xffff, 4); // identification
  // flags and fragment offset stay 0: a whole, unfragmented datagram.
  packet[8] = 64; // TTL
  packet[9] = IPPROTO_UDP;
  writeIPv4(packet, 12, d.srcAddress ?? '127.0.0.1');
  writeIPv4(packet, 16, d.dstAddress ?? '127.0.0.1');
  packet.writeUInt16BE(ipv4HeaderChecksum(packet.subarray(0, IPV4_HEADER)), 10);
  packet.writeUInt16BE(port(d.srcPort ?? 4569), 20);
  packet.writeUInt16BE(port(d.dstPort ?? 4569), 22);
  packet.writeUInt16BE(UDP_HEADER + d.payload.length, 24);
  // UDP checksum 0 means "not computed", which RFC 768 allows over IPv4.
  d.payload.copy(packet, IPV4_HEADER + UDP_HEADER);
  return packet;
}

function port(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new Error(`writePcap: ${value} is not a UDP port`);
  return value;
}

function writeIPv4(buf: Buffer, at: number, address: string): void {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`writePcap writes dotted-quad IPv4 addresses only, not "${address}"`);
  }
  parts.forEach((p, i) => (buf[at + i] = Number(p)));
}

/**
 * RFC 791: the ones' complement of the ones' complement sum of the header's 16-bit words, with
 * the checksum field (bytes 10-11) counted as zero whatever it holds.
 */
export function ipv4HeaderChecksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < header.length; i += 2) if (i !== 10) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
