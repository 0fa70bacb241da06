// `npm start` as a user runs it, in a temporary data folder on free ports: the console built
// first if stale (what npm's prestart does), then the supervised platform process. Resolves
// once its API answers; stop() is Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConsole, consoleIsStale } from '../../infra/bundling/build-console.ts';
import { freeTcpPort } from './worker-process.ts';
import { waitFor } from './wait-for.ts';

export interface PlatformProcess {
  /** The API and the console: http://127.0.0.1:<port> */
  url: string;
  iax: { address: string; port: number };
  operatorKey: string;
  /** What the platform wrote to stderr so far (its JSON log lines). */
  stderr(): string;
  stop(): Promise<void>;
}

export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export async function startPlatformProcess(env: Record<string, string> = {}): Promise<PlatformProcess> {
  if (consoleIsStale()) await buildConsole();
  const dataDir = mkdtempSync(join(tmpdir(), 'strowger-platform-'));
  const [iaxPort, apiPort, statusPort] = [await freeUdpPort(), await freeTcpPort(), await freeTcpPort()];
  const operatorKey = `stg_op_${'c'.repeat(43)}`;
  let stderr = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'services/local/start.ts'], {
    cwd: join(import.meta.dirname, '..', '..'),
    env: {
      ...process.env,
      STROWGER_DATA_DIR: dataDir,
      STROWGER_IAX_BIND: `127.0.0.1:${iaxPort}`,
      STROWGER_API_BIND: `127.0.0.1:${apiPort}`,
      STROWGER_HEALTH_BIND: `127.0.0.1:${statusPort}`,
      STROWGER_ADMIN_KEY: operatorKey,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${apiPort}`;
  try {
    await waitFor('the platform\'s API', async () => {
      if (child.exitCode !== null) throw new Error(`the platform exited (${child.exitCode}): ${stderr}`);
      return fetch(`${url}/v1/openapi.json`).then((r) => (r.ok ? true : undefined), () => undefined);
    }, 40_000);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    iax: { address: '127.0.0.1', port: iaxPort },
    operatorKey,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGINT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
