// Call tokens (protocol.md §7.3): 9 base64url characters, the low 6 bits of the Unix seconds and a 48-bit tag, bound to the requester's IP and
// port, good for 10 s, signed with a rotating server secret of which the previous one is kept.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../shared/clock.ts';
import { isStrowgerError } from '../../../shared/errors.ts';
import { CallTokenService } from '../../../services/iax2/crypto/index.ts';

const REMOTE = { address: '192.0.2.10', port: 4569 };
const WALL_START = Date.UTC(2026, 10, 23, 4, 0, 0);

function setup(options: { rotateEveryMs?: number; expirationS?: number } = {}) {
  const clock = new ManualClock(0, WALL_START);
  let made = 0;
  // Distinct, predictable secrets, so a test can tell which one signed a token.
  const secretSource = () => Buffer.alloc(32, ++made);
  const service = new CallTokenService({ clock, secretSource, ...options });
  return { clock, service, secretsMade: () => made };
}

describe('CallTokenService.issue', () => {
  it('gives 9 bytes of base64url: the low 6 bits of the wall-clock seconds, then a 48-bit tag', () => {
    const { service } = setup();
    const token = service.issue(REMOTE);
    assert.equal(token.length, 9);
    assert.match(token.toString('latin1'), /^[A-Za-z0-9_-]{9}$/);
    const low = Buffer.from(`${token.toString('latin1', 0, 1)}AAA`, 'base64url').readUInt8(0) >> 2;
    assert.equal(low, (WALL_START / 1000) & 0x3f, 'stamped with the seconds\' low bits');
  });

  it('tags with the first 48 bits of HMAC-SHA1 keyed by the server secret over "<ip>:<port>" (IPv6 "[addr]:port") then the seconds', () => {
    const { service } = setup();
    const seconds = WALL_START / 1000;
    const secret = Buffer.alloc(32, 1); // the first secret setup() injects
    const expected = (host: string) => createHmac('sha1', secret).update(`${host}${seconds}`).digest().subarray(0, 6).toString('base64url');
    assert.equal(service.issue(REMOTE).toString('latin1').slice(1), expected('192.0.2.10:4569'));
    assert.equal(service.issue({ address: '2001:db8::1', port: 4569 }).toString('latin1').slice(1), expected('[2001:db8::1]:4569'));
  });

  it('gives the same token to the same address within one second, and a different one to another port or address', () => {
    const { clock, service } = setup();
    const token = service.issue(REMOTE);
    clock.advance(999);
    assert.deepEqual(service.issue(REMOTE), token);
    assert.notDeepEqual(service.issue({ ...REMOTE, port: 4570 }), token);
    assert.notDeepEqual(service.issue({ ...REMOTE, address: '192.0.2.11' }), token);
  });
});

