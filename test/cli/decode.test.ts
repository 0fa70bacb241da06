import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { main } from '../../services/cli/main.ts';

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], stdin = ''): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const input = Object.assign(Readable.from([Buffer.from(stdin)]), { isTTY: false });
  const status = await main(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: input,
    env: {},
  });
  return { status, stdout, stderr };
}

const NEW = '92 34 00 00 00 00 00 03 00 00 06 01 0B 02 00 02 01 03 31 30 30 06 05 61 6C 69 63 65 37 09 00 00 00 00 00 00 00 00 0C 12 10 02 00 11 D9 C0 00 02 0A 00 00 00 00 00 00 00 00 1F 04 30 6F 6D AF 36 00';

describe('strowger decode', () => {
  it('prints one dump line per datagram and exits 0', async () => {
    const r = await run(['decode', NEW, '12:34:02:08:ff:ff']);
    assert.equal(r.status, 0);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /Type: IAX Subclass: NEW Timestamp: 00003ms SCall: 04660 DCall: 00000/);
    assert.match(lines[0] ?? '', /USERNAME\(0x06\)="alice"/);
    assert.match(lines[1] ?? '', /^Mini SCall: 04660 Timestamp: 0x0208 Payload: 2 bytes$/);
    assert.equal(r.stderr, '');
  });

  it('--json gives exactly the documented keys and value forms for a full frame', async () => {
    const r = await run(['decode', '--json', NEW]);
    assert.equal(r.status, 0);
    assert.deepEqual(JSON.parse(r.stdout), {
      kind: 'full', sourceCall: 0x1234, destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0,
      frameType: 'IAX', subclass: 'NEW',
      ies: {
        version: 2, called_number: '100', username: 'alice', capability2: 12,
        apparent_addr: '192.0.2.10:4569', datetime: '2024-03-15T13:45:30', calltoken: '',
      },
    });
  });

  it('--json for mini, trunk and video mini frames', async () => {
    const r = await run(['decode', '--json', '1234 0208 aabb', '0000 0101 00000064 0001 1234 86a0 ff', '0000 0100 00000064 1234 0002 eeee', '0000 9234 86a0 01']);
    assert.equal(r.status, 0);
    assert.deepEqual(r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown), [
      { kind: 'mini', sourceCall: 0x1234, timestamp: 0x0208, payloadLength: 2 },
      { kind: 'meta-trunk', timestamp: 100, withTimestamps: true, entries: [{ call: 0x1234, timestamp: 0x86a0, payloadLength: 1 }] },
      { kind: 'meta-trunk', timestamp: 100, withTimestamps: false, entries: [{ call: 0x1234, payloadLength: 2 }] },
      { kind: 'meta-video', sourceCall: 0x1234, timestamp: 0x06a0, marker: true, payloadLength: 1 },
    ]);
  });

  it('a 64-bit mask above 2^53 is a decimal string; text stays text; other bytes are hex', async () => {
    const t = await run(['decode', '--json', '80 01 00 00 00 00 00 03 00 01 06 0d 37 09 00 80 00 00 00 00 00 00 01 0f 03 01 02 03 16 02 68 69']);
    assert.deepEqual((JSON.parse(t.stdout) as { ies: unknown }).ies, { capability2: '9223372036854775809', challenge: '010203', cause: 'hi' });
  });

  it('a bad datagram prints only its error code and offset on stderr, the others still decode, exit 1', async () => {
    const r = await run(['decode', '--json', '92 34 00 00 00 00 00 03 00 00 06 01 01 09 31', '12340208']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'IAX2_ERR_TRUNCATED_IE: IE 0x01 length 9 exceeds remaining 1 [offset:12]\n');
    assert.deepEqual(JSON.parse(r.stdout), { kind: 'mini', sourceCall: 0x1234, timestamp: 0x0208, payloadLength: 0 });
  });

  it('text that is not hex is bad input, not a crash', async () => {
    const r = await run(['decode', 'xyz', '123']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^STROWGER_ERR_BAD_HEX: "x" is not a hex digit\nSTROWGER_ERR_BAD_HEX: 3 hex digits is an odd count/);
    assert.equal(r.stdout, '');
  });

  it('reads one datagram per line from stdin when given none', async () => {
    const r = await run(['decode', '--json'], '12340208\n\n0001 0000 ff\n');
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trimEnd().split('\n').length, 2);
  });

  it('an unknown command or option is a usage error (exit 2)', async () => {
    assert.equal((await run(['frobnicate'])).status, 2);
    assert.equal((await run(['decode', '--yaml', '00'])).status, 2);
    assert.equal((await run([])).status, 2);
    assert.equal((await run(['--help'])).status, 0);
  });

  it('the installed bin (the prebuilt bundle, or the sources with no build step) sets the exit status', () => {
    const bin = fileURLToPath(new URL('../../services/cli/bin.mjs', import.meta.url));
    const ok = spawnSync(process.execPath, [bin, 'decode', '--json', '12340208'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), { kind: 'mini', sourceCall: 0x1234, timestamp: 0x0208, payloadLength: 0 });
    const bad = spawnSync(process.execPath, [bin, 'decode', '00'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^IAX2_ERR_SHORT_DATAGRAM: .*\[offset:1\]\n$/);
  });
});
