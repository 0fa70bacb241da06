// The data folder's lock against real processes: held while its holder (or the platform
// process it started) runs; taken over, with the reason, from a pid that is gone or now runs
// another program; released only by its own holder; and the operator's lines for each.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { commandLineOf, displayPath, inUseMessage, LOCK_FILE, lockDataFolder, takeoverNote, type LockHolder } from '../../services/local/data-folder-lock.ts';

/** A process that runs until killed (`sleep`), and the pid of one that has exited. */
function sleeper() {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  return { pid: child.pid!, stop: () => child.kill('SIGKILL') };
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

const me = (): LockHolder => ({ pid: process.pid, startedAt: new Date().toISOString(), ...(commandLineOf(process.pid) === undefined ? {} : { command: commandLineOf(process.pid)! }) });

describe('the data folder lock', () => {
  const dirs: string[] = [];
  const folder = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'strowger-lock-'));
    dirs.push(dir);
    return dir;
  };
  const sleepers: Array<{ stop(): void }> = [];
  after(() => {
    for (const s of sleepers) s.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('is held once: a second lock names the holder; released, it can be taken again', () => {
    const dir = folder();
    const first = lockDataFolder(dir, me());
    assert.ok(first.held);
    assert.equal((JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as LockHolder).pid, process.pid);
    const second = lockDataFolder(dir, me());
    assert.ok(!second.held);
    assert.deepEqual([second.holder.pid, second.usedBy], [process.pid, process.pid]);
    first.release();
    assert.equal(existsSync(join(dir, LOCK_FILE)), false);
    const third = lockDataFolder(dir, me());
    assert.ok(third.held && third.tookOver === undefined);
    third.release();
  });

  it('takes over a lock whose pid is gone, saying so', async () => {
    const dir = folder();
    const gone = await deadPid();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: gone, startedAt: '2026-01-02T03:04:05.000Z', command: 'node\0start.ts\0' }));
    const lock = lockDataFolder(dir, me());
    assert.ok(lock.held);
    assert.deepEqual([lock.tookOver?.holder.pid, lock.tookOver?.why], [gone, 'not running']);
    assert.match(takeoverNote(dir, lock.tookOver!), new RegExp(`was left locked by pid ${gone} \\(started 2026-01-02 \\d\\d:\\d\\d:05\\), which is no longer running; taking it over$`));
    lock.release();
  });

  it('takes over a lock whose pid now runs another program, and not one whose pid runs what it recorded', async () => {
    const dir = folder();
    const other = sleeper();
    sleepers.push(other);
    // /proc shows sleep's command line once it has started.
    const command = (): string | undefined => commandLineOf(other.pid);
    const deadline = Date.now() + 2000;
    while (!(command() ?? '').startsWith('sleep') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    if (command() === undefined) return; // no /proc here: a running pid is always the holder
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: other.pid, startedAt: new Date().toISOString(), command: command() }));
    assert.ok(!lockDataFolder(dir, me()).held, 'the same program: still the holder');
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: other.pid, startedAt: new Date().toISOString(), command: 'node\0services/local/start.ts\0' }));
    const lock = lockDataFolder(dir, me());
    assert.ok(lock.held);
    assert.equal(lock.tookOver?.why, 'another program');
    assert.match(takeoverNote(dir, lock.tookOver), /which is now another program; taking it over$/);
    lock.release();
  });

  it('stays held while the platform process the holder started runs, though the holder is gone', async () => {
    const dir = folder();
    const platform = sleeper();
    sleepers.push(platform);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: await deadPid(), startedAt: new Date().toISOString(), platformPid: platform.pid }));
    const refused = lockDataFolder(dir, me());
    assert.ok(!refused.held);
    assert.equal(refused.usedBy, platform.pid);
    assert.match(inUseMessage(dir, refused.holder, refused.usedBy), new RegExp(`\\(its platform process, pid ${platform.pid}, still stopping; started \\d\\d:\\d\\d:\\d\\d\\)`));
    platform.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const lock = lockDataFolder(dir, me());
    assert.ok(lock.held, 'free once the platform process is gone too');
    lock.release();
  });

  it('records the platform process, and releases only its own lock', () => {
    const dir = folder();
    const lock = lockDataFolder(dir, me());
    assert.ok(lock.held);
    lock.platformStarted(4242);
    assert.equal((JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as LockHolder).platformPid, 4242);
    // Another start took it over (this one was thought gone): this one's release leaves it be.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid + 1, startedAt: new Date().toISOString() }));
    lock.platformStarted(4343);
    lock.release();
    assert.equal((JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as LockHolder).pid, process.pid + 1);
  });

  it('takes over an unreadable lock', () => {
    const dir = folder();
    writeFileSync(join(dir, LOCK_FILE), '{"pid":');
    const lock = lockDataFolder(dir, me());
    assert.ok(lock.held);
    assert.equal(lock.tookOver?.why, 'unreadable');
    lock.release();
  });

  it('names the folder as typed: ./.data under the current folder, else in full; the time of day when today', () => {
    assert.equal(displayPath('/home/op/strowger/.data', '/home/op/strowger'), './.data');
    assert.equal(displayPath('/var/lib/strowger', '/home/op/strowger'), '/var/lib/strowger');
    const started = new Date();
    started.setHours(12, 3, 44);
    assert.equal(
      inUseMessage(join(process.cwd(), '.data'), { pid: 1234, startedAt: started.toISOString() }),
      'the data folder ./.data is in use by another `npm start` (pid 1234, started 12:03:44); stop it first or set STROWGER_DATA_DIR to another folder',
    );
  });
});
