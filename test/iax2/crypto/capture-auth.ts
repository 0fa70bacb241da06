// Test helper: the authentication exchanges in an Asterisk capture. Each answer (AUTHREP or
// REGREQ carrying MD5_RESULT or RSA_RESULT) is paired with the challenge it answers: the
// AUTHREQ/REGAUTH sent the other way whose source call is the answer's destination call
// (protocol.md §6.2, §9.1). Only full frames are decoded; every auth frame is one.
import { decodeDatagram, FrameType, IaxCommand, IeId, type FullFrame, type Ie } from '../../../services/iax2/codec/index.ts';
import { capturesDir } from '../../helpers/fixture-paths.ts';
import { readCapture, type CapturedDatagram } from '../../helpers/pcap.ts';

export interface AuthExchange {
  /** tshark frame numbers, for messages that point at the capture. */
  challengeFrame: number;
  answerFrame: number;
  challenge: string;
  md5Result?: string;
  rsaResult?: string;
}

export interface AuthScan {
  exchanges: AuthExchange[];
  /** Answers carrying a result but no preceding challenge: always a bug in the pairing. */
  unpaired: number[];
}

export function fullFrameOf(datagram: CapturedDatagram): FullFrame | undefined {
  if (((datagram.payload[0] ?? 0) & 0x80) === 0) return undefined;
  const frame = decodeDatagram(datagram.payload);
  return frame.kind === 'full' ? frame : undefined;
}

export function ieText(ies: readonly Ie[] | undefined, id: number): string | undefined {
  const value = ies?.find((ie) => ie.id === id)?.value;
  if (typeof value === 'string') return value;
  return Buffer.isBuffer(value) ? value.toString('latin1') : undefined;
}

export function isIax(frame: FullFrame | undefined, command: number): frame is FullFrame {
  return frame !== undefined && frame.frameType === FrameType.IAX && frame.subclass === command;
}

export function scanAuth(file: string): AuthScan {
  // Latest challenge per (sending port, sending call): a re-challenge replaces the old one.
  const challenges = new Map<string, { frame: number; challenge: string }>();
  const exchanges: AuthExchange[] = [];
  const unpaired: number[] = [];
  for (const datagram of readCapture(`${capturesDir}${file}`)) {
    const frame = fullFrameOf(datagram);
    if (frame === undefined || frame.frameType !== FrameType.IAX) continue;
    if (frame.subclass === IaxCommand.AUTHREQ || frame.subclass === IaxCommand.REGAUTH) {
      const challenge = ieText(frame.ies, IeId.CHALLENGE);
      if (challenge !== undefined) challenges.set(`${datagram.srcPort}/${frame.sourceCall}`, { frame: datagram.frameNumber, challenge });
      continue;
    }
    if (frame.subclass !== IaxCommand.AUTHREP && frame.subclass !== IaxCommand.REGREQ) continue;
    const md5Result = ieText(frame.ies, IeId.MD5_RESULT);
    const rsaResult = ieText(frame.ies, IeId.RSA_RESULT);
    if (md5Result === undefined && rsaResult === undefined) continue;
    const asked = challenges.get(`${datagram.dstPort}/${frame.destCall}`);
    if (asked === undefined) {
      unpaired.push(datagram.frameNumber);
      continue;
    }
    exchanges.push({
      challengeFrame: asked.frame,
      answerFrame: datagram.frameNumber,
      challenge: asked.challenge,
      ...(md5Result === undefined ? {} : { md5Result }),
      ...(rsaResult === undefined ? {} : { rsaResult }),
    });
  }
  return { exchanges, unpaired };
}
