/**
 * `npm start`: the platform on this machine (run-platform.ts lists its settings), kept running
 * by a supervisor (supervisor.ts): a platform process that dies is started again. The process
 * this file starts under STROWGER_SUPERVISED=1 is the platform itself.
 */
import { spawn } from 'node:child_process';
import { runPlatform } from './run-platform.ts';
import { supervise } from './supervisor.ts';

if (process.env.STROWGER_SUPERVISED === '1') {
  await runPlatform(process.env);
} else {
  const code = await supervise({
    // The same runtime and loader flags (tsx), the same script, and an IPC channel for 'ready'.
    spawnChild: () => spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      env: { ...process.env, STROWGER_SUPERVISED: '1' },
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    }),
    say: (line) => process.stderr.write(`${line}\n`),
  });
  process.exit(code);
}
