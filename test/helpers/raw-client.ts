// A raw IAX2 client for dialog tests: each attempt takes a token, sends the request, answers
// the challenge with MD5 and reports the final reply and how long it came after the answer.
import { md5Result } from '../../services/iax2/crypto/index.ts';
import { decodeDatagram, encode, Format, FrameType, IaxCommand, IeId, ieBytes, ieString, type FullFrame, type Ie } from '../../services/iax2/codec/index.ts';
import type { MemoryNetwork } from '../../services/iax2/memory-network.ts';
import type { RemoteAddress } from '../../services/iax2/transport.ts';
import type { ManualClock } from '../../shared/clock.ts';
import { CALLEE_ADDRESS } from './engine-harness.ts';

/** A raw client: sends a request, answers the challenge with `secret`, reports what came back and when. */
export function rawClient(t: { clock: ManualClock; network: MemoryNetwork }, address: RemoteAddress, server: RemoteAddress = CALLEE_ADDRESS) {
  const endpoint = t.network.endpoint(address);
  const received: Array<{ frame: FullFrame; at: number }> = [];
  endpoint.onDatagram((d) => {
    const f = decodeDatagram(d);
    if (f.kind === 'full') received.push({ frame: f, at: t.clock.now() });
  });
  let nextCall = 0x100;
  const send = (f: FullFrame) => endpoint.send(encode(f), server);
  const full = (subclass: number, ies: Ie[], fields: Partial<FullFrame> = {}): FullFrame => ({ kind: 'full', sourceCall: nextCall, destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0, frameType: FrameType.IAX, subclass, ies, ...fields });
  /** One attempt: NEW (or REGREQ) with a fresh token, then the answer. Returns the final reply and how long it took after the answer. */
  /** Moves the clock on, letting promises (a store read) settle on the way. */
  const advance = async (ms: number): Promise<void> => {
    t.clock.advance(ms);
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  const attempt = async (kind: 'call' | 'registration', name: string, secret: string): Promise<{ reply: FullFrame | undefined; waitedMs: number }> => {
    nextCall++;
    const request = kind === 'call' ? IaxCommand.NEW : IaxCommand.REGREQ;
    const base: Ie[] = kind === 'call'
      ? [{ id: IeId.VERSION, value: 2 }, { id: IeId.CALLED_NUMBER, value: '100' }, { id: IeId.USERNAME, value: name }, { id: IeId.FORMAT, value: 4 }, { id: IeId.CAPABILITY, value: 4 }, { id: IeId.FORMAT2, value: Format.ULAW }, { id: IeId.CAPABILITY2, value: Format.ULAW }]
      : [{ id: IeId.USERNAME, value: name }, { id: IeId.REFRESH, value: 60 }];
    const before = received.length;
    send(full(request, [...base, { id: IeId.CALLTOKEN, value: Buffer.alloc(0) }]));
    await advance(1);
    const token = received.slice(before).find((r) => r.frame.destCall === nextCall && r.frame.subclass === IaxCommand.CALLTOKEN);
    if (token === undefined) return { reply: received.slice(before).find((r) => r.frame.destCall === nextCall)?.frame, waitedMs: 0 };
    send(full(request, [...base, { id: IeId.CALLTOKEN, value: ieBytes(token.frame.ies, IeId.CALLTOKEN)! }]));
    await advance(1);
    const challenge = received.slice(before).find((r) => r.frame.destCall === nextCall && (r.frame.subclass === IaxCommand.AUTHREQ || r.frame.subclass === IaxCommand.REGAUTH));
    if (challenge === undefined) return { reply: received.slice(before).find((r) => r.frame.destCall === nextCall && r.frame.subclass !== IaxCommand.CALLTOKEN)?.frame, waitedMs: 0 };
    const answer = md5Result(ieString(challenge.frame.ies, IeId.CHALLENGE)!, secret);
    const answeredAt = t.clock.now();
    const answerCommand = kind === 'call' ? IaxCommand.AUTHREP : IaxCommand.REGREQ;
    const answerIes: Ie[] = kind === 'call' ? [{ id: IeId.MD5_RESULT, value: answer }] : [...base, { id: IeId.MD5_RESULT, value: answer }];
    send(full(answerCommand, answerIes, { destCall: challenge.frame.sourceCall, oseqno: 1, iseqno: 1, timestamp: 10 }));
    const finals: number[] = [IaxCommand.REJECT, IaxCommand.ACCEPT, IaxCommand.REGACK, IaxCommand.REGREJ];
    for (let waited = 0; waited < 60_000; waited += 250) {
      const done = received.slice(before).find((r) => r.frame.destCall === nextCall && finals.includes(r.frame.subclass));
      if (done !== undefined) return { reply: done.frame, waitedMs: done.at - answeredAt };
      await advance(250);
    }
    return { reply: undefined, waitedMs: 60_000 };
  };
  return { attempt, received };
}

