import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UdpTransport } from '../../services/worker/udp-transport.ts';
import type { RemoteAddress } from '../../services/iax2/transport.ts';

function receiveOne(t: UdpTransport): Promise<{ datagram: Buffer; from: RemoteAddress }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('nothing arrived')), 2000);
    t.onDatagram((datagram, from) => {
      clearTimeout(timer);
      resolve({ datagram, from });
    });
  });
}

describe('UDP transport', () => {
  it('two sockets on loopback exchange datagrams both ways with the right source addresses', async () => {
    const a = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    const b = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    const atB = receiveOne(b);
    a.send(Buffer.from('ping'), b.localAddress());
    const first = await atB;
    assert.equal(first.datagram.toString(), 'ping');
    assert.deepEqual(first.from, a.localAddress());
    const atA = receiveOne(a);
    b.send(Buffer.from('pong'), first.from);
    assert.equal((await atA).datagram.toString(), 'pong');
    assert.equal(a.counters.sent, 1);
    assert.equal(b.counters.received, 1);
    a.close();
    b.close();
    a.close();
    await Promise.all([a.closed, b.closed]);
  });

  it('a bad destination or a throwing listener never throws out of the socket', async () => {
    const a = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    assert.doesNotThrow(() => a.send(Buffer.from('x'), { address: 'not-an-address', port: 1 }));
    assert.doesNotThrow(() => a.send(Buffer.from('x'), { address: '127.0.0.1', port: 70000 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(a.counters.sendErrors >= 1, `send errors counted: ${JSON.stringify(a.counters)}`);
    a.onDatagram(() => {
      throw new Error('listener bug');
    });
    const b = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    b.send(Buffer.from('1'), a.localAddress());
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(a.counters.listenerErrors, 1);
    a.close();
    b.close();
    await Promise.all([a.closed, b.closed]);
  });

  it('binds IPv6 loopback where the machine has it', async (t) => {
    let a: UdpTransport;
    try {
      a = await UdpTransport.bind({ address: '::1', port: 0 });
    } catch (error) {
      t.skip(`no IPv6 loopback here: ${(error as Error).message}`);
      return;
    }
    const b = await UdpTransport.bind({ address: '::1', port: 0 });
    const got = receiveOne(b);
    a.send(Buffer.from('v6'), b.localAddress());
    assert.equal((await got).from.address, '::1');
    a.close();
    b.close();
  });
});
