// Loopback ports the kernel says are free now, for a process the test starts to bind: the
// kernel picks one (bind or listen on port 0), the probe lets it go, the process takes it.
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';

export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A UDP port free with the three above it (a second worker takes port+2, the meshes port+1 and port+3). */
export async function freeUdpRun(): Promise<number> {
  for (;;) {
    const sockets = [createSocket('udp4'), createSocket('udp4'), createSocket('udp4'), createSocket('udp4')];
    const first = sockets[0]!;
    await new Promise<void>((resolve) => first.bind(0, '127.0.0.1', resolve));
    const base = first.address().port;
    let ok = base + 3 < 65536;
    for (let i = 1; i < 4 && ok; i++) {
      ok = await new Promise<boolean>((resolve) => {
        sockets[i]!.once('error', () => resolve(false));
        sockets[i]!.bind(base + i, '127.0.0.1', () => resolve(true));
      });
    }
    for (const s of sockets) s.close();
    if (ok) return base;
  }
}
