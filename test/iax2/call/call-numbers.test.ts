import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../shared/clock.ts';
import { CallNumberAllocator, CALLNO_HOLD_OFF_MS, SETUP_HOLD_OFF_MS } from '../../../services/iax2/call/call-numbers.ts';
import { SeededRandom } from '../../helpers/seeded-random.ts';

describe('call numbers (protocol.md §0, §7.5)', () => {
  it('draws normal calls from 2..16383 and trunked ones from 16384..32767, at random', () => {
    const rng = new SeededRandom(7);
    const a = new CallNumberAllocator(new ManualClock(), {}, () => rng.next());
    const normal = Array.from({ length: 200 }, () => a.allocate('10.0.0.1', true) as number);
    assert.ok(normal.every((n) => n >= 2 && n <= 16383));
    assert.equal(new Set(normal).size, 200);
    assert.ok(Math.max(...normal) - Math.min(...normal) > 8000, 'spread over the range, not sequential');
    const trunk = a.allocate('10.0.0.1', true, true) as number;
    assert.ok(trunk >= 16384 && trunk <= 32767);
  });

  it('holds a released number off for 60 s, and the per-IP count with it', () => {
    const clock = new ManualClock();
    const a = new CallNumberAllocator(clock, { maxPerIp: 1 });
    const n = a.allocate('10.0.0.1', true) as number;
    a.release(n);
    assert.equal(a.allocate('10.0.0.1', true), 'ip-limit');
    clock.advance(CALLNO_HOLD_OFF_MS - 1);
    assert.equal(a.allocate('10.0.0.1', true), 'ip-limit');
    clock.advance(1);
    assert.equal(typeof a.allocate('10.0.0.1', true), 'number');
  });

  it('applies [callnumberlimits] networks and per-peer overrides before the default', () => {
    const a = new CallNumberAllocator(new ManualClock(), { maxPerIp: 5, networks: [{ network: '192.0.2.0/24', max: 2 }] });
    assert.equal(a.limitFor('192.0.2.9'), 2);
    assert.equal(a.limitFor('198.51.100.1'), 5);
    a.setIpLimit('192.0.2.9', 'pbx1', 10);
    assert.equal(a.limitFor('192.0.2.9'), 10);
  });

  it("a peer's own maxcallnumbers is capped at the operator's ceiling and goes when the peer does", () => {
    const a = new CallNumberAllocator(new ManualClock(), { maxPerIp: 5, maxPerIpCeiling: 100 });
    a.setIpLimit('192.0.2.9', 'pbx1', 32_768);
    assert.equal(a.limitFor('192.0.2.9'), 100);
    a.setIpLimit('192.0.2.9', 'pbx2', 20);
    a.setIpLimit('192.0.2.9', 'pbx1', undefined);
    assert.equal(a.limitFor('192.0.2.9'), 20, 'the other peer behind the same address keeps its own');
    a.setIpLimit('192.0.2.9', 'pbx2', undefined);
    assert.equal(a.limitFor('192.0.2.9'), 5);
  });

  it('dialogs in setup have a budget of their own, per IP and in all; promotion leaves it; a failed setup is held off only briefly', () => {
    const clock = new ManualClock();
    const a = new CallNumberAllocator(clock, { maxInSetup: 6, maxInSetupPerIp: 3 });
    const first = [0, 1, 2].map(() => a.allocate('10.0.0.1', true, false, true) as number);
    assert.equal(a.allocate('10.0.0.1', true, false, true), 'setup-limit');
    assert.equal(typeof a.allocate('10.0.0.1', true), 'number', 'an authenticated or registered dialog is not in the budget');
    for (let i = 0; i < 3; i++) assert.equal(typeof a.allocate('10.0.0.2', true, false, true), 'number');
    assert.equal(a.allocate('10.0.0.3', true, false, true), 'setup-limit', 'the budget in all');
    a.promote(first[0]!);
    assert.equal(a.stats.inSetup, 5);
    assert.equal(typeof a.allocate('10.0.0.1', true, false, true), 'number', 'promotion made room');
    a.release(first[1]!);
    a.release(first[0]!);
    clock.advance(SETUP_HOLD_OFF_MS);
    assert.equal(a.stats.inSetup, 5, 'the unauthenticated one is back after the short hold');
    assert.equal(a.countFor('10.0.0.1'), 4, 'the promoted one still holds off for 60 s');
    clock.advance(CALLNO_HOLD_OFF_MS);
    assert.equal(a.countFor('10.0.0.1'), 3);
  });

  it('caps calls without a validated token across all addresses', () => {
    const a = new CallNumberAllocator(new ManualClock(), { maxNonValidated: 3 });
    for (let i = 0; i < 3; i++) assert.equal(typeof a.allocate(`10.0.0.${i}`, false), 'number');
    assert.equal(a.allocate('10.0.0.9', false), 'nonvalidated-limit');
    assert.equal(typeof a.allocate('10.0.0.9', true), 'number', 'validated calls are not counted');
  });
});
