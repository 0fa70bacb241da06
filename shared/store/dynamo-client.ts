/**
 * The one place a long-running process (the worker, the local platform) builds its DynamoDB
 * client. The SDK's defaults wait on a dead connection for as long as the OS lets them, so a
 * store outage would hang every call that reads the store; here each attempt gets a connect
 * and a request deadline and the retry budget is small (one retry), so a dead store costs a
 * caller a few seconds at most and the caches and write-behind queues above take over.
 * An optional observer sees every call's outcome and duration (the worker's store health).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isConditionFailure } from './store-errors.ts';

/** Per attempt: establishing the connection, then the whole request (connect included). */
export const STORE_CONNECT_TIMEOUT_MS = 1000;
export const STORE_REQUEST_TIMEOUT_MS = 2000;
/** Attempts per call: the first and one retry (the SDK adds its own back-off and retry quota). */
export const STORE_MAX_ATTEMPTS = 2;

/** Sees each store call as it ends: a refused conditional write is an answer, not a failure. */
export interface StoreCallObserver {
  succeeded(command: string, durationMs: number): void;
  failed(command: string, durationMs: number, error: unknown): void;
}

export interface DynamoClientOptions {
  /** A local engine (dynalite, DynamoDB Local); unset in AWS. */
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxAttempts?: number;
  observer?: StoreCallObserver;
}

/**
 * The SDK prints an 8-line NodeVersionSupportWarning (later releases will need Node 22) on the
 * first client it builds under Node 20, into every log and `npm start` screen. Production runs
 * Node 22, and package.json pins the SDK, so here it is noise: this is the SDK's own switch for
 * that one warning (every other warning still prints). Someone who set it either way wins.
 */
function silenceSdkNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

export function createDynamoClient(options: DynamoClientOptions = {}): DynamoDBClient {
  silenceSdkNodeVersionWarning();
  const client = new DynamoDBClient({
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: options.maxAttempts ?? STORE_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? STORE_CONNECT_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? STORE_REQUEST_TIMEOUT_MS,
      // Without it the handler only warns (on the console) when the request deadline passes.
      throwOnRequestTimeout: true,
    },
  });
  if (options.observer !== undefined) observeStoreCalls(client, options.observer);
  return client;
}

/**
 * Reports every call made through `client` (the document client's included: it shares the
 * stack) to `observer`, timed around the retries, so one logical call is one observation.
 */
export function observeStoreCalls(client: DynamoDBClient, observer: StoreCallObserver, now: () => number = () => performance.now()): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      const startedAt = now();
      try {
        const result = await next(args);
        observer.succeeded(command, now() - startedAt);
        return result;
      } catch (error) {
        if (isConditionFailure(error)) observer.succeeded(command, now() - startedAt);
        else observer.failed(command, now() - startedAt, error);
        throw error;
      }
    },
    { step: 'initialize', name: 'strowgerStoreCallObserver', override: true },
  );
}
