import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { encodePcap, ipv4HeaderChecksum, readCapture, writePcap } from './pcap.ts';
import { tsharkPath } from './tshark.ts';

const capture = fileURLToPath(new URL('../../../shared/captures/register-md5-and-rsa.pcap', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'strowger-pcap-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

describe('pcap helper', () => {
  it('reads the same UDP payloads from a pcapng capture as tshark does', () => {
    const ours = readCapture(capture);
    const run = spawnSync(tsharkPath(), ['-r', capture, '-T', 'fields', '-e', 'frame.number', '-e', 'udp.srcport', '-e', 'udp.payload'], { encoding: 'utf8' });
    const theirs = run.stdout.trim().split('\n').map((line) => line.split('\t'));
    assert.equal(ours.length, theirs.length);
    ours.forEach((d, i) => {
      const [frame, port, payload] = theirs[i] ?? [];
      assert.equal(d.frameNumber, Number(frame));
      assert.equal(d.srcPort, Number(port));
      assert.equal(d.payload.toString('hex'), (payload ?? '').replace(/:/g, ''));
      assert.equal(d.srcAddress, '127.0.0.1');
    });
  });

  it('writes a classic pcap that it and tshark read back with the same addresses, ports and payloads', () => {
    const datagrams = [
      { payload: Buffer.from('hello'), srcPort: 4569, dstPort: 4570 },
      { payload: Buffer.alloc(300, 7), srcAddress: '192.0.2.1', dstAddress: '198.51.100.2', srcPort: 1000, dstPort: 2000 },
      { payload: Buffer.alloc(0) },
    ];
    const path = join(workDir, 'written.pcap');
    writePcap(path, datagrams);
    const back = readCapture(path);
    assert.deepEqual(back.map((d) => [d.srcAddress, d.srcPort, d.dstAddress, d.dstPort, d.payload.toString('hex')]), [
      ['127.0.0.1', 4569, '127.0.0.1', 4570, Buffer.from('hello').toString('hex')],
      ['192.0.2.1', 1000, '198.51.100.2', 2000, Buffer.alloc(300, 7).toString('hex')],
      ['127.0.0.1', 4569, '127.0.0.1', 4569, ''],
    ]);
    const run = spawnSync(tsharkPath(), ['-r', path, '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-e', 'udp.srcport', '-e', 'udp.length', '-e', 'ip.checksum.status'], { encoding: 'utf8' });
    // ip.checksum.status 1 is tshark's "Good".
    assert.deepEqual(run.stdout.trim().split('\n'), ['4569\t13\t1', '1000\t308\t1', '4569\t8\t1']);
  });

  it('computes the RFC 791 header checksum', () => {
    // A worked example: 45 00 00 73 00 00 40 00 40 11 [b8 61] c0 a8 00 01 c0 a8 00 c7.
    const header = Buffer.from('450000730000400040110000c0a80001c0a800c7', 'hex');
    assert.equal(ipv4HeaderChecksum(header), 0xb861);
    assert.equal(encodePcap([]).length, 24);
  });

  it('refuses a file that is neither pcap nor pcapng, saying so', () => {
    const path = join(workDir, 'not-a-capture.pcap');
    writeFileSync(path, 'just some text, long enough to have a header');
    assert.throws(() => readCapture(path), /neither pcapng nor pcap/);
  });
});
