// `npm start` as an operator runs it, for tests: the supervisor (services/local/start.ts) in a
// process group of its own, as a terminal would run it, so that ctrlC() signals the whole
// group (supervisor and platform at once) exactly as a Ctrl-C does, and kill() ends all of it.
// On free loopback ports (or the ones given), in a temporary data folder unless given one,
// with the operator key OPERATOR_KEY; what it writes to stdout and stderr is kept.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConsole, consoleIsStale } from '../../infra/bundling/build-console.ts';
import { freeTcpPort, freeUdpPort } from './free-ports.ts';
import { waitFor } from './wait-for.ts';

export const OPERATOR_KEY = `stg_op_${'k'.repeat(43)}`;

const REPO_ROOT = join(import.meta.dirname, '..', '..');

export interface NpmStartPorts {
  iax: number;
  api: number;
  status: number;
}

export interface NpmStartOptions {
  /** The data folder (STROWGER_DATA_DIR); absent, a temporary one that close() removes. */
  dataDir?: string;
  /** Settings over the helper's (the binds, the operator key, LOG_LEVEL=warn). */
  env?: Record<string, string>;
  /** Ports to bind instead of free ones (a port another program holds, for instance). */
  ports?: Partial<NpmStartPorts>;
  /** Build the web console first if it is stale, as npm's prestart does, for tests that load it. */
  console?: boolean;
}

export interface Health {
  workerId: string;
  activeCalls: number;
}

export interface NpmStart {
  child: ChildProcess;
  dataDir: string;
  ports: NpmStartPorts;
  /** Where the boxes reach the platform's IAX2 port. */
  iax: { address: string; port: number };
  /** The API and the console: http://127.0.0.1:<port> */
  url: string;
  operatorKey: string;
  stdout: () => string;
  /** What it wrote to stderr so far (the supervisor's lines and the platform's JSON log). */
  stderr: () => string;
  /** performance.now() when spawned. */
  startedAt: number;
  /** Resolves with the exit code (null for a signal) and performance.now() at exit. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** /healthz's body once it answers 200, else undefined. */
  health: () => Promise<Health | undefined>;
  /** /healthz's body once the status port and the API both answer; rejects with its stderr if it exits first. */
  up: (timeoutMs?: number) => Promise<Health>;
  /** A request to the API, as the operator unless `key` says otherwise. */
  api: (method: string, path: string, body?: unknown, key?: string) => Promise<Response>;
  /** SIGINT to the whole process group, as the terminal sends it on Ctrl-C. */
  ctrlC: () => void;
  /** The end of it, however it is: SIGKILL to the group. */
  kill: () => void;
  /** Ctrl-C, SIGKILL 15 s later if it is still running; resolves once it has exited and its temporary data folder is gone. */
  close: () => Promise<void>;
}

export async function npmStart(options: NpmStartOptions = {}): Promise<NpmStart> {
  if (options.console === true && consoleIsStale()) await buildConsole();
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'strowger-npm-start-'));
  const ports: NpmStartPorts = {
    iax: options.ports?.iax ?? await freeUdpPort(),
    api: options.ports?.api ?? await freeTcpPort(),
    status: options.ports?.status ?? await freeTcpPort(),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/local/start.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      STROWGER_DATA_DIR: dataDir,
      STROWGER_IAX_BIND: `127.0.0.1:${ports.iax}`,
      STROWGER_API_BIND: `127.0.0.1:${ports.api}`,
      STROWGER_HEALTH_BIND: `127.0.0.1:${ports.status}`,
      STROWGER_ADMIN_KEY: OPERATOR_KEY,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const startedAt = performance.now();
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
  const group = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const url = `http://127.0.0.1:${ports.api}`;
  const health = async (): Promise<Health | undefined> => {
    try {
      const response = await fetch(`http://127.0.0.1:${ports.status}/healthz`);
      return response.ok ? ((await response.json()) as Health) : undefined;
    } catch {
      return undefined;
    }
  };
  let closed: Promise<void> | undefined;
  return {
    child,
    dataDir,
    ports,
    iax: { address: '127.0.0.1', port: ports.iax },
    url,
    operatorKey: OPERATOR_KEY,
    stdout: () => stdout,
    stderr: () => stderr,
    startedAt,
    exited,
    health,
    up: (timeoutMs = 30_000) => waitFor('npm start to answer on its status port and its API', async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`npm start exited (${child.exitCode ?? child.signalCode}): ${stderr}`);
      const body = await health();
      if (body === undefined) return undefined;
      return fetch(`${url}/v1/openapi.json`).then((r) => (r.ok ? body : undefined), () => undefined);
    }, timeoutMs),
    api: (method, path, body, key = OPERATOR_KEY) => fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
    ctrlC: () => group('SIGINT'),
    kill: () => group('SIGKILL'),
    close: () => closed ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        group('SIGINT');
        const killer = setTimeout(() => group('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    })(),
  };
}
