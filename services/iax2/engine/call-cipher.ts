/**
 * AES-128 for one call (protocol.md §11): one key each way, both MD5(challenge ‖ secret) at the
 * start; RTKEY later changes the receive key. The callee does not know which of a user's
 * secrets the caller used, so until the first frame decrypts it tries each candidate (protocol.md §11.1).
 */
import { decodeDatagram } from '../codec/index.ts';
import type { CallCipher } from '../call/call.ts';
import { decryptDatagram, encryptDatagram } from '../crypto/index.ts';

export class AesCallCipher implements CallCipher {
  private txKey: Buffer;
  private rxKeys: Buffer[];

  /** `rxCandidates`: keys to try on the first received frame; the one that works is kept. */
  constructor(txKey: Buffer, rxCandidates: readonly Buffer[] = [txKey], private readonly localCall?: number) {
    this.txKey = txKey;
    this.rxKeys = [...rxCandidates];
  }

  get transmitKey(): Buffer {
    return this.txKey;
  }

  encrypt(plain: Buffer, kind: 'full' | 'mini', key?: Buffer): Buffer {
    return encryptDatagram(plain, key ?? this.txKey, kind);
  }

  decrypt(datagram: Buffer, kind: 'full' | 'mini'): Buffer | undefined {
    if (this.rxKeys.length === 1) return decryptDatagram(datagram, this.rxKeys[0]!, kind);
    for (const key of this.rxKeys) {
      const plain = decryptDatagram(datagram, key, kind);
      if (plain !== undefined && kind === 'full' && this.plausible(plain)) {
        // This key works: it is the one for both directions from now on.
        this.rxKeys = [key];
        this.txKey = key;
        return plain;
      }
    }
    return undefined;
  }

  /** A wrong key yields noise; a right one a full frame addressed to this call. */
  private plausible(plain: Buffer): boolean {
    try {
      const frame = decodeDatagram(plain);
      return frame.kind === 'full' && (this.localCall === undefined || frame.destCall === this.localCall);
    } catch {
      return false;
    }
  }

  setReceiveKey(key: Buffer): void {
    this.rxKeys = [Buffer.from(key)];
  }

  /** Key rotation on our side: new transmit key from now on (protocol.md §11.5). */
  setTransmitKey(key: Buffer): void {
    this.txKey = Buffer.from(key);
  }
}
