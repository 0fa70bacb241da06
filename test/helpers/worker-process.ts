// The worker as a separate process (from source through tsx, or a bundle), started and
// waited for the way ECS would see it: its log says "worker started", SIGTERM ends it.
import { spawn, type ChildProcess } from 'node:child_process';

// The status port its callers give the worker (free-ports.ts has the port probes).
export { freeTcpPort } from './free-ports.ts';

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout so far. */
  stdout: () => string;
  exited: Promise<number | null>;
}

/** Spawns `node <args>` and resolves once it has logged "worker started" (15 s at most). */
export async function startWorkerProcess(args: string[], options: { env: Record<string, string>; cwd?: string }): Promise<WorkerProcess> {
  const child = spawn(process.execPath, args, { env: options.env, ...(options.cwd === undefined ? {} : { cwd: options.cwd }) });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = Date.now() + 15_000;
  while (!stdout.includes('"worker started"')) {
    if (Date.now() > until || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`no start: ${stdout}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, stdout: () => stdout, exited };
}
