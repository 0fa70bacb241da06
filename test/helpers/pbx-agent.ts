// A test PBX as a process of its own (run inside a network namespace, as a box behind a NAT
// is), driven by its parent over the IPC channel: start, register, dial, answer, send voice,
// report what it saw, hang up. Every call gets a number the parent refers to it by.
import type { Call } from '../../services/iax2/call/call.ts';
import { sendVoice, watch, type CallWatch } from './call-watch.ts';
import { startPbx, type PbxEndpoint, type PbxOptions } from './pbx-endpoint.ts';

export type AgentRequest =
  | { op: 'start'; name: string; secret: string; platform: { address: string; port: number }; refreshS: number; options: PbxOptions }
  | { op: 'registration' }
  | { op: 'reregister' }
  | { op: 'dial'; extension: string }
  | { op: 'incoming'; extension: string }
  | { op: 'call'; ref: number }
  | { op: 'voice'; ref: number; frames: number; marker: number }
  | { op: 'hangup'; ref: number }
  | { op: 'close' };

export interface CallReport {
  answered: boolean;
  ended: boolean;
  cause: number | undefined;
  /** Voice frames received, and whether each was whole and in order (sendVoice's pattern). */
  voiceFrames: number;
  voiceIntact: boolean;
  remote: string;
}

let pbx: PbxEndpoint | undefined;
const calls: Array<{ call: Call; seen: CallWatch }> = [];

function report(ref: number): CallReport {
  const entry = calls[ref];
  if (entry === undefined) throw new Error(`no call ${ref}`);
  const { seen, call } = entry;
  const intact = seen.voice.every((v, i) => {
    if (v.payload.length !== 160 || v.payload.readUInt16BE(0) !== i) return false;
    const fill = v.payload[2];
    return v.payload.subarray(2).every((b) => b === fill);
  });
  return { answered: seen.answered, ended: seen.ended, cause: seen.cause, voiceFrames: seen.voice.length, voiceIntact: intact, remote: `${call.remote.address}:${call.remote.port}` };
}

async function handle(request: AgentRequest): Promise<unknown> {
  switch (request.op) {
    case 'start':
      pbx = await startPbx(request.name, request.secret, request.platform, () => 'answer', request.refreshS, request.options);
      return pbx.transport.localAddress();
    case 'registration':
      return pbx!.registration.state;
    case 'reregister':
      pbx!.registration.start();
      return true;
    case 'dial': {
      const call = pbx!.dial(request.extension);
      calls.push({ call, seen: watch(call) });
      return calls.length - 1;
    }
    case 'incoming': {
      const found = [...pbx!.incoming].reverse().find((c) => c.info.calledNumber === request.extension);
      if (found === undefined) return null;
      const known = calls.findIndex((c) => c.call === found.call);
      if (known >= 0) return known;
      calls.push({ call: found.call, seen: watch(found.call) });
      return calls.length - 1;
    }
    case 'call':
      return report(request.ref);
    case 'voice':
      sendVoice(calls[request.ref]!.call, request.frames, 1000 + request.marker * 10, request.marker);
      return request.frames;
    case 'hangup':
      calls[request.ref]?.call.hangup(16);
      return true;
    case 'close':
      await pbx?.close();
      setTimeout(() => process.exit(0), 50);
      return true;
  }
}

process.on('message', (message: { id: number; request: AgentRequest }) => {
  handle(message.request).then(
    (result) => process.send?.({ id: message.id, ok: true, result }),
    (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
