// The capture helpers against tshark: readCapture sees the datagrams tshark sees in every file
// format and link type we claim, writePcap's files are valid to tshark, and the tshark runners
// report order, malformed frames and expert errors as their comments say.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { capturesDir } from './fixture-paths.ts';
import { encodePcap, ipv4HeaderChecksum, readCapture, writePcap } from './pcap.ts';
import { dissectIax2, dissectIax2Fields, findAll, tsharkPath } from './tshark.ts';

const capture = join(capturesDir, 'register-md5-and-rsa.pcap');
const workDir = mkdtempSync(join(tmpdir(), 'strowger-pcap-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

function tsharkLines(path: string, args: readonly string[]): string[][] {
  const run = spawnSync(tsharkPath(), ['-r', path, ...args], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
}

/** tshark's frame.time_epoch ("seconds.nanoseconds") in whole microseconds, as readCapture keeps it. */
function epochUs(text: string): bigint {
  const [seconds, fraction] = text.split('.');
  return BigInt(seconds ?? '') * 1_000_000n + BigInt((fraction ?? '').padEnd(9, '0').slice(0, 6));
}

// --- Building captures byte by byte, to reach the formats and link types writePcap does not.

function u16(value: number, littleEndian: boolean): Buffer {
  const b = Buffer.alloc(2);
  if (littleEndian) b.writeUInt16LE(value);
  else b.writeUInt16BE(value);
  return b;
}

function u32(value: number, littleEndian: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (littleEndian) b.writeUInt32LE(value);
  else b.writeUInt32BE(value);
  return b;
}

function pad4(b: Buffer): Buffer {
  return Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
}

function udp(srcPort: number, dstPort: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(srcPort, 0);
  header.writeUInt16BE(dstPort, 2);
  header.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** IPv4 with `options` bytes after the fixed header (IHL > 5) and the given flags/fragment word. */
function ipv4(protocol: number, body: Buffer, { options = Buffer.alloc(0), fragment = 0 } = {}): Buffer {
  const header = Buffer.alloc(20 + options.length);
  header[0] = 0x40 | ((20 + options.length) / 4);
  header.writeUInt16BE(header.length + body.length, 2);
  header.writeUInt16BE(fragment, 6);
  header[8] = 64;
  header[9] = protocol;
  Buffer.from([10, 0, 0, 1, 10, 0, 0, 2]).copy(header, 12);
  options.copy(header, 20);
  header.writeUInt16BE(ipv4HeaderChecksum(header), 10);
  return Buffer.concat([header, body]);
}

function ipv6(body: Buffer): Buffer {
  const header = Buffer.alloc(40);
  header[0] = 0x60;
  header.writeUInt16BE(body.length, 4);
  header[6] = 17;
  header[7] = 64;
  Buffer.from('20010db8000000000000000000000001', 'hex').copy(header, 8);
  Buffer.from('fe800000000000000000000000000002', 'hex').copy(header, 24);
  return Buffer.concat([header, body]);
}

function pcapngBlock(type: number, body: Buffer, le: boolean): Buffer {
  const padded = pad4(body);
  return Buffer.concat([u32(type, le), u32(padded.length + 12, le), padded, u32(padded.length + 12, le)]);
}

/** Section header, then one interface whose timestamps are in 10^-9 s. */
function pcapngHeader(linkType: number, le: boolean): Buffer {
  const shb = pcapngBlock(0x0a0d0d0a, Buffer.concat([u32(0x1a2b3c4d, le), u16(1, le), u16(0, le), Buffer.alloc(8, 0xff)]), le);
  const tsresol = Buffer.concat([u16(9, le), u16(1, le), Buffer.from([9, 0, 0, 0]), u16(0, le), u16(0, le)]);
  const idb = pcapngBlock(1, Buffer.concat([u16(linkType, le), u16(0, le), u32(0, le), tsresol]), le);
  return Buffer.concat([shb, idb]);
}

function pcapngEpb(packet: Buffer, timeNs: bigint, le: boolean): Buffer {
  const ticks = [Number(timeNs >> 32n), Number(timeNs & 0xffffffffn)];
  return pcapngBlock(6, Buffer.concat([u32(0, le), u32(ticks[0] ?? 0, le), u32(ticks[1] ?? 0, le), u32(packet.length, le), u32(packet.length, le), packet]), le);
}

/** Classic pcap, either byte order, µs or ns timestamps. */
function classicPcap(linkType: number, packets: readonly Buffer[], le: boolean, nanoseconds: boolean): Buffer {
  const header = Buffer.concat([u32(nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4, le), u16(2, le), u16(4, le), u32(0, le), u32(0, le), u32(65535, le), u32(linkType, le)]);
  const records = packets.map((p, i) => Buffer.concat([u32(1_700_000_000 + i, le), u32(i * 1000, le), u32(p.length, le), u32(p.length, le), p]));
  return Buffer.concat([header, ...records]);
}

const payload = (text: string): Buffer => Buffer.from(text);
const ether = (etherType: number, vlan?: number): Buffer =>
  Buffer.concat([Buffer.from('020000000002020000000001', 'hex'), ...(vlan === undefined ? [] : [u16(0x8100, false), u16(vlan, false)]), u16(etherType, false)]);
const sll = (etherType: number): Buffer => Buffer.concat([Buffer.from('0000030400060000000000010000', 'hex'), u16(etherType, false)]);
// protocol, reserved, interface index 1, ARPHRD_LOOPBACK, packet type 0, address length 6, address.
const sll2 = (etherType: number): Buffer => Buffer.concat([u16(etherType, false), Buffer.from('0000' + '00000001' + '0304' + '00' + '06' + '0200000000010000', 'hex')]);

describe('readCapture', () => {
  it('finds the same UDP datagrams, frame numbers, ports and payload bytes in a real pcapng capture as tshark does', () => {
    const ours = readCapture(capture);
    const theirs = tsharkLines(capture, ['-Y', 'udp', '-T', 'fields', '-e', 'frame.number', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'udp.payload', '-e', 'frame.time_epoch']);
    assert.ok(ours.length > 0);
    assert.deepEqual(
      ours.map((d) => [String(d.frameNumber), String(d.srcPort), String(d.dstPort), d.payload.toString('hex')]),
      theirs.map(([frame, src, dst, hex]) => [frame, src, dst, (hex ?? '').replace(/:/g, '')]),
    );
    ours.forEach((d, i) => {
      assert.equal(d.timeUs, epochUs(theirs[i]?.[4] ?? ''));
      assert.ok(Buffer.isBuffer(d.payload));
      assert.equal(d.srcAddress, '127.0.0.1');
    });
  });

  it('reads each pcap byte order and timestamp unit, and every supported link type, as tshark does', () => {
    const v4 = (text: string, port: number): Buffer => ipv4(17, udp(port, 4569, payload(text)));
    const v6 = (text: string, port: number): Buffer => ipv6(udp(port, 4569, payload(text)));
    const nullHeader = (family: number, le: boolean): Buffer => u32(family, le);
    const files: Array<[string, Buffer]> = [
      // Ethernet, one VLAN tag, Ethernet padding after a short datagram, a TCP packet between.
      ['ethernet-le-us.pcap', classicPcap(1, [
        Buffer.concat([ether(0x0800), v4('a', 1001)]),
        Buffer.concat([ether(0x0800, 7), v4('b', 1002)]),
        Buffer.concat([ether(0x0800), ipv4(6, Buffer.alloc(20))]),
        Buffer.concat([ether(0x86dd), v6('c', 1003), Buffer.alloc(6)]),
      ], true, false)],
      // BSD loopback, as written by big- and little-endian hosts; AF_INET6 as macOS numbers it.
      ['null-be-ns.pcap', classicPcap(0, [Buffer.concat([nullHeader(2, false), v4('d', 1004)]), Buffer.concat([nullHeader(30, false), v6('e', 1005)])], false, true)],
      ['null-le-ns.pcap', classicPcap(0, [Buffer.concat([nullHeader(2, true), v4('f', 1006)]), Buffer.concat([nullHeader(24, true), v6('g', 1007)])], true, true)],
      // Raw IP: an IPv4 header with options, a later fragment and a first fragment (skipped).
      ['raw-be-us.pcap', classicPcap(101, [
        ipv4(17, udp(1008, 4569, payload('h')), { options: Buffer.from([1, 1, 1, 0]) }),
        ipv4(17, payload('later fragment'), { fragment: 0x0001 }),
        ipv4(17, udp(1009, 4569, payload('first of several')), { fragment: 0x2000 }),
        v6('i', 1010),
      ], false, false)],
      ['sll.pcap', classicPcap(113, [Buffer.concat([sll(0x0800), v4('j', 1011)]), Buffer.concat([sll(0x86dd), v6('k', 1012)])], true, false)],
      // pcapng, both byte orders, ns timestamps via if_tsresol, with a block tshark skips, one
      // it numbers as a frame, and a Simple Packet Block (no timestamp) among the packets.
      ['sll2-be.pcapng', Buffer.concat([
        pcapngHeader(276, false),
        pcapngEpb(Buffer.concat([sll2(0x0800), v4('l', 1013)]), 1_700_000_000_123_456_789n, false),
        pcapngBlock(0x80000001, Buffer.from('a local-use block: skipped'), false),
        pcapngBlock(0x0bad, Buffer.concat([u32(32473, false), Buffer.from('a custom block: not a packet, but a frame to tshark')]), false),
        pcapngBlock(3, Buffer.concat([u32(sll2(0x86dd).length + v6('m', 1014).length, false), sll2(0x86dd), v6('m', 1014)]), false),
      ])],
      ['ethernet-le.pcapng', Buffer.concat([pcapngHeader(1, true), pcapngEpb(Buffer.concat([ether(0x0800, 3), v4('n', 1015)]), 1_700_000_000_000_000_999n, true)])],
    ];
    let datagrams = 0;
    for (const [name, bytes] of files) {
      const path = join(workDir, name);
      writeFileSync(path, bytes);
      const ours = readCapture(path).map((d) => [String(d.frameNumber), d.srcAddress, String(d.srcPort), d.dstAddress, d.payload.toString('hex'), String(d.timeUs)]);
      const theirs = tsharkLines(path, ['-Y', 'udp && !(ip.flags.mf == 1)', '-o', 'ip.defragment:FALSE', '-T', 'fields', '-E', 'occurrence=f',
        '-e', 'frame.number', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'udp.srcport', '-e', 'ip.dst', '-e', 'ipv6.dst', '-e', 'udp.payload', '-e', 'frame.time_epoch'])
        .map(([frame, src4, src6, port, dst4, dst6, hex, time]) => [frame, src4 || src6, port, dst4 || dst6, (hex ?? '').replace(/:/g, ''), String(epochUs(time ?? ''))]);
      assert.deepEqual(ours, theirs, name);
      datagrams += ours.length;
    }
    assert.equal(datagrams, 14, 'every UDP datagram above but the first fragment');
  });

  it('throws an error naming the file and saying it is neither pcap nor pcapng', () => {
    const path = join(workDir, 'not-a-capture.pcap');
    writeFileSync(path, 'just some text, long enough to have a header');
    assert.throws(() => readCapture(path), (e: Error) => e.message.includes(path) && /neither pcapng nor pcap/.test(e.message));
    writeFileSync(path, 'tiny');
    assert.throws(() => readCapture(path), /neither pcapng nor pcap/);
  });
});

describe('writePcap', () => {
  const datagrams = [
    { payload: Buffer.from('hello'), srcPort: 4569, dstPort: 4570 },
    { payload: Buffer.alloc(300, 7), srcAddress: '192.0.2.1', dstAddress: '198.51.100.2', srcPort: 1000, dstPort: 2000 },
    { payload: Buffer.alloc(0) },
  ];

  it('round-trips addresses, ports and payloads through readCapture, 1 ms apart from a fixed start', () => {
    const path = join(workDir, 'written.pcap');
    writePcap(path, datagrams);
    const back = readCapture(path);
    assert.deepEqual(back.map((d) => [d.frameNumber, d.srcAddress, d.srcPort, d.dstAddress, d.dstPort, d.payload.toString('hex'), d.timeUs]), [
      [1, '127.0.0.1', 4569, '127.0.0.1', 4570, Buffer.from('hello').toString('hex'), 1_700_000_000_000_000n],
      [2, '192.0.2.1', 1000, '198.51.100.2', 2000, Buffer.alloc(300, 7).toString('hex'), 1_700_000_000_001_000n],
      [3, '127.0.0.1', 4569, '127.0.0.1', 4569, '', 1_700_000_000_002_000n],
    ]);
    assert.ok(encodePcap(datagrams).equals(encodePcap(datagrams)), 'the same datagrams give the same bytes');
  });

  it('writes files tshark reads with the right ports, UDP lengths and good IPv4 header checksums', () => {
    const path = join(workDir, 'for-tshark.pcap');
    writePcap(path, datagrams);
    const fields = tsharkLines(path, ['-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'udp.length', '-e', 'ip.checksum.status', '-e', 'ip.ttl', '-e', 'ip.id']);
    // ip.checksum.status 1 is tshark's "Good".
    assert.deepEqual(fields, [
      ['4569', '4570', '13', '1', '64', '0x0001'],
      ['1000', '2000', '308', '1', '64', '0x0002'],
      ['4569', '4569', '8', '1', '64', '0x0003'],
    ]);
  });

  it('fills in the RFC 791 header checksum, here one worked by hand', () => {
    // First record's IPv4 header: 4500 0021 0001 0000 4011 [csum] 7f00 0001 7f00 0001.
    // Sum of the other words: 4500+0021+0001+0000+4011+7f00+0001+7f00+0001 = 0x18335;
    // carry folded in: 0x8335+0x1 = 0x8336; ones' complement: 0x7cc9.
    const header = encodePcap([{ payload: Buffer.from('hello') }]).subarray(24 + 16, 24 + 16 + 20);
    assert.equal(header.toString('hex'), '450000210001000040117cc97f0000017f000001');
    assert.equal(ipv4HeaderChecksum(header), 0x7cc9);
    // RFC 1071's property: summing the header with its checksum in place gives 0xffff.
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += header.readUInt16BE(i);
    assert.equal((sum & 0xffff) + (sum >>> 16), 0xffff);
  });

  it('writes only the 24-byte header for no datagrams, and refuses anything but IPv4 and real ports', () => {
    assert.equal(encodePcap([]).length, 24);
    assert.throws(() => encodePcap([{ payload: Buffer.alloc(1), dstAddress: '::1' }]), /IPv4/);
    assert.throws(() => encodePcap([{ payload: Buffer.alloc(1), srcPort: 70000 }]), /not a UDP port/);
    assert.throws(() => encodePcap([{ payload: Buffer.alloc(65_508) }]), /does not fit/);
  });
});

// Two IEs of the same label around a different one: IEs CALLTOKEN(54, empty), USERNAME(6),
// CALLTOKEN(54, empty) in a REGREQ full frame.
function regreqWithRepeatedIe(): Buffer {
  const header = Buffer.from([0x80, 0x64, 0x00, 0x00, 0, 0, 0, 5, 0, 0, 6, 13]);
  return Buffer.concat([header, Buffer.from([54, 0, 6, 3]), Buffer.from('bob'), Buffer.from([54, 0])]);
}

describe('tshark helpers', () => {
  const path = join(workDir, 'iax2.pcap');
  writePcap(path, [
    { payload: regreqWithRepeatedIe() },
    // The same frame with a last IE (REFRESH, 2 bytes) cut after its first byte: an exception.
    { payload: Buffer.concat([regreqWithRepeatedIe(), Buffer.from([19, 2, 0])]) },
    { payload: Buffer.from('not iax'), srcPort: 9, dstPort: 9 },
  ]);

  it('dissectIax2Fields lists IEs in wire order, and with exact strings', () => {
    const frames = dissectIax2Fields(path, [4569], ['iax2.ie_id', 'iax2.iax.unknownstring', 'iax2.iax.username']);
    assert.deepEqual(frames.map((f) => f.frameNumber), [1, 2, 3]);
    assert.deepEqual(frames[0]?.values, { 'iax2.ie_id': ['54', '6', '54'], 'iax2.iax.unknownstring': ['', ''], 'iax2.iax.username': ['bob'] });
    assert.deepEqual(frames[2]?.values['iax2.ie_id'], []);
  });

  it('dissectIax2 merges repeated keys into arrays at the first occurrence, so findAll keeps every IE but not wire order', () => {
    const [first, second, third] = dissectIax2(path, [4569]);
    assert.equal(first?.frameNumber, 1);
    assert.deepEqual(findAll(first?.iax2, 'iax2.ie_id'), ['54', '54', '6']);
    assert.deepEqual([first?.malformed, first?.expertErrors], [false, []]);
    assert.equal(second?.malformed, true);
    assert.deepEqual(second?.expertErrors, ['Malformed Packet (Exception occurred)']);
    assert.equal(third?.iax2, undefined);
  });

  it('findAll collects nested and merged occurrences depth first in document order', () => {
    const tree = { a: 1, b: { a: [2, { a: 3 }], c: [{ a: 4 }, { d: { a: 5 } }] }, e: 'a' };
    assert.deepEqual(findAll(tree, 'a'), [1, 2, { a: 3 }, 3, 4, 5]);
    assert.deepEqual(findAll('a', 'a'), []);
  });

  it('tshark is found on PATH as an absolute path', () => {
    assert.match(tsharkPath(), /^\/.*tshark$/);
  });
});
