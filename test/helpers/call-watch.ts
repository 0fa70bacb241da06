// What a test PBX saw of one call, and voice to send on it, for the tests that run calls
// through the platform end to end.
import type { Call } from '../../services/iax2/call/call.ts';
import { ControlSubclass } from '../../services/iax2/codec/index.ts';

export interface CallWatch {
  answered: boolean;
  cause: number | undefined;
  ended: boolean;
  voice: Array<{ payload: Buffer; timestamp: number }>;
}

/** The end of a call as its caller saw it: answered, or refused/hung up with a cause. */
export function watch(call: Call): CallWatch {
  const seen: CallWatch = { answered: false, cause: undefined, ended: false, voice: [] };
  call.events.on('control', ({ subclass }) => {
    if (subclass === ControlSubclass.ANSWER) seen.answered = true;
  });
  call.events.on('rejected', ({ causeCode }) => Object.assign(seen, { cause: causeCode, ended: true }));
  call.events.on('hangup', ({ causeCode }) => Object.assign(seen, { cause: causeCode, ended: true }));
  call.events.on('voice', ({ payload, timestamp }) => seen.voice.push({ payload: Buffer.from(payload), timestamp }));
  return seen;
}

/** Voice whose every sample says which frame it is, at the sender's own 20 ms timing. */
export function sendVoice(call: Call, frames: number, start: number, marker: number): Buffer[] {
  const sent: Buffer[] = [];
  for (let i = 0; i < frames; i++) {
    const payload = Buffer.alloc(160, (marker + i) & 0xff);
    payload.writeUInt16BE(i, 0);
    sent.push(payload);
    call.sendVoice(payload, { timestamp: start + i * 20 });
  }
  return sent;
}
