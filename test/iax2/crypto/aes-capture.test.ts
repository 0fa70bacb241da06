// call-aes.pcap: an Asterisk 22.10.1 call with AES-128 forced (username lab2enc, secret
// encsecret). Everything after the AUTHREQ is decrypted with MD5(challenge ‖ secret)
// (protocol.md §11.2), until the callee's RTKEY moves the callee→caller direction, and only
// that direction, to a new key (protocol.md §11.5).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDatagram, FrameType, IaxCommand, IeId, type Frame } from '../../../services/iax2/codec/index.ts';
import { decryptDatagram, md5Key, md5Result, type EncryptedFrameKind } from '../../../services/iax2/crypto/index.ts';
import { capturesDir } from '../../helpers/fixture-paths.ts';
import { readCapture, type CapturedDatagram } from '../../helpers/pcap.ts';
import { fullFrameOf, ieText, isIax } from './capture-auth.ts';

const SECRET = 'encsecret';
const ULAW = 4;
const KNOWN_FRAME_TYPES = new Set<number>(Object.values(FrameType));

const datagrams = readCapture(`${capturesDir}call-aes.pcap`);

// The handshake up to the AUTHREQ is clear (protocol.md §11.1); stop decoding there.
const authreqAt = datagrams.findIndex((d) => isIax(fullFrameOf(d), IaxCommand.AUTHREQ));
const authreqDatagram = datagrams[authreqAt]!;
const authreq = fullFrameOf(authreqDatagram)!;
const challenge = ieText(authreq.ies, IeId.CHALLENGE)!;
const firstKey = md5Key(challenge, SECRET);
const calleePort = authreqDatagram.srcPort;
const callerPort = authreqDatagram.dstPort;
const isTrunk = (d: CapturedDatagram) => d.payload[0] === 0 && d.payload[1] === 0;
const kindOf = (d: CapturedDatagram): EncryptedFrameKind => ((d.payload[0]! & 0x80) !== 0 ? 'full' : 'mini');
/** Encrypted datagrams after the AUTHREQ, in capture order (trunk frames are never encrypted, protocol.md §11.4). */
const encrypted = datagrams.slice(authreqAt + 1).filter((d) => !isTrunk(d));
const fromCaller = encrypted.filter((d) => d.srcPort === callerPort);
const fromCallee = encrypted.filter((d) => d.srcPort === calleePort);

function decryptAndDecode(d: CapturedDatagram, key: Buffer): { plain: Buffer; frame: Frame } | undefined {
  const plain = decryptDatagram(d.payload, key, kindOf(d));
  if (plain === undefined) return undefined;
  try {
    return { plain, frame: decodeDatagram(plain) };
  } catch {
    return undefined;
  }
}

/**
 * Whether a key turned a datagram into a frame this call could have sent. With no MAC, a wrong
 * key still yields bytes; what gives it away is a header no Asterisk would write: an unknown
 * frame type, a timestamp far past the call's 5 s, sequence numbers far past its dozen frames,
 * or (mini) a payload that is not 20 ms of µ-law.
 */
function sensible(d: CapturedDatagram, key: Buffer): boolean {
  const decoded = decryptAndDecode(d, key);
  if (decoded === undefined) return false;
  const { frame } = decoded;
  if (frame.kind === 'full') {
    return (
      KNOWN_FRAME_TYPES.has(frame.frameType) && frame.timestamp < 60_000 && frame.oseqno < 32 && frame.iseqno < 32
    );
  }
  return frame.kind === 'mini' && frame.payload.length === 160 && frame.timestamp < 10_000;
}