describe('CallTokenService.validate', () => {
  it('is valid at once and at 9.999 s, expired at 10 s (0 <= now - t < 10, protocol.md §7.3)', () => {
    const { clock, service } = setup();
    const token = service.issue(REMOTE);
    assert.equal(service.validate(token, REMOTE), 'valid');
    clock.advance(9_999);
    assert.equal(service.validate(token, REMOTE), 'valid');
    clock.advance(1);
    assert.equal(service.validate(token, REMOTE), 'expired');
    clock.advance(30_000);
    assert.equal(service.validate(token, REMOTE), 'expired');
    clock.advance(24_000);
    assert.equal(service.validate(token, REMOTE), 'forged', '64 s on, its time bits look new, but the tag covers the whole seconds');
  });

  it('honours expirationS', () => {
    const { clock, service } = setup({ expirationS: 3 });
    const token = service.issue(REMOTE);
    clock.advance(2_999);
    assert.equal(service.validate(token, REMOTE), 'valid');
    clock.advance(1);
    assert.equal(service.validate(token, REMOTE), 'expired');
  });

  it('a token from the future (the wall clock stepped back) is not valid, and one whose time bits were changed is forged', () => {
    const { clock, service } = setup();
    clock.advance(5_000);
    const token = service.issue(REMOTE);
    clock.advance(-2_000);
    assert.notEqual(service.validate(token, REMOTE), 'valid');
    clock.advance(2_000);
    const moved = Buffer.from(token);
    moved[0] = moved[0] === 0x41 ? 0x42 : 0x41;
    assert.equal(service.validate(moved, REMOTE), 'forged');
  });

  it('is forged when any byte of the hash changes', () => {
    const { service } = setup();
    const token = service.issue(REMOTE);
    for (let at = 1; at < token.length; at++) {
      const tampered = Buffer.from(token);
      tampered[at] = tampered[at] === 0x41 ? 0x42 : 0x41;
      assert.equal(service.validate(tampered, REMOTE), 'forged', `hash byte ${at}`);
    }
    const upper = Buffer.from(token.toString('latin1').toUpperCase(), 'latin1');
    if (!upper.equals(token)) assert.equal(service.validate(upper, REMOTE), 'forged', 'the hash is compared exactly');
  });

  it('is forged when the seconds change (the tag covers them)', () => {
    const { clock, service } = setup();
    clock.advance(5_000);
    const token = service.issue(REMOTE);
    const earlier = Buffer.from(token);
    earlier[0] = token[0] === 0x42 ? 0x41 : 0x42;
    assert.equal(service.validate(earlier, REMOTE), 'forged');
  });

  it('is forged from another port or another address: the token is bound to IP and port (protocol.md §7.3)', () => {
    const { service } = setup();
    const token = service.issue(REMOTE);
    assert.equal(service.validate(token, { ...REMOTE, port: 4570 }), 'forged');
    assert.equal(service.validate(token, { ...REMOTE, address: '192.0.2.11' }), 'forged');
  });

  it('binds IPv6 addresses the same way ("[addr]:port")', () => {
    const { service } = setup();
    const remote = { address: '2001:db8::1', port: 4569 };
    const token = service.issue(remote);
    assert.equal(service.validate(token, remote), 'valid');
    assert.equal(service.validate(token, { ...remote, port: 4570 }), 'forged');
    assert.equal(service.validate(token, { address: '2001:db8::2', port: 4569 }), 'forged');
  });

  it('is forged for garbage and never throws', () => {
    const { service } = setup();
    const genuine = service.issue(REMOTE).toString('latin1');
    const garbage = [
      '',
      'abc',
      '?'.repeat(9),
      `${genuine}A`,
      genuine.slice(0, 8),
      `.${genuine.slice(1)}`,
      `${genuine.slice(0, 1)}${'='.repeat(8)}`,
      `${genuine.slice(0, 8)}?`,
    ];
    for (const text of garbage) assert.equal(service.validate(Buffer.from(text, 'latin1'), REMOTE), 'forged', JSON.stringify(text));
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(Array.from({ length: i % 80 }, (_, j) => (i * 31 + j * 17) & 0xff));
      assert.equal(service.validate(bytes, REMOTE), 'forged');
    }
  });
});

describe('secret rotation', () => {
  it('keeps tokens from just before one rotation valid, and makes them forged after a second', () => {
    const { clock, service, secretsMade } = setup({ rotateEveryMs: 4_000 });
    clock.advance(3_900);
    const token = service.issue(REMOTE);
    clock.advance(200); // 4.1 s: one rotation
    assert.equal(service.validate(token, REMOTE), 'valid');
    assert.equal(secretsMade(), 2, 'a new secret was made at the rotation');
    assert.notDeepEqual(service.issue(REMOTE), token, 'new tokens use the new secret');
    clock.advance(4_000); // 8.1 s: a second rotation, token only 4.2 s old
    assert.equal(service.validate(token, REMOTE), 'forged');
  });

  it('forgets both old secrets when two periods pass at once', () => {
    const { clock, service } = setup({ rotateEveryMs: 4_000 });
    const token = service.issue(REMOTE);
    clock.advance(8_000);
    assert.equal(service.validate(token, REMOTE), 'forged');
    assert.equal(service.validate(service.issue(REMOTE), REMOTE), 'valid');
  });

  it('rotates every 10 minutes by default', () => {
    const { clock, service, secretsMade } = setup();
    service.issue(REMOTE);
    clock.advance(599_999);
    service.issue(REMOTE);
    assert.equal(secretsMade(), 1);
    clock.advance(1);
    service.issue(REMOTE);
    assert.equal(secretsMade(), 2);
  });

  it('draws secrets from crypto.randomBytes when none is injected: two services do not accept each other\'s tokens', () => {
    const clock = new ManualClock(0, WALL_START);
    const a = new CallTokenService({ clock });
    const b = new CallTokenService({ clock });
    assert.equal(a.validate(a.issue(REMOTE), REMOTE), 'valid');
    assert.equal(b.validate(a.issue(REMOTE), REMOTE), 'forged');
  });

  it('refuses a non-positive rotation period or expiration', () => {
    const clock = new ManualClock();
    const code = (err: unknown) => isStrowgerError(err, 'IAX2_ERR_CALL_TOKEN_OPTION');
    assert.throws(() => new CallTokenService({ clock, rotateEveryMs: 0 }), code);
    assert.throws(() => new CallTokenService({ clock, expirationS: 0 }), code);
    assert.throws(() => new CallTokenService({ clock, expirationS: 2.5 }), code);
    assert.throws(() => new CallTokenService({ clock, expirationS: 64 }), code, 'the time bits name one second in 64');
  });
});
