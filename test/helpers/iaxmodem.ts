// Runs Debian's iaxmodem (libiax2 + spandsp softmodem) as a third-party IAX2 peer for interop
// tests: writes its config (it only reads /etc/iaxmodem/<name>), starts it in the foreground,
// and talks AT commands to the pty it creates.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync, type ReadStream } from 'node:fs';

const CONFIG_DIR = '/etc/iaxmodem';

export function iaxmodemPath(): string {
  const probe = spawnSync('sh', ['-c', 'command -v iaxmodem'], { encoding: 'utf8' });
  const path = probe.stdout.trim();
  if (probe.status !== 0 || path === '') {
    throw new Error(
      'iaxmodem is required for the interop test (a third-party libiax2 peer) and was not found. ' +
        'Install it with: sudo apt-get install -y iaxmodem (.ci/run installs it).',
    );
  }
  return path;
}

export interface IaxModemOptions {
  /** Config file and device name, unique per test run. */
  name: string;
  /** The IAX2 server on 127.0.0.1 it registers to and calls. */
  serverPort: number;
  /** Its own UDP port (it binds every address). */
  port: number;
  peername: string;
  secret: string;
  refreshS?: number;
  codec?: 'ulaw' | 'alaw' | 'slinear';
}

export interface IaxModem {
  device: string;
  logs(): string;
  /** Writes `command` + CR to the pty; resolves with the pty output once `expect` matches it. */
  at(command: string, expect: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves once `expect` matches pty output not yet consumed. */
  waitFor(expect: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startIaxmodem(options: IaxModemOptions): Promise<IaxModem> {
  const binary = iaxmodemPath();
  const device = `/tmp/tty${options.name}`;
  const config = `${CONFIG_DIR}/${options.name}`;
  mkdirSync(CONFIG_DIR, { recursive: true });
  writeFileSync(
    config,
    [
      `device ${device}`,
      'owner root:root',
      'mode 660',
      `port ${options.port}`,
      `refresh ${options.refreshS ?? 60}`,
      `server 127.0.0.1:${options.serverPort}`,
      `peername ${options.peername}`,
      `secret ${options.secret}`,
      'cidname Strowger Test',
      'cidnumber 5550100',
      `codec ${options.codec ?? 'ulaw'}`,
      '',
    ].join('\n'),
  );
  // Given a config name, iaxmodem stays in the foreground and logs to stdout/stderr.
  const child: ChildProcess = spawn(binary, [options.name], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const cleanup = (): void => {
    rmSync(config, { force: true });
    rmSync(device, { force: true });
  };

  for (let i = 0; i < 100 && !existsSync(device); i++) {
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!existsSync(device)) {
    child.kill('SIGKILL');
    cleanup();
    throw new Error(`iaxmodem did not create ${device}; its output:\n${log}`);
  }
  // Raw, no echo: we read exactly what the modem says.
  spawnSync('stty', ['-F', device, 'raw', '-echo']);
  const fd = openSync(device, 'r+');
  let pending = '';
  const waiters: Array<{ expect: RegExp; resolve: (text: string) => void }> = [];
  const stream: ReadStream = createReadStream('', { fd, autoClose: false });
  const settle = (): void => {
    for (const waiter of [...waiters]) {
      if (waiter.expect.test(pending)) {
        const text = pending;
        pending = '';
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(text);
      }
    }
  };
  stream.on('data', (chunk: Buffer | string) => {
    pending += chunk.toString();
    settle();
  });
  stream.on('error', () => {}); // EIO once iaxmodem closes the pty at stop

  const waitFor = (expect: RegExp, timeoutMs = 5000): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.findIndex((w) => w.resolve === done), 1);
        reject(new Error(`iaxmodem pty never said ${String(expect)}; it said ${JSON.stringify(pending)}`));
      }, timeoutMs);
      const done = (text: string): void => {
        clearTimeout(timer);
        resolve(text);
      };
      waiters.push({ expect, resolve: done });
      settle();
    });

  let stopped = false;
  return {
    device,
    logs: () => log,
    at: (command, expect, timeoutMs) => {
      pending = '';
      const answer = waitFor(expect, timeoutMs);
      writeSync(fd, `${command}\r`);
      return answer;
    },
    waitFor,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      stream.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      try {
        closeSync(fd);
      } catch {
        // already closed with the stream
      }
      cleanup();
    },
  };
}
