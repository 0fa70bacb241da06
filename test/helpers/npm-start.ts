// `npm start` as an operator runs it, for tests: the supervisor (services/local/start.ts) in a
// process group of its own, as a terminal would run it, so that ctrlC() signals the whole
// group (supervisor and platform at once) exactly as a Ctrl-C does.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

export const OPERATOR_KEY = `stg_op_${'k'.repeat(43)}`;

export interface NpmStart {
  child: ChildProcess;
  ports: { iax: number; api: number; status: number };
  stdout: () => string;
  stderr: () => string;
  /** performance.now() when spawned. */
  startedAt: number;
  /** Resolves with the exit code (null for a signal) and performance.now() at exit. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** /healthz's body once it answers 200, else undefined. */
  health: () => Promise<{ workerId: string; activeCalls: number } | undefined>;
  api: (method: string, path: string, body?: unknown) => Promise<Response>;
  /** SIGINT to the whole process group, as the terminal sends it on Ctrl-C. */
  ctrlC: () => void;
  /** The end of it, however it is: SIGKILL to the group. */
  kill: () => void;
}

export async function npmStart(dataDir: string, env: Record<string, string> = {}, ports?: { iax: number; api: number; status: number }): Promise<NpmStart> {
  const chosen = ports ?? { iax: await freeUdpPort(), api: await freeTcpPort(), status: await freeTcpPort() };
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/local/start.ts'], {
    env: {
      ...process.env,
      STROWGER_DATA_DIR: dataDir,
      STROWGER_IAX_BIND: `127.0.0.1:${chosen.iax}`,
      STROWGER_API_BIND: `127.0.0.1:${chosen.api}`,
      STROWGER_HEALTH_BIND: `127.0.0.1:${chosen.status}`,
      STROWGER_ADMIN_KEY: OPERATOR_KEY,
      LOG_LEVEL: 'warn',
      ...env,
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
  return {
    child,
    ports: chosen,
    stdout: () => stdout,
    stderr: () => stderr,
    startedAt,
    exited,
    health: async () => {
      try {
        const response = await fetch(`http://127.0.0.1:${chosen.status}/healthz`);
        return response.ok ? ((await response.json()) as { workerId: string; activeCalls: number }) : undefined;
      } catch {
        return undefined;
      }
    },
    api: (method, path, body) => fetch(`http://127.0.0.1:${chosen.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
    ctrlC: () => group('SIGINT'),
    kill: () => group('SIGKILL'),
  };
}