describe('call-aes.pcap (AES-128 forced, secret "encsecret")', () => {
  it('the handshake before the encryption is clear: an AUTHREQ with a challenge and ENCRYPTION = AES-128 (protocol.md §11.1)', () => {
    assert.ok(authreqAt > 0);
    assert.match(challenge, /^[0-9]{1,9}$/);
    assert.equal(authreq.ies?.find((ie) => ie.id === IeId.ENCRYPTION)?.value, 0x0001);
  });

  it("the caller's AUTHREP is the first encrypted frame; MD5(challenge ‖ secret) decrypts it to an AUTHREP whose MD5_RESULT is that key's hex", () => {
    const authrep = fromCaller[0]!;
    assert.equal(kindOf(authrep), 'full');
    const decoded = decryptAndDecode(authrep, firstKey);
    assert.ok(decoded !== undefined, 'decrypts and decodes');
    const { frame } = decoded;
    assert.ok(frame.kind === 'full' && isIax(frame, IaxCommand.AUTHREP), 'is an AUTHREP');
    assert.equal(frame.destCall, authreq.sourceCall);
    const result = ieText(frame.ies, IeId.MD5_RESULT);
    assert.equal(result, md5Result(challenge, SECRET));
    assert.equal(result, firstKey.toString('hex'), 'the AES key is the digest whose hex is MD5_RESULT (protocol.md §11.2)');
    assert.ok(!sensible(authrep, md5Key(challenge, 'labsecret')), 'another secret gives noise');
  });

  it("the callee answers with an ACCEPT (µ-law) under the same key: one key for both directions (protocol.md §11.2)", () => {
    const decoded = decryptAndDecode(fromCallee[0]!, firstKey);
    assert.ok(decoded !== undefined && decoded.frame.kind === 'full');
    const accept = decoded.frame;
    assert.ok(isIax(accept, IaxCommand.ACCEPT), `frame type ${accept.frameType} subclass ${accept.subclass}`);
    assert.equal(accept.ies?.find((ie) => ie.id === IeId.FORMAT)?.value, ULAW);
    assert.equal(accept.destCall, fullFrameOf(datagrams[0]!)?.sourceCall, "addressed to the caller's call number");
  });

  it("the caller's mini frames decrypt to 160-byte µ-law payloads with rising 16-bit timestamps (protocol.md §11.3: bytes 0-1 clear)", () => {
    const minis = fromCaller.filter((d) => kindOf(d) === 'mini');
    assert.ok(minis.length >= 10, `${minis.length} mini frames`);
    let last = -1;
    for (const d of minis) {
      assert.equal(d.payload.length, 194, 'TV9: 164-byte µ-law mini frame → 194 bytes');
      const decoded = decryptAndDecode(d, firstKey);
      assert.ok(decoded !== undefined && decoded.frame.kind === 'mini', `frame ${d.frameNumber}`);
      assert.equal(decoded.frame.payload.length, 160);
      assert.equal(decoded.frame.sourceCall, d.payload.readUInt16BE(0));
      assert.ok(decoded.frame.timestamp > last, `frame ${d.frameNumber}: ts ${decoded.frame.timestamp} after ${last}`);
      last = decoded.frame.timestamp;
    }
  });

  it('meta trunk frames stay clear on the encrypted call (protocol.md §11.4)', () => {
    const trunks = datagrams.slice(authreqAt + 1).filter(isTrunk);
    assert.ok(trunks.length > 0);
    for (const d of trunks) {
      const frame = decodeDatagram(d.payload);
      assert.ok(frame.kind === 'meta-trunk' && frame.entries.every((e) => e.payload.length === 160), `frame ${d.frameNumber}`);
    }
  });

  describe('key rotation: RTKEY from the callee (protocol.md §11.5)', () => {
    // Walk the callee's frames with the first key until one is an RTKEY.
    const rtkeyAt = fromCallee.findIndex((d) => {
      const decoded = decryptAndDecode(d, firstKey);
      return decoded !== undefined && decoded.frame.kind === 'full' && isIax(decoded.frame, IaxCommand.RTKEY);
    });
    const rtkey = fromCallee[rtkeyAt];
    const rtkeyPlain = rtkey === undefined ? undefined : decryptAndDecode(rtkey, firstKey)?.plain;
    const newKey = rtkeyPlain?.subarray(14, 30) ?? Buffer.alloc(16);
    const calleeAfter = fromCallee.slice(rtkeyAt + 1);
    const callerAfter = rtkey === undefined ? [] : fromCaller.filter((d) => d.frameNumber > rtkey.frameNumber);

    it('the callee sends RTKEY (IAX subclass 39), encrypted with the old key, holding one CHALLENGE IE of 16 raw key bytes', () => {
      assert.ok(rtkey !== undefined && rtkeyPlain !== undefined, 'an RTKEY was found');
      const frame = decodeDatagram(rtkeyPlain);
      assert.ok(frame.kind === 'full' && frame.ies?.length === 1 && frame.ies[0]!.id === IeId.CHALLENGE);
      assert.equal(rtkeyPlain.length, 12 + 2 + 16);
      assert.deepEqual([rtkeyPlain[12], rtkeyPlain[13]], [IeId.CHALLENGE, 16]);
      assert.notDeepEqual(newKey, firstKey);
      for (const d of fromCallee.slice(0, rtkeyAt)) {
        assert.ok(sensible(d, firstKey), `callee frame ${d.frameNumber} before the RTKEY uses the first key`);
      }
    });

    it("the callee's later frames decrypt with the new key and not with the old one", () => {
      assert.ok(calleeAfter.length > 0, 'the callee sends after its RTKEY');
      for (const d of calleeAfter) {
        assert.ok(sensible(d, newKey), `callee frame ${d.frameNumber} with the new key`);
        assert.ok(!sensible(d, firstKey), `callee frame ${d.frameNumber} with the old key`);
      }
    });

    it("the caller's later frames keep the old key: RTKEY turns only the sender→receiver direction", () => {
      assert.ok(callerAfter.some((d) => kindOf(d) === 'full'), 'full frames from the caller');
      assert.ok(callerAfter.some((d) => kindOf(d) === 'mini'), 'mini frames from the caller');
      for (const d of callerAfter) {
        assert.ok(sensible(d, firstKey), `caller frame ${d.frameNumber} with the old key`);
        assert.ok(!sensible(d, newKey), `caller frame ${d.frameNumber} with the new key`);
      }
    });
  });
});
