// A second `npm start` where it cannot run: on a data folder another one holds it says who
// holds it and exits non-zero at once (no dynalite stack trace), and the first keeps serving;
// a port already taken is named with the setting that moves it. A folder left locked by an
// `npm start` that was killed (kill -9) is taken over, with a note.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LOCK_FILE } from '../../services/local/data-folder-lock.ts';
import { npmStart, type NpmStart } from '../helpers/npm-start.ts';

/** How long node takes to start a .ts file that does nothing, with the tsx loader, on this machine now. */
async function bareStartMs(dir: string): Promise<number> {
  const script = join(dir, 'nothing.ts');
  writeFileSync(script, 'export {};\n');
  const began = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return performance.now() - began;
}

describe('a second `npm start`', () => {
  const dirs: string[] = [];
  const folder = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'strowger-second-'));
    dirs.push(dir);
    return dir;
  };
  const runs: NpmStart[] = [];
  const start = async (...args: Parameters<typeof npmStart>): Promise<NpmStart> => {
    const run = await npmStart(...args);
    runs.push(run);
    return run;
  };
  after(() => {
    for (const run of runs) run.kill();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const dataDir = folder();
  let first: NpmStart;

  it('on a folder in use: says which process holds it, exits 1 within a second of starting, and the first goes on', async (t) => {
    first = await start({ dataDir });
    await first.up();
    const bare = await bareStartMs(folder());
    const second = await start({ dataDir });
    const exit = await second.exited;
    const tookMs = exit.at - second.startedAt;
    t.diagnostic(`second start exited after ${Math.round(tookMs)} ms (node with the tsx loader alone: ${Math.round(bare)} ms)`);
    assert.equal(exit.code, 1);
    assert.match(second.stderr(), new RegExp(`^strowger: the data folder ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by another \`npm start\` \\(pid ${first.child.pid}, started \\d\\d:\\d\\d:\\d\\d\\); stop it first or set STROWGER_DATA_DIR to another folder\\n`, 'm'));
    assert.doesNotMatch(second.stderr(), /Database is closed|\n\s+at /);
    assert.ok(tookMs < bare + 1000, `the answer comes within a second of node being up (${Math.round(tookMs)} ms, bare start ${Math.round(bare)} ms)`);
    // The first was not touched: it serves its status port and its API, its lock in place.
    assert.equal((await first.health())?.activeCalls, 0);
    assert.equal((await first.api('GET', '/v1/tenants')).status, 200);
    assert.ok(existsSync(join(dataDir, LOCK_FILE)));
    assert.equal(first.child.exitCode, null);
  });

  it('on a port taken by another program: names the port and its setting, exits 1, no stack trace', async () => {
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const tcp: Server[] = [createServer(), createServer()];
    for (const server of tcp) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const taken = { iax: udp.address().port, api: (tcp[0]!.address() as { port: number }).port, status: (tcp[1]!.address() as { port: number }).port };
    try {
      const cases = [
        { port: 'iax', what: 'IAX2', protocol: 'udp', setting: 'STROWGER_IAX_BIND' },
        { port: 'api', what: 'API', protocol: 'tcp', setting: 'STROWGER_API_BIND' },
        { port: 'status', what: 'status', protocol: 'tcp', setting: 'STROWGER_HEALTH_BIND' },
      ] as const;
      await Promise.all(cases.map(async (c) => {
        const dir = folder();
        const run = await start({ dataDir: dir, ports: { [c.port]: taken[c.port] } });
        const exit = await run.exited;
        assert.equal(exit.code, 1, run.stderr());
        assert.match(run.stderr(), new RegExp(`strowger: the ${c.what} port \\(${c.protocol} 127\\.0\\.0\\.1:${taken[c.port]}\\) is already in use by another program; stop it, or set ${c.setting} to another address:port\\n`));
        assert.doesNotMatch(run.stderr(), /\n\s+at |EADDRINUSE/);
        assert.equal(existsSync(join(dir, LOCK_FILE)), false, 'its folder is left free');
      }));
    } finally {
      udp.close();
      for (const server of tcp) server.close();
    }
  });

  it('on a folder left locked by a killed `npm start`: takes it over with a note, runs, and stops cleanly', async () => {
    const killedPid = first.child.pid!;
    first.kill();
    await first.exited;
    assert.ok(existsSync(join(dataDir, LOCK_FILE)), 'kill -9 left the lock behind');
    const next = await start({ dataDir });
    await next.up();
    assert.match(next.stderr(), new RegExp(`strowger: the data folder .* was left locked by pid ${killedPid} \\(started \\d\\d:\\d\\d:\\d\\d\\), which is no longer running; taking it over\\n`));
    next.ctrlC();
    assert.equal((await next.exited).code, 0);
    assert.equal(existsSync(join(dataDir, LOCK_FILE)), false);
  });
});
