// The engine's event emitter: listeners run in the order they came, each event only its own;
// listeners added or removed while an event is being emitted take effect from the next emit
// (the one in progress sees the listeners as they were when it began); a listener that throws is
// reported and the others still run; once, off and removeAll.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypedEvents } from '../../services/iax2/typed-events.ts';

interface Events {
  a: number;
  b: string;
}

describe('TypedEvents', () => {
  it('runs each event\'s listeners in order, and only them', () => {
    const events = new TypedEvents<Events>();
    const seen: string[] = [];
    events.on('a', (n) => seen.push(`a1:${n}`));
    events.on('b', (s) => seen.push(`b:${s}`));
    events.on('a', (n) => seen.push(`a2:${n}`));
    events.emit('a', 7);
    events.emit('b', 'x');
    assert.deepEqual(seen, ['a1:7', 'a2:7', 'b:x']);
  });

  it('changes made while emitting apply from the next emit', () => {
    const events = new TypedEvents<Events>();
    const seen: string[] = [];
    let offSecond = (): void => {};
    events.on('a', () => {
      seen.push('first');
      offSecond();
      events.on('a', () => seen.push('added'));
    });
    offSecond = events.on('a', () => seen.push('second'));
    events.emit('a', 1);
    assert.deepEqual(seen, ['first', 'second'], 'the emit in progress sees the listeners it began with');
    seen.length = 0;
    events.emit('a', 2);
    assert.deepEqual(seen, ['first', 'added']);
  });

  it('once runs one time; off removes one registration; removeAll removes every one', () => {
    const events = new TypedEvents<Events>();
    let onceCount = 0;
    let count = 0;
    const listener = (): void => {
      count++;
    };
    events.once('a', () => onceCount++);
    events.on('a', listener);
    events.on('a', listener);
    events.emit('a', 1);
    events.emit('a', 1);
    assert.deepEqual([onceCount, count], [1, 4]);
    events.off('a', listener);
    events.emit('a', 1);
    assert.equal(count, 5, 'one of the two registrations left');
    events.off('b', listener);
    events.removeAll();
    events.emit('a', 1);
    assert.equal(count, 5);
  });

  it('a listener that throws is reported, and the others still run', () => {
    const errors: Array<[string, unknown]> = [];
    const events = new TypedEvents<Events>((event, error) => errors.push([event, error]));
    const seen: number[] = [];
    events.on('a', () => {
      throw new Error('boom');
    });
    events.on('a', (n) => seen.push(n));
    events.emit('a', 3);
    assert.deepEqual(seen, [3]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]![0], 'a');
  });
});
