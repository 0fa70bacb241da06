// One flood of bench:attack, in its own process so it has a core of its own: from `sources`
// addresses 127.30.x.y (each a host of its own on Linux loopback) at `target`, as fast as this
// process can send for `seconds` (or at `pps`, when given). Kinds:
//   tokenless     NEW and REGREQ with no CALLTOKEN IE, random names
//   token-ask     NEW, REGREQ and POKE asking for a token (empty CALLTOKEN)
//   forged        NEW and REGREQ with made-up tokens
//   valid-token   NEWs for a real name with tokens each source fetched itself, never answered
//   wrong-secret  REGREQs for a real name answered with a wrong MD5, over and over
// Prints one JSON line: datagrams and bytes sent, bytes received, seconds.
import { createSocket, type Socket } from 'node:dgram';
import { parseArgs } from 'node:util';
import { decodeDatagram, encode, FrameType, IaxCommand, IeId, ieBytes, ieString, type Ie } from '../../services/iax2/codec/index.ts';
import { md5Result } from '../../services/iax2/crypto/index.ts';

const { values } = parseArgs({ options: { kind: { type: 'string' }, port: { type: 'string' }, seconds: { type: 'string', default: '5' }, sources: { type: 'string', default: '1000' }, name: { type: 'string', default: 'pbx1' }, pps: { type: 'string' } } });
const PPS = values.pps === undefined ? Infinity : Number(values.pps);
const kind = values.kind ?? 'tokenless';
const port = Number(values.port);
const seconds = Number(values.seconds);
const SOURCES = Number(values.sources);
const TARGET = '127.0.0.1';

const counts = { datagrams: 0, bytesOut: 0, bytesIn: 0 };
const request = (command: number, ies: Ie[], sourceCall: number, fields: { destCall?: number; oseqno?: number; iseqno?: number } = {}): Buffer =>
  encode({ kind: 'full', sourceCall, destCall: fields.destCall ?? 0, retransmitted: false, timestamp: 3, oseqno: fields.oseqno ?? 0, iseqno: fields.iseqno ?? 0, frameType: FrameType.IAX, subclass: command, ies });
const newIes = (name: string): Ie[] => [{ id: IeId.VERSION, value: 2 }, { id: IeId.CALLED_NUMBER, value: '100' }, { id: IeId.USERNAME, value: name }, { id: IeId.FORMAT, value: 4 }, { id: IeId.CAPABILITY, value: 4 }];
const regIes = (name: string): Ie[] => [{ id: IeId.USERNAME, value: name }, { id: IeId.REFRESH, value: 60 }];

interface Source {
  socket: Socket;
  token?: Buffer;
}

const sources: Source[] = await Promise.all(Array.from({ length: SOURCES }, async (_, i) => {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, `127.30.${Math.floor(i / 250)}.${(i % 250) + 1}`, () => resolve()));
  return { socket };
}));

function send(source: Source, datagram: Buffer): void {
  counts.datagrams++;
  counts.bytesOut += datagram.length;
  source.socket.send(datagram, port, TARGET);
}

let callNo = 1;
const nextCall = (): number => (callNo = callNo >= 32_000 ? 1 : callNo + 1);

for (const source of sources) {
  source.socket.on('message', (message) => {
    counts.bytesIn += message.length;
    if (kind !== 'valid-token' && kind !== 'wrong-secret') return;
    const frame = decodeDatagram(message);
    if (frame.kind !== 'full' || frame.frameType !== FrameType.IAX) return;
    if (frame.subclass === IaxCommand.CALLTOKEN) {
      source.token = ieBytes(frame.ies, IeId.CALLTOKEN);
      if (kind === 'wrong-secret') send(source, request(IaxCommand.REGREQ, [...regIes(values.name), { id: IeId.CALLTOKEN, value: source.token! }], frame.destCall));
    } else if (frame.subclass === IaxCommand.REGAUTH && kind === 'wrong-secret') {
      const challenge = ieString(frame.ies, IeId.CHALLENGE) ?? '';
      send(source, request(IaxCommand.REGREQ, [...regIes(values.name), { id: IeId.MD5_RESULT, value: md5Result(challenge, `wrong-${counts.datagrams}`) }], frame.destCall, { destCall: frame.sourceCall, oseqno: 1, iseqno: 1 }));
    } else if (frame.subclass === IaxCommand.REGREJ && kind === 'wrong-secret') {
      // Guess again: a new dialog, a fresh token.
      send(source, request(IaxCommand.REGREQ, [...regIes(values.name), { id: IeId.CALLTOKEN, value: Buffer.alloc(0) }], nextCall()));
    }
  });
}

const forgedToken = Buffer.from('AAAAAAAAA');
function floodOne(source: Source, i: number): void {
  const call = nextCall();
  switch (kind) {
    case 'tokenless':
      send(source, i % 2 === 0 ? request(IaxCommand.NEW, newIes(`n${i}`), call) : request(IaxCommand.REGREQ, regIes(`n${i}`), call));
      return;
    case 'token-ask':
      send(source, i % 3 === 0 ? request(IaxCommand.NEW, [...newIes(`n${i}`), { id: IeId.CALLTOKEN, value: Buffer.alloc(0) }], call) : i % 3 === 1 ? request(IaxCommand.REGREQ, [...regIes(`n${i}`), { id: IeId.CALLTOKEN, value: Buffer.alloc(0) }], call) : request(IaxCommand.POKE, [], call));
      return;
    case 'forged':
      send(source, i % 2 === 0 ? request(IaxCommand.NEW, [...newIes(values.name), { id: IeId.CALLTOKEN, value: forgedToken }], call) : request(IaxCommand.REGREQ, [...regIes(values.name), { id: IeId.CALLTOKEN, value: forgedToken }], call));
      return;
    case 'valid-token':
      if (source.token === undefined) send(source, request(IaxCommand.NEW, [...newIes(values.name), { id: IeId.CALLTOKEN, value: Buffer.alloc(0) }], call));
      else send(source, request(IaxCommand.NEW, [...newIes(values.name), { id: IeId.CALLTOKEN, value: source.token }], call));
      return;
  }
}

const started = performance.now();
const until = started + seconds * 1000;
if (kind === 'wrong-secret') {
  // Paced by the server's answers: each source keeps one guess in flight.
  for (const source of sources) send(source, request(IaxCommand.REGREQ, [...regIes(values.name), { id: IeId.CALLTOKEN, value: Buffer.alloc(0) }], nextCall()));
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
} else {
  let i = 0;
  let tokensRefreshedAt = started;
  while (performance.now() < until) {
    // As fast as we can, or up to where the rate says we should be by now.
    const due = PPS === Infinity ? i + 2000 : Math.min(i + 2000, Math.floor(((performance.now() - started) / 1000) * PPS));
    for (; i < due; i++) floodOne(sources[i % SOURCES]!, i);
    if (PPS !== Infinity && i >= due) await new Promise((resolve) => setTimeout(resolve, 1));
    // Tokens live 10 s: a source asks again before then.
    if (kind === 'valid-token' && performance.now() - tokensRefreshedAt > 8000) {
      for (const source of sources) source.token = undefined;
      tokensRefreshedAt = performance.now();
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}
const elapsed = (performance.now() - started) / 1000;
await new Promise((resolve) => setTimeout(resolve, 200));
for (const source of sources) source.socket.close();
process.stdout.write(`${JSON.stringify({ ...counts, seconds: elapsed })}\n`);
