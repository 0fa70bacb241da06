/**
 * `npm start`: the platform on this machine (run-platform.ts lists its settings), kept running
 * by a supervisor (supervisor.ts): a platform process that dies is started again. The process
 * this file starts under STROWGER_SUPERVISED=1 is the platform itself.
 *
 * Before anything else the supervisor takes the data folder's lock (data-folder-lock.ts), so a
 * second `npm start` on the same folder says at once who holds it, and touches nothing. The
 * platform's modules are loaded only in the platform's process, which keeps that answer quick.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { inUseMessage, lockDataFolder, takeoverNote } from './data-folder-lock.ts';
import { supervise } from './supervisor.ts';

const say = (line: string): void => void process.stderr.write(`strowger: ${line}\n`);

if (process.env.STROWGER_SUPERVISED === '1') {
  const { runPlatform } = await import('./run-platform.ts');
  await runPlatform(process.env);
} else {
  const dataDir = resolve(process.env.STROWGER_DATA_DIR ?? '.data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lock = lockDataFolder(dataDir);
  if (!lock.held) {
    say(inUseMessage(dataDir, lock.holder, lock.usedBy));
    process.exit(1);
  }
  if (lock.tookOver !== undefined) say(takeoverNote(dataDir, lock.tookOver));
  // However the supervisor ends (but kill -9), the folder is free again.
  process.on('exit', () => lock.release());
  const code = await supervise({
    // The same runtime and loader flags (tsx), the same script, and an IPC channel for 'ready'.
    spawnChild: () => {
      const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
        env: { ...process.env, STROWGER_SUPERVISED: '1' },
        stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      });
      if (child.pid !== undefined) lock.platformStarted(child.pid);
      return child;
    },
    say: (line) => process.stderr.write(`${line}\n`),
  });
  process.exit(code);
}
