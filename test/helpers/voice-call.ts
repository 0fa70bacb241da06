// One call between two test PBXes through the platform, as the end-to-end tests place them:
// `from` dials `extension`, `to` answers (its behaviour), ten frames of voice go each way and
// must arrive sample for sample, then the caller hangs up and the callee sees it. Returns what
// the callee was told about the call, for the test's own assertions.
import assert from 'node:assert/strict';
import type { IncomingCallInfo } from '../../services/iax2/engine/engine.ts';
import { sendVoice, watch } from './call-watch.ts';
import type { PbxEndpoint } from './pbx-endpoint.ts';
import { waitFor } from './wait-for.ts';

export async function voiceCall(from: PbxEndpoint, to: PbxEndpoint, extension: string, markers: [number, number] = [0x31, 0x71]): Promise<IncomingCallInfo> {
  const call = from.dial(extension);
  const atCaller = watch(call);
  const arrived = await waitFor(`${to.name} to be called`, () => to.incoming.find((c) => c.info.calledNumber === extension && !c.call.closed));
  await waitFor(`${from.name} to hear the answer`, () => (atCaller.answered ? true : undefined));
  const atCallee = watch(arrived.call);
  const fromCaller = sendVoice(call, 10, 1000, markers[0]);
  const fromCallee = sendVoice(arrived.call, 10, 3000, markers[1]);
  await waitFor(`voice at ${to.name}`, () => (atCallee.voice.length >= 10 ? true : undefined));
  await waitFor(`voice at ${from.name}`, () => (atCaller.voice.length >= 10 ? true : undefined));
  assert.deepEqual(atCallee.voice.map((v) => v.payload), fromCaller, `${from.name}'s voice at ${to.name}`);
  assert.deepEqual(atCaller.voice.map((v) => v.payload), fromCallee, `${to.name}'s voice at ${from.name}`);
  call.hangup(16);
  await waitFor(`${to.name} to see the hang-up`, () => (atCallee.ended ? true : undefined));
  return arrived.info;
}
