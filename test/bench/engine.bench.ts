// Engine benchmark: complete call setups per second over loopback UDP (token, MD5 AUTHREQ/
// AUTHREP, ACCEPT, ANSWER, HANGUP and its ACK), one caller engine and one callee engine in
// this one process, and heap per idle established call. Prints figures; asserts nothing.
//   npm run bench:engine
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SystemClock } from '../../shared/clock.ts';
import type { Call } from '../../services/iax2/call/call.ts';
import { Format } from '../../services/iax2/codec/index.ts';
import { Iax2Engine } from '../../services/iax2/engine/engine.ts';
import { UdpTransport } from '../../services/worker/udp-transport.ts';
import { directoryOf, user } from '../helpers/engine-harness.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const clock = new SystemClock();
const calleeTransport = await UdpTransport.bind({ address: '127.0.0.1', port: 0, receiveBufferBytes: 4 << 20 });
const callerTransport = await UdpTransport.bind({ address: '127.0.0.1', port: 0, receiveBufferBytes: 4 << 20 });
const callee = new Iax2Engine({
  transport: calleeTransport,
  clock,
  directory: directoryOf([user('bench', { secrets: ['benchsecret'] })]),
  limits: { maxPerIp: 30_000 },
});
const caller = new Iax2Engine({ transport: callerTransport, clock, directory: directoryOf([]), limits: { maxPerIp: 30_000 } });
callee.events.on('incomingCall', ({ call }) => {
  callee.accept(call);
  call.answer();
});

const options = {
  remote: calleeTransport.localAddress(),
  calledNumber: '100',
  username: 'bench',
  secret: 'benchsecret',
  capability: Format.ULAW,
  format: Format.ULAW,
};

/** Calls answered and calls refused in the last run: only answered ones count as setups. */
const outcome = { answered: 0, refused: 0 };

/** One call from NEW to both sides closed. */
function oneCall(): Promise<void> {
  return new Promise((resolve, reject) => {
    const call = caller.call(options);
    const timer = setTimeout(() => reject(new Error(`call stuck in ${call.state}`)), 10_000);
    call.events.on('control', ({ subclass }) => {
      if (subclass !== 4) return;
      outcome.answered++;
      call.hangup();
    });
    call.events.on('rejected', () => outcome.refused++);
    call.events.on('closed', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function setupsPerSecond(total: number, concurrency: number): Promise<number> {
  let started = 0;
  outcome.answered = 0;
  outcome.refused = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++;
      await oneCall();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcome.answered / ((performance.now() - start) / 1000);
}

async function bytesPerIdleCall(count: number): Promise<number> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const before = process.memoryUsage().heapUsed;
  const calls: Call[] = [];
  // In batches, so the burst of NEWs does not overrun the socket buffers.
  for (let batch = 0; batch < count; batch += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, count - batch) }, () => new Promise<void>((resolve) => {
        const call = caller.call(options);
        calls.push(call);
        call.events.on('control', ({ subclass }) => subclass === 4 && resolve());
        call.events.on('closed', () => resolve());
      })),
    );
  }
  const established = calls.filter((c) => !c.closed).length;
  if (established < count) console.error(`${count - established} calls did not establish`);
  if (established === 0) return NaN;
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc();
  const after = process.memoryUsage().heapUsed;
  // Both legs of each established call live in this process: report per leg.
  const perLeg = (after - before) / (2 * established);
  for (const call of calls) call.hangup();
  await new Promise((resolve) => setTimeout(resolve, 500));
  return perLeg;
}

await setupsPerSecond(200, 20); // warm-up
const rate = await setupsPerSecond(3000, 50);
const perCall = await bytesPerIdleCall(2000);
const json = process.argv.includes('--json');
const refused = outcome.refused;
const result = { node: process.version, callSetupsPerSecond: Math.round(rate), refusedDuringRun: refused, bytesPerIdleCallLeg: Math.round(perCall) };
if (json) console.log(JSON.stringify(result));
else {
  console.log(`IAX2 engine benchmark (node ${process.version}, one process holding both ends)`);
  console.log(`call setups per second (token + MD5 + ACCEPT + ANSWER + HANGUP), 50 at once: ${result.callSetupsPerSecond} (refused: ${refused})`);
  console.log(`heap per idle established call leg: ${(result.bytesPerIdleCallLeg / 1024).toFixed(2)} KiB`);
}
caller.close();
callee.close();
callerTransport.close();
calleeTransport.close();
