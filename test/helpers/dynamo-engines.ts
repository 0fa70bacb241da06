// Real DynamoDB-compatible engines for the data-layer tests: dynalite (pure Node, in this
// process) and AWS's DynamoDB Local (a Java process; its jar is fetched into
// .cache/dynamodb-local/ by `node test/helpers/fetch-dynamodb-local.mjs`, which npm test runs
// first). Each engine comes with a DynamoDBClient already pointed at it; stop() closes the
// client and the engine.
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { tableNameEnv, type TableNames } from '../../shared/store/store-config.ts';
import { freeTcpPort } from './free-ports.ts';

export interface DynamoEngine {
  name: 'dynalite' | 'dynamodb-local';
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

/** A starter that also says which engine it starts, so tests can be named before starting it. */
export type DynamoEngineStarter = (() => Promise<DynamoEngine>) & { readonly engineName: DynamoEngine['name'] };

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const dynamoDbLocalDir = join(repoRoot, '.cache', 'dynamodb-local');
const dynamoDbLocalJar = join(dynamoDbLocalDir, 'DynamoDBLocal.jar');

const FETCH_HINT = 'node test/helpers/fetch-dynamodb-local.mjs';
const JAVA_HINT = 'apt-get install -y default-jre-headless';
const DYNAMODB_LOCAL_START_TIMEOUT_MS = 60_000;

/** Region and credentials are fake: neither engine checks signatures, only that there is one. */
export function clientFor(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'strowgertest', secretAccessKey: 'strowgertest' },
  });
}

/**
 * The environment a separate process (the worker, a Lambda bundle) needs to reach `engine`'s
 * tables named `names`, with fake credentials like `clientFor`'s.
 */
export function engineEnv(engine: Pick<DynamoEngine, 'endpoint'>, names: TableNames): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    ...tableNameEnv(names),
    STROWGER_DYNAMODB_ENDPOINT: engine.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'strowgertest',
    AWS_SECRET_ACCESS_KEY: 'strowgertest',
  };
}

// ---------------------------------------------------------------------------------------------
// dynalite

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}
type Dynalite = (options: DynaliteOptions) => HttpServer;

const require = createRequire(import.meta.url);

/**
 * Starts dynalite on 127.0.0.1 with an OS-chosen port. In memory unless `path` names a LevelDB
 * folder (created if missing; reopening the same path keeps the tables). Table and index status
 * changes (CREATING → ACTIVE and so on) are immediate rather than dynalite's default 500 ms.
 */
