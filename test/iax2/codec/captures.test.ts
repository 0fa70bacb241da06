// Real traffic: every unencrypted datagram in the Asterisk 22.10.1 captures decodes, agrees
// with tshark's dissection field by field, and re-encodes to the very same bytes.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeDatagram, encode, FrameType, IaxCommand } from '../../../services/iax2/codec/index.ts';
import { capturesDir } from '../../helpers/fixture-paths.ts';
import { readCapture, type CapturedDatagram } from '../../helpers/pcap.ts';
import { COMPARED_FIELDS, differencesFromTshark, tsharkSawError } from '../../helpers/tshark-compare.ts';
import { dissectIax2Fields } from '../../helpers/tshark.ts';

const IAX_PORTS = [4570, 4571];

/**
 * call-aes.pcap forces AES-128: after the AUTHREQ every full and mini frame is ciphertext (only
 * the call numbers stay clear, protocol.md §11.3), while meta trunk frames stay clear (protocol.md §11.4).
 */
function isClearText(file: string, datagram: CapturedDatagram, authreqFrame: number | undefined): boolean {
  if (!file.includes('aes') || authreqFrame === undefined || datagram.frameNumber <= authreqFrame) return true;
  return datagram.payload[0] === 0 && datagram.payload[1] === 0 && datagram.payload[2] === 1;
}

function firstAuthreq(datagrams: readonly CapturedDatagram[]): number | undefined {
  for (const d of datagrams) {
    const frame = decodeDatagram(d.payload);
    if (frame.kind === 'full' && frame.frameType === FrameType.IAX && frame.subclass === IaxCommand.AUTHREQ) return d.frameNumber;
  }
  return undefined;
}

describe('Asterisk 22.10.1 captures', () => {
  assert.ok(existsSync(capturesDir), `the captures are expected at ${capturesDir}`);
  const files = readdirSync(capturesDir).filter((f) => f.endsWith('.pcap')).sort();
  let checked = 0;

  for (const file of files) {
    it(`${file}: every clear datagram decodes, matches tshark and re-encodes byte for byte`, () => {
      const path = `${capturesDir}${file}`;
      const datagrams = readCapture(path).filter((d) => IAX_PORTS.includes(d.dstPort));
      assert.ok(datagrams.length > 0, 'the capture holds IAX2 datagrams');
      const dissection = new Map(dissectIax2Fields(path, IAX_PORTS, COMPARED_FIELDS).map((p) => [p.frameNumber, p.values]));
      const authreq = file.includes('aes') ? firstAuthreq(datagrams) : undefined;
      const problems: string[] = [];
      let clear = 0;
      for (const datagram of datagrams) {
        if (!isClearText(file, datagram, authreq)) continue;
        clear++;
        const where = `${file} frame ${datagram.frameNumber}`;
        const frame = decodeDatagram(datagram.payload);
        if (!encode(frame).equals(datagram.payload)) problems.push(`${where}: re-encoding differs`);
        const tshark = dissection.get(datagram.frameNumber);
        if (tshark === undefined) {
          problems.push(`${where}: tshark did not dissect it`);
          continue;
        }
        for (const p of differencesFromTshark(frame, tshark)) problems.push(`${where}: ${p}`);
        const knownTsharkBug = frame.kind === 'meta-trunk' && !frame.withTimestamps;
        if (tsharkSawError(tshark) !== knownTsharkBug) {
          problems.push(`${where}: tshark ${knownTsharkBug ? 'did not flag' : 'flagged'} it as malformed`);
        }
      }
      checked += clear;
      assert.deepEqual(problems, []);
      assert.ok(clear > 0);
    });
  }

  it('covered the captures as a whole (more than 800 clear datagrams)', () => {
    assert.ok(checked > 800, `checked ${checked}`);
  });
});
