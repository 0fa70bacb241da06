/**
 * One `npm start` per data folder. Two processes on one LevelDB folder end with the second
 * dying in dynalite ("Database is closed") and, worse, could both write; so the first one
 * holds `<data folder>/strowger.lock` with its pid, start time and command line, and removes
 * it when it exits. The file is written whole under a name of its own, then linked into place,
 * which fails if the lock exists (as O_EXCL would): no start ever reads a half-written lock. A
 * second start finds the lock and says who holds the folder before anything else starts.
 *
 * The holder (the supervisor) also records its platform process's pid: a supervisor killed
 * with kill -9 leaves a platform that still drains and closes the store for a few seconds, and
 * the folder is in use until that one is gone too.
 *
 * A lock left behind (kill -9, a power cut) is stale when neither pid is running, or the
 * holder's runs something else now (a pid reused: its command line is not the one recorded).
 * A stale lock is taken over, and the caller says so. Where command lines cannot be read (no /proc), a running
 * pid is taken to be the holder. (Two starts taking over one stale lock in the same instant
 * could both succeed; LevelDB's own lock then stops the second.)
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';

export const LOCK_FILE = 'strowger.lock';

export interface LockHolder {
  pid: number;
  /** ISO time the holder took the lock. */
  startedAt: string;
  /** Its command line as /proc had it (NUL-separated), when there is a /proc. */
  command?: string;
  /** The platform process it runs, once started. */
  platformPid?: number;
}

export type Staleness = 'not running' | 'another program' | 'unreadable';

export interface DataFolderLock {
  held: true;
  /** Stale lock taken over, if it was. */
  tookOver?: { holder: LockHolder; why: Staleness };
  /** A (new) platform process was started: the folder is in use as long as it runs. */
  platformStarted(pid: number): void;
  release(): void;
}

export type LockOutcome = DataFolderLock | {
  held: false;
  holder: LockHolder;
  /** The process that uses the folder now: the holder, or its platform process still stopping. */
  usedBy: number;
};

/** The command line of a running process; undefined where it cannot be read. */
export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}

export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A zombie (exited, never reaped: an orphan in a container without init) runs no more.
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid) || parsed.pid <= 0) return undefined;
    return {
      pid: parsed.pid,
      startedAt: typeof parsed.startedAt === 'string' ? parsed.startedAt : '',
      ...(typeof parsed.command === 'string' ? { command: parsed.command } : {}),
      ...(typeof parsed.platformPid === 'number' && Number.isInteger(parsed.platformPid) && parsed.platformPid > 0 ? { platformPid: parsed.platformPid } : {}),
    };
  } catch {
    return undefined;
  }
}

/** The pid that still uses the folder, or why none does. */
function liveHolder(holder: LockHolder | undefined): { pid: number } | { stale: Staleness } {
  if (holder === undefined) return { stale: 'unreadable' };
  if (running(holder.pid)) {
    const now = commandLineOf(holder.pid);
    // Where command lines cannot be read, a running pid is the holder.
    if (now === undefined || holder.command === undefined || now === holder.command) return { pid: holder.pid };
  }
  if (holder.platformPid !== undefined && running(holder.platformPid)) return { pid: holder.platformPid };
  return { stale: running(holder.pid) ? 'another program' : 'not running' };
}

export function lockDataFolder(dataDir: string, self: LockHolder = { pid: process.pid, startedAt: new Date().toISOString(), ...withCommand(process.pid) }): LockOutcome {
  const file = join(dataDir, LOCK_FILE);
  let tookOver: { holder: LockHolder; why: Staleness } | undefined;
  // Twice at most: once as found, once after taking over a stale lock (another start may win that race).
  for (let attempt = 0; attempt < 2; attempt++) {
    const mine = `${file}.${self.pid}`;
    writeFileSync(mine, `${JSON.stringify(self)}\n`, { mode: 0o600 });
    try {
      place(mine, file, self);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(file);
      const live = liveHolder(holder);
      if ('pid' in live) return { held: false, holder: holder!, usedBy: live.pid };
      tookOver = { holder: holder ?? { pid: 0, startedAt: '' }, why: live.stale };
      rmSync(file, { force: true });
      continue;
    } finally {
      rmSync(mine, { force: true });
    }
    // Only our own lock is changed or removed: a later start that took it over (we were thought gone) keeps its own.
    const ours = (): boolean => readHolder(file)?.pid === self.pid;
    return {
      held: true,
      ...(tookOver === undefined ? {} : { tookOver }),
      platformStarted: (pid) => {
        if (!ours()) return;
        // Written whole, then renamed over the lock: a reader sees the old file or the new one.
        const next = `${file}.${self.pid}`;
        writeFileSync(next, `${JSON.stringify({ ...self, platformPid: pid })}\n`, { mode: 0o600 });
        renameSync(next, file);
      },
      release: () => {
        if (ours()) rmSync(file, { force: true });
      },
    };
  }
  const holder = readHolder(file) ?? { pid: 0, startedAt: '' };
  return { held: false, holder, usedBy: holder.pid };
}

/** Links the whole file into place; where the file system has no hard links, creates it with O_EXCL instead. */
function place(written: string, file: string, self: LockHolder): void {
  try {
    linkSync(written, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(self)}\n`);
    } finally {
      closeSync(fd);
    }
  }
}

function withCommand(pid: number): { command?: string } {
  const command = commandLineOf(pid);
  return command === undefined ? {} : { command };
}

/** The folder as the operator would type it: ./.data under the current folder, else in full. */
export function displayPath(dataDir: string, cwd = process.cwd()): string {
  const inside = relative(cwd, dataDir);
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? `./${inside}` : dataDir;
}

/** 12:03:44 today, 2026-12-06 12:03:44 before. */
function when(iso: string, now = new Date()): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return 'at an unknown time';
  const pad = (n: number): string => String(n).padStart(2, '0');
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
  return at.toDateString() === now.toDateString() ? time : `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${time}`;
}

export function inUseMessage(dataDir: string, holder: LockHolder, usedBy = holder.pid): string {
  const who = usedBy === holder.pid ? `pid ${holder.pid}, started ${when(holder.startedAt)}` : `its platform process, pid ${usedBy}, still stopping; started ${when(holder.startedAt)}`;
  return `the data folder ${displayPath(dataDir)} is in use by another \`npm start\` (${who}); stop it first or set STROWGER_DATA_DIR to another folder`;
}

export function takeoverNote(dataDir: string, tookOver: { holder: LockHolder; why: Staleness }): string {
  const { holder, why } = tookOver;
  if (why === 'unreadable') return `the data folder ${displayPath(dataDir)} had an unreadable ${LOCK_FILE}; taking the folder over`;
  return `the data folder ${displayPath(dataDir)} was left locked by pid ${holder.pid} (started ${when(holder.startedAt)}), which ${why === 'not running' ? 'is no longer running' : 'is now another program'}; taking it over`;
}
