// The ceiling for bench:relay: a bare node:dgram forwarder that relays each datagram to the
// address paired with its source, no parsing at all. Answers "cpu" like the worker does.
import { createSocket } from 'node:dgram';

const socket = createSocket('udp4');
const routes = new Map<number, number>();
socket.on('message', (datagram, from) => {
  const to = routes.get(from.port);
  if (to !== undefined) socket.send(datagram, to, '127.0.0.1');
});
socket.bind(0, '127.0.0.1', () => {
  socket.setRecvBufferSize(8 << 20);
  socket.setSendBufferSize(8 << 20);
  process.send?.({ port: socket.address().port });
});
process.on('message', (message: string | { pairs: Array<[number, number]> }) => {
  if (typeof message === 'object') for (const [a, b] of message.pairs) routes.set(a, b).set(b, a);
  else if (message === 'cpu') process.send?.({ cpu: process.cpuUsage(), active: 0 });
  else if (message === 'quit') socket.close(() => process.exit(0));
});
