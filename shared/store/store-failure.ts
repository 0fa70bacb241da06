/**
 * What kind of failure a store call ended in. A refused conditional write is an answer, not a
 * failure; a client error (a bad request, a missing table) means the store answered and the
 * request was wrong, so retrying it changes nothing; the rest (no answer in time, no
 * connection, throttling, a 5xx) mean the store cannot serve now and the same request may
 * well succeed later: those make a worker fall back on what it last read and queue its writes.
 */
import { StrowgerError } from '../errors.ts';
import { isConditionFailure } from './store-errors.ts';

export type StoreFailureKind = 'condition' | 'client' | 'throttle' | 'server' | 'timeout' | 'network';

const THROTTLES = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'LimitExceededException']);
const TIMEOUTS = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);

export function classifyStoreFailure(error: unknown): StoreFailureKind {
  if (isConditionFailure(error)) return 'condition';
  // The data layer's own domain errors (validation, conflict, not found) are answers.
  if (error instanceof StrowgerError) return 'client';
  if (typeof error !== 'object' || error === null) return 'network';
  const { name, code, $metadata } = error as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (typeof name === 'string' && THROTTLES.has(name)) return 'throttle';
  if ((typeof name === 'string' && TIMEOUTS.has(name)) || (typeof code === 'string' && TIMEOUT_CODES.has(code))) return 'timeout';
  const status = $metadata?.httpStatusCode;
  if (typeof status !== 'number') return 'network'; // no HTTP answer at all
  if (status === 429) return 'throttle';
  return status >= 500 ? 'server' : 'client';
}

/** True when the store could not serve (retry later, serve what was last read); false for an answer. */
export function isStoreOutage(error: unknown): boolean {
  const kind = classifyStoreFailure(error);
  return kind !== 'condition' && kind !== 'client';
}
