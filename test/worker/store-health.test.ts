// The store's health as the worker sees its calls (manual clock): degraded from an outage
// failure until a call that started after it is answered, not by a refused request, not again
// by a call that was already hanging when the store came back; latency in a histogram; errors
// by kind, logged a few at a time; /metrics lines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreHealth } from '../../services/worker/store-health.ts';
import { queuedWrites, storeMetricLines } from '../../services/worker/store-metrics.ts';
import { ManualClock } from '../../shared/clock.ts';
import { jsonLogger } from '../../shared/logger.ts';
import { ConflictError } from '../../shared/store/store-errors.ts';
import { classifyStoreFailure, isStoreOutage } from '../../shared/store/store-failure.ts';

const timeout = () => Object.assign(new Error('no answer'), { name: 'TimeoutError' });

describe('store health', () => {
  it('failures are classified: outages (timeout, network, throttle, 5xx) apart from answers (conditions, refusals)', () => {
    assert.equal(classifyStoreFailure(timeout()), 'timeout');
    assert.equal(classifyStoreFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'network');
    assert.equal(classifyStoreFailure(Object.assign(new Error('x'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } })), 'throttle');
    assert.equal(classifyStoreFailure(Object.assign(new Error('x'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } })), 'server');
    assert.equal(classifyStoreFailure(Object.assign(new Error('x'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } })), 'client');
    assert.equal(classifyStoreFailure(Object.assign(new Error('x'), { name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } })), 'condition');
    assert.equal(classifyStoreFailure(new ConflictError('exists')), 'client');
    assert.deepEqual([isStoreOutage(timeout()), isStoreOutage(new ConflictError('exists'))], [true, false]);
  });

  it('degraded from an outage until a call started after it is answered; a late failure of an older call does not count', () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const health = new StoreHealth({ clock, logger: jsonLogger({ service: 't', write: (line) => lines.push(line), now: () => clock.wallNow() }) });
    let recovered = 0;
    health.onRecovered(() => recovered++);
    clock.advance(1000);
    health.succeeded('GetCommand', 4);
    assert.equal(health.degraded, false);
    clock.advance(4000);
    health.failed('GetCommand', 4000, timeout()); // started at 1000
    assert.equal(health.degraded, true);
    health.failed('PutCommand', 10, Object.assign(new Error('bad'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } }));
    assert.equal(health.degraded, false, 'a refused request is an answer: the store is there');
    clock.advance(10);
    health.failed('GetCommand', 5, timeout());
    assert.equal(health.degraded, true);
    clock.advance(1000);
    health.succeeded('PutCommand', 20);
    assert.equal(health.degraded, false);
    clock.advance(3000);
    health.failed('QueryCommand', 4000, timeout()); // started before the success above
    assert.equal(health.degraded, false);
    assert.equal(recovered, 2);
    const figures = health.figures();
    assert.deepEqual(figures.errors, { client: 1, throttle: 0, server: 0, timeout: 3, network: 0 });
    assert.equal(figures.calls, 6);
    assert.deepEqual(figures.latencyBucketCounts, [2, 3, 4, 4, 4, 4, 4, 4, 4, 6, 6]);
    assert.equal(lines.filter((l) => l.includes('the store is failing')).length, 2);
    assert.equal(lines.filter((l) => l.includes('the store answers again')).length, 2);
  });

  it('store errors are logged a few per kind and window, then counted', () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const health = new StoreHealth({ clock, logger: jsonLogger({ service: 't', write: (line) => lines.push(line) }) });
    for (let i = 0; i < 150; i++) {
      clock.advance(100);
      health.failed('GetCommand', 50, timeout());
    }
    const failed = lines.filter((l) => l.includes('"store call failed"'));
    assert.ok(failed.length >= 3 && failed.length <= 6, `${failed.length} lines`);
    assert.ok(failed.some((l) => l.includes('suppressedSimilar')));
  });

  it('/metrics lines: degraded gauge, queued writes, errors by kind, the latency histogram, the queues', () => {
    const clock = new ManualClock();
    const health = new StoreHealth({ clock, logger: jsonLogger({ service: 't', write: () => {} }) });
    health.succeeded('GetCommand', 3);
    clock.advance(2100);
    health.failed('GetCommand', 2100, timeout());
    const queue = { queued: 5, written: 2, dropped: 0, coalesced: 1, failures: 3 };
    const figures = { health: health.figures(), queues: { registrations: { ...queue, size: 2 }, cdrs: { ...queue, size: 0 } }, servedStale: { routes: 4 } };
    assert.equal(queuedWrites(figures), 2);
    const text = storeMetricLines(figures).join('\n');
    assert.match(text, /^strowger_store_degraded 1$/m);
    assert.match(text, /^strowger_store_queued_writes 2$/m);
    assert.match(text, /^strowger_store_errors_total\{kind="timeout"\} 1$/m);
    assert.match(text, /^strowger_store_call_duration_seconds_bucket\{le="0.005"\} 1$/m);
    assert.match(text, /^strowger_store_call_duration_seconds_bucket\{le="2.5"\} 2$/m);
    assert.match(text, /^strowger_store_call_duration_seconds_count 2$/m);
    assert.match(text, /^strowger_store_write_behind_total\{queue="cdrs",outcome="queued"\} 5$/m);
    assert.match(text, /^strowger_store_stale_reads_total\{what="routes"\} 4$/m);
  });
});