/** dynalite on `host` (loopback unless a test's other hosts must reach it). */
export async function startDynalite(options: { path?: string; host?: string } = {}): Promise<DynamoEngine> {
  const dynalite = require('dynalite') as Dynalite;
  const host = options.host ?? '127.0.0.1';
  const server = dynalite({ ...(options.path === undefined ? {} : { path: options.path }), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${host}:${port}`;
  const client = clientFor(endpoint);
  let stopped: Promise<void> | undefined;
  return {
    name: 'dynalite',
    endpoint,
    client,
    stop() {
      stopped ??= (async () => {
        client.destroy();
        // dynalite's close() waits for its store to close too (which matters for a LevelDB path).
        await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      })();
      return stopped;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// DynamoDB Local

/** Whether a `java` runs from PATH (answers -version). */
export async function javaAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('java', ['-version'], { timeout: 30_000 }, (error) => resolve(error === null));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps the last few KB of a child's output for error messages. */
function outputTail(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text.trim();
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, 5_000)) return;
  child.kill('SIGKILL');
  await waitForExit(child, 5_000);
}

class StartFailure extends Error {
  constructor(
    message: string,
    readonly portTaken: boolean,
  ) {
    super(message);
  }
}

async function launchDynamoDbLocal(port: number): Promise<DynamoEngine> {
  const child = spawn(
    'java',
    [
      // A short-lived test server: C1 only and the serial collector start it about a second
      // faster on a two-core machine than the JVM's defaults.
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      `-Djava.library.path=${join(dynamoDbLocalDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      dynamoDbLocalJar,
      '-inMemory',
      '-disableTelemetry',
      // One database whatever the region or access key, as dynalite does, so every client the
      // code under test builds sees the same tables.
      '-sharedDb',
      '-port',
      String(port),
    ],
    { cwd: dynamoDbLocalDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const tail = outputTail(child);
  // A forgotten stop() must not keep the test process alive, nor leave a JVM behind it.
  child.unref();
  (child.stdout as Socket | null)?.unref();
  (child.stderr as Socket | null)?.unref();
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const client = clientFor(endpoint);
  const probe = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'strowgertest', secretAccessKey: 'strowgertest' },
    maxAttempts: 1,
  });
  const fail = async (message: string, portTaken = false): Promise<never> => {
    probe.destroy();
    client.destroy();
    await killChild(child);
    process.off('exit', killOnExit);
    const output = tail();
    throw new StartFailure(`${message}${output ? `\n--- DynamoDB Local output ---\n${output}` : ''}`, portTaken);
  };

  const deadline = Date.now() + DYNAMODB_LOCAL_START_TIMEOUT_MS;
  try {
    for (;;) {
      if (spawnError) return await fail(`DynamoDB Local: could not run java: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        const taken = /BindException|Address already in use/i.test(tail());
        return await fail(`DynamoDB Local exited (${child.exitCode ?? child.signalCode}) before answering on port ${port}`, taken);
      }
      try {
        await probe.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(2_000) });
        break;
      } catch {
        // Not listening yet (connection refused) or still starting up: poll again.
      }
      if (Date.now() > deadline) {
        return await fail(`DynamoDB Local did not answer ListTables on ${endpoint} within ${DYNAMODB_LOCAL_START_TIMEOUT_MS} ms`);
      }
      await sleep(100);
    }
  } finally {
    probe.destroy();
  }

  let stopped: Promise<void> | undefined;
  return {
    name: 'dynamodb-local',
    endpoint,
    client,
    stop() {
      stopped ??= (async () => {
        client.destroy();
        await killChild(child);
        process.off('exit', killOnExit);
      })();
      return stopped;
    },
  };
}

/**
 * Starts DynamoDB Local in memory on a free 127.0.0.1 port (the JVM itself listens on all
 * interfaces: the jar has no bind-address option) and resolves once it answers ListTables.
 * Throws, saying what to install, when java or the jar is missing.
 */
export async function startDynamoDbLocal(): Promise<DynamoEngine> {
  const missing: string[] = [];
  if (!(await javaAvailable())) {
    missing.push(`java is not on PATH (install a JRE: \`${JAVA_HINT}\`)`);
  }
  if (!existsSync(dynamoDbLocalJar)) {
    missing.push(`${dynamoDbLocalJar} is missing (fetch it: \`${FETCH_HINT}\`)`);
  }
  if (missing.length > 0) {
    throw new Error(`DynamoDB Local cannot start: ${missing.join('; ')}`);
  }
  // The free port is only probed, so another process may take it before the JVM binds: retry.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchDynamoDbLocal(await freeTcpPort());
    } catch (error) {
      if (!(error instanceof StartFailure && error.portTaken && attempt < 3)) throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------

function starter(engineName: DynamoEngine['name'], start: () => Promise<DynamoEngine>): DynamoEngineStarter {
  return Object.assign(() => start(), { engineName });
}

/**
 * The engines to run data-layer tests against: dynalite and DynamoDB Local, always. Without
 * java or the jar DynamoDB Local's starter throws saying what to install, so its tests fail
 * loudly rather than the suite quietly testing less (npm test checks for java and fetches the
 * jar before any test runs). A promise, as callers await it (it used to probe for java).
 */
export function availableEngines(): Promise<DynamoEngineStarter[]> {
  return Promise.resolve([starter('dynalite', () => startDynalite()), starter('dynamodb-local', startDynamoDbLocal)]);
}
