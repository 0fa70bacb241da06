// A TCP proxy in front of a store, for outage tests: it passes traffic until told to black-hole,
// then accepts connections and answers nothing (a store behind a dead route looks exactly so:
// the connect succeeds at the load balancer, the request is never answered), and connections
// already open go silent both ways. Restored, it passes traffic again and closes the
// connections it silenced, as a client's timed-out sockets would be.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface BlackholeProxy {
  /** http://127.0.0.1:<port>: the endpoint to give the SDK client. */
  url: string;
  blackhole(): void;
  restore(): void;
  /** Connections accepted while black-holed (or silenced by it) and never answered. */
  readonly swallowed: number;
  close(): Promise<void>;
}

export async function startBlackholeProxy(target: string): Promise<BlackholeProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  const silenced = new Set<Socket>();
  const upstreams = new Map<Socket, Socket>();
  let dark = false;
  let swallowed = 0;
  const server: Server = createServer((client) => {
    open.add(client);
    client.on('error', () => {});
    client.on('close', () => {
      open.delete(client);
      silenced.delete(client);
      upstreams.get(client)?.destroy();
      upstreams.delete(client);
    });
    if (dark) {
      swallowed++;
      silenced.add(client);
      client.resume(); // read and drop: the request is taken, never answered
      return;
    }
    const upstream = connect(Number(port), hostname);
    upstreams.set(client, upstream);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => {
      if (!silenced.has(client)) client.destroy();
    });
    client.on('data', (chunk) => {
      if (!silenced.has(client)) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!silenced.has(client)) client.write(chunk);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get swallowed() {
      return swallowed;
    },
    blackhole() {
      dark = true;
      for (const client of open) {
        if (!silenced.has(client)) swallowed++;
        silenced.add(client);
      }
    },
    restore() {
      dark = false;
      for (const client of silenced) client.destroy();
      silenced.clear();
    },
    close: () => new Promise((resolve) => {
      for (const client of open) client.destroy();
      server.close(() => resolve());
    }),
  };
}
