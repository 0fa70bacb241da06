import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import type { Logger, LogContext } from '../../shared/logger.ts';
import type { RemoteAddress } from '../../services/iax2/transport.ts';
import { UdpTransport, type UdpTransportOptions } from '../../services/worker/udp-transport.ts';

const GUARD_MS = 2000;

/** Rejects after GUARD_MS, so a datagram that never comes fails the test instead of hanging it. */
function guarded<T>(what: string, executor: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), GUARD_MS);
    executor((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function receiveOne(t: UdpTransport): Promise<{ datagram: Buffer; from: RemoteAddress }> {
  return guarded('a datagram', (resolve) => t.onDatagram((datagram, from) => resolve({ datagram, from })));
}

/** A logger that keeps its lines and can wait for one with a given message. */
function recordingLogger() {
  const lines: Array<{ level: string; message: string; context?: LogContext }> = [];
  const waiters: Array<{ message: string; resolve: () => void }> = [];
  const at = (level: string) => (message: string, context?: LogContext) => {
    lines.push({ level, message, context });
    for (const w of waiters.filter((w) => w.message === message)) w.resolve();
  };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  const logged = (message: string): Promise<void> =>
    lines.some((l) => l.message === message) ? Promise.resolve() : guarded(`log line "${message}"`, (resolve) => waiters.push({ message, resolve: () => resolve(undefined) }));
  return { logger, lines, logged };
}

const open: UdpTransport[] = [];
async function bind(options: UdpTransportOptions): Promise<UdpTransport> {
  const transport = await UdpTransport.bind(options);
  open.push(transport);
  return transport;
}
after(async () => {
  for (const t of open) t.close();
  await Promise.all(open.map((t) => t.closed));
});

describe('UDP transport', () => {
  it('two sockets on loopback exchange datagrams both ways with the right source addresses', async () => {
    const a = await bind({ address: '127.0.0.1', port: 0 });
    const b = await bind({ address: '127.0.0.1', port: 0 });
    assert.equal(a.localAddress().address, '127.0.0.1');
    assert.notEqual(a.localAddress().port, 0, 'port 0 means any free port');
    const atB = receiveOne(b);
    a.send(Buffer.from('ping'), b.localAddress());
    const first = await atB;
    assert.equal(first.datagram.toString(), 'ping');
    assert.deepEqual(first.from, a.localAddress());
    const atA = receiveOne(a);
    b.send(Buffer.from('pong'), first.from);
    const second = await atA;
    assert.equal(second.datagram.toString(), 'pong');
    assert.deepEqual(second.from, b.localAddress());
    assert.deepEqual(a.counters, { received: 1, sent: 1, sendErrors: 0, socketErrors: 0, listenerErrors: 0 });
    assert.deepEqual(b.counters, { received: 1, sent: 1, sendErrors: 0, socketErrors: 0, listenerErrors: 0 });
  });

  it('sends the bytes as they were when send() returned, though the caller reuses its buffer', async () => {
    const a = await bind({ address: '127.0.0.1', port: 0 });
    const b = await bind({ address: '127.0.0.1', port: 0 });
    const got: string[] = [];
    const both = guarded('two datagrams', (resolve) =>
      b.onDatagram((datagram) => {
        got.push(datagram.toString());
        if (got.length === 2) resolve(undefined);
      }),
    );
    const scratch = Buffer.from('one');
    a.send(scratch, b.localAddress());
    scratch.write('two');
    a.send(scratch, b.localAddress());
    scratch.write('XXX');
    await both;
    assert.deepEqual(got.sort(), ['one', 'two']);
  });

  it('a bad destination never throws: refused ones are counted at once, kernel refusals when they come back', async () => {
    const { logger, logged } = recordingLogger();
    const a = await bind({ address: '127.0.0.1', port: 0, logger });
    for (const to of [
      { address: 'not-an-address', port: 4569 },
      { address: 'localhost', port: 4569 },
      { address: '::1', port: 4569 },
      { address: '127.0.0.1', port: 70000 },
      { address: '127.0.0.1', port: 0 },
    ]) {
      assert.doesNotThrow(() => a.send(Buffer.from('x'), to), JSON.stringify(to));
    }
    assert.equal(a.counters.sendErrors, 5, 'refused before reaching the socket');
    assert.equal(a.counters.sent, 0);
    // Broadcast without SO_BROADCAST: accepted by send(), refused by the kernel (EACCES).
    a.send(Buffer.from('x'), { address: '255.255.255.255', port: 4569 });
    await logged('udp send failed');
    assert.equal(a.counters.sendErrors, 6);
    assert.equal(a.counters.socketErrors, 0, 'send failures are not raised as socket errors');
  });

  it('a throwing listener is logged and counted, and the next datagram is still delivered', async () => {
    const { logger, lines } = recordingLogger();
    const a = await bind({ address: '127.0.0.1', port: 0, logger });
    const b = await bind({ address: '127.0.0.1', port: 0 });
    const second = guarded('the second datagram', (resolve) =>
      a.onDatagram((datagram) => {
        if (datagram.toString() === '1') throw new Error('listener bug');
        resolve(datagram.toString());
      }),
    );
    b.send(Buffer.from('1'), a.localAddress());
    b.send(Buffer.from('2'), a.localAddress());
    assert.equal(await second, '2');
    assert.equal(a.counters.received, 2);
    assert.equal(a.counters.listenerErrors, 1);
    const line = lines.find((l) => l.message === 'datagram listener threw');
    assert.equal(line?.level, 'error');
    assert.equal(line?.context?.from, `127.0.0.1:${b.localAddress().port}`);
  });

  it('close() is idempotent, closed resolves, and a closed transport neither sends nor hears', async () => {
    const a = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    const b = await bind({ address: '127.0.0.1', port: 0 });
    const local = a.localAddress();
    let heard = 0;
    a.onDatagram(() => heard++);
    a.close();
    assert.doesNotThrow(() => a.close());
    await a.closed;
    assert.deepEqual(a.localAddress(), local, 'the address is still known after close');
    assert.doesNotThrow(() => a.send(Buffer.from('x'), b.localAddress()));
    assert.equal(a.counters.sent, 0);
    // The port is free again: a new socket can take it.
    const again = await bind({ address: '127.0.0.1', port: local.port });
    assert.equal(again.localAddress().port, local.port);
    assert.equal(heard, 0);
  });

  it('bind refuses a bad address, port or buffer size, and a port already in use', async () => {
    await assert.rejects(UdpTransport.bind({ address: 'localhost', port: 0 }), TypeError);
    await assert.rejects(UdpTransport.bind({ address: '127.0.0.1', port: 70000 }), RangeError);
    await assert.rejects(UdpTransport.bind({ address: '127.0.0.1', port: 0, receiveBufferBytes: -1 }), RangeError);
    const a = await bind({ address: '127.0.0.1', port: 0 });
    await assert.rejects(UdpTransport.bind({ address: '127.0.0.1', port: a.localAddress().port }), { code: 'EADDRINUSE' });
  });

  it('sets the socket buffer sizes it is given', async () => {
    const plain = await bind({ address: '127.0.0.1', port: 0 });
    const sized = await bind({ address: '127.0.0.1', port: 0, receiveBufferBytes: 16_384, sendBufferBytes: 16_384 });
    const before = plain.bufferSizes();
    const after = sized.bufferSizes();
    // Linux reports twice what was asked; other kernels may not, so only bound it.
    assert.ok(after.receiveBufferBytes >= 16_384 && after.receiveBufferBytes < before.receiveBufferBytes, JSON.stringify({ before, after }));
    assert.ok(after.sendBufferBytes >= 16_384 && after.sendBufferBytes < before.sendBufferBytes, JSON.stringify({ before, after }));
  });

  it('receiveQueue: the receive buffer follows the read rate (time\'s worth of arrivals, not a fixed size)', async () => {
    const rx = await bind({ address: '127.0.0.1', port: 0, receiveBufferBytes: 2 << 20, receiveQueue: { targetMs: 50, minBytes: 32 << 10, maxBytes: 4 << 20 } });
    const tx = await bind({ address: '127.0.0.1', port: 0 });
    let reads = 0;
    rx.onDatagram(() => reads++);
    assert.equal(rx.bufferSizes().receiveBufferBytes, 4 << 20, 'the kernel holds twice the 2 MiB asked');
    // Quiet: the floor. Nothing read for a quarter second asks for the smallest buffer.
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(rx.bufferSizes().receiveBufferBytes, 32 << 10, 'idle: down to the floor');
    // Mini-sized datagrams, 20 every millisecond or two (10,000-20,000 a second; a busy
    // machine's timers make it fewer): 50 ms of them is far above the floor and far below the
    // ceiling. Each burst (about 17 KB as the kernel counts) fits the floor, so none is dropped.
    const started = performance.now();
    while (performance.now() < started + 1000) {
      for (let i = 0; i < 20; i++) tx.send(Buffer.alloc(172), rx.localAddress());
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const perSecond = reads / ((performance.now() - started) / 1000);
    const size = rx.bufferSizes().receiveBufferBytes;
    assert.ok(size > 64 << 10 && size < 1 << 20, `sized for about 50 ms of ${Math.round(perSecond)} datagrams a second: ${size}`);
    assert.ok(rx.kernelDrops() === 0, 'nothing dropped while it keeps up');
  });

  it('kernelDrops: what the kernel dropped at a full receive queue', async () => {
    const rx = await bind({ address: '127.0.0.1', port: 0, receiveBufferBytes: 4096 });
    const tx = await bind({ address: '127.0.0.1', port: 0 });
    let received = 0;
    rx.onDatagram(() => received++);
    const before = rx.kernelDrops();
    assert.equal(before, 0);
    // Sent while this thread cannot read: most of them find the 8 KiB queue full.
    for (let i = 0; i < 200; i++) tx.send(Buffer.alloc(500), rx.localAddress());
    await new Promise((resolve) => setTimeout(resolve, 200));
    const drops = rx.kernelDrops()!;
    assert.ok(drops > 0, `the kernel says it dropped some: ${drops}`);
    assert.equal(received + drops, 200, 'every datagram read or counted as dropped');
  });

  it('works on IPv6 loopback where the machine has it', async (t) => {
    let a: UdpTransport;
    try {
      a = await bind({ address: '::1', port: 0 });
    } catch (error) {
      t.skip(`no IPv6 loopback here: ${(error as Error).message}`);
      return;
    }
    const b = await bind({ address: '::1', port: 0 });
    const atB = receiveOne(b);
    a.send(Buffer.from('v6'), b.localAddress());
    const got = await atB;
    assert.equal(got.datagram.toString(), 'v6');
    assert.deepEqual(got.from, a.localAddress());
    const atA = receiveOne(a);
    b.send(Buffer.from('v6 back'), got.from);
    assert.deepEqual((await atA).from, { address: '::1', port: b.localAddress().port });
  });

  it('a dual-stack socket on :: reports IPv4 peers as plain IPv4 and answers them', async (t) => {
    let bindv6only = '0';
    try {
      bindv6only = readFileSync('/proc/sys/net/ipv6/bindv6only', 'utf8').trim();
    } catch {
      // Not Linux: try it and see.
    }
    if (bindv6only === '1') {
      t.skip('net.ipv6.bindv6only=1: IPv6 sockets do not take IPv4 here');
      return;
    }
    let dual: UdpTransport;
    try {
      dual = await bind({ address: '::', port: 0 });
    } catch (error) {
      t.skip(`no IPv6 here: ${(error as Error).message}`);
      return;
    }
    const v4 = await bind({ address: '127.0.0.1', port: 0 });
    const atDual = receiveOne(dual);
    v4.send(Buffer.from('from v4'), { address: '127.0.0.1', port: dual.localAddress().port });
    const got = await atDual;
    assert.deepEqual(got.from, v4.localAddress());
    const atV4 = receiveOne(v4);
    dual.send(Buffer.from('to v4'), got.from);
    assert.equal((await atV4).datagram.toString(), 'to v4');
    assert.equal(dual.counters.sendErrors, 0);
  });
});
