// bench:relay-real's `--target npm-start`: the platform as an operator runs it and as issue 18
// measured it, `npm start` of a source tree on a seeded data folder, instead of the worker
// alone in a process of its own. CPU is read from /proc for the process holding the IAX2 socket
// (the relay process) and for the whole tree under `npm start` (supervisor, platform, workers,
// store); memory is the relay process's resident set.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort, freeUdpPort } from '../helpers/free-ports.ts';
import { udpSocketHolder } from '../helpers/udp-socket-holder.ts';
import type { TrunkForm } from './real-boxes.ts';

const TICKS_PER_S = 100; // USER_HZ on Linux

export interface NpmStartTarget {
  port: number;
  /** CPU µs of the relay process and of the whole tree. */
  cpu(): { relay: number; tree: number };
  /** The relay process's resident set, bytes. */
  rss(): number;
  quit(): Promise<void>;
}

/** pid -> parent pid, for every process. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      map.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  return map;
}

function descendants(root: number): number[] {
  const ppid = parents();
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, parent] of ppid) if (parent === tree[i]) tree.push(pid);
  return tree;
}

/** utime + stime of one process, µs; 0 when it is gone. */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_S) * 1e6;
  } catch {
    return 0;
  }
}

export async function startNpmStart(root: string, pairs: number, form: TrunkForm): Promise<NpmStartTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'relay-real-npm-start-'));
  const seed = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./npm-start-seed.ts', import.meta.url)), root, dataDir, String(pairs), form], { stdio: 'inherit' });
  if (seed.status !== 0) throw new Error(`seeding ${dataDir} failed`);
  const port = await freeUdpPort();
  const child: ChildProcess = spawn('npm', ['start', '--silent'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      STROWGER_DATA_DIR: dataDir,
      STROWGER_IAX_BIND: `127.0.0.1:${port}`,
      STROWGER_API_BIND: `127.0.0.1:${await freeTcpPort()}`,
      STROWGER_HEALTH_BIND: `127.0.0.1:${await freeTcpPort()}`,
      LOG_LEVEL: 'warn',
    },
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start in ${root} did not come up:\n${output}`)), 60_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Strowger is running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`npm start in ${root} exited with ${code}:\n${output}`)));
  });
  const rootPid = child.pid!;
  const relayPid = (): number | undefined => udpSocketHolder(port, descendants(rootPid));
  return {
    port,
    cpu: () => {
      const tree = descendants(rootPid);
      const relay = udpSocketHolder(port, tree);
      return { relay: relay === undefined ? NaN : cpuOf(relay), tree: tree.reduce((sum, pid) => sum + cpuOf(pid), 0) };
    },
    rss: () => {
      const pid = relayPid();
      const match = pid === undefined ? null : /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return match === null ? NaN : Number(match[1]) * 1024;
    },
    quit: async () => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // Ctrl-C to the group, twice: drain, then hang up what is left.
      process.kill(-rootPid, 'SIGINT');
      setTimeout(() => process.kill(-rootPid, 'SIGINT'), 500).unref();
      const killer = setTimeout(() => process.kill(-rootPid, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
