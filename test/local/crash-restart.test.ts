// `npm start` with its platform process killed (kill -9) in the middle of a call: the
// supervisor says so and starts it again as a new worker, the dead worker's open CDR is closed
// by the sweeper once its heartbeat lapses, and the boxes register and call again.
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startPbx, type PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { waitFor } from '../helpers/wait-for.ts';

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

const OPERATOR_KEY = `stg_op_${'k'.repeat(43)}`;

describe('npm start after a crash', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strowger-crash-'));
  let supervisor: ChildProcess | undefined;
  const pbxes: PbxEndpoint[] = [];
  after(async () => {
    for (const pbx of pbxes) await pbx.close();
    supervisor?.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 500));
    supervisor?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('restarts the platform as a new worker, closes the dead one\'s CDR, and calls work again', async () => {
    const iaxPort = await freeUdpPort();
    const apiPort = await freeTcpPort();
    const statusPort = await freeTcpPort();
    let stderr = '';
    supervisor = spawn(process.execPath, ['--import', 'tsx', 'services/local/start.ts'], {
      env: {
        ...process.env,
        STROWGER_DATA_DIR: dataDir,
        STROWGER_IAX_BIND: `127.0.0.1:${iaxPort}`,
        STROWGER_API_BIND: `127.0.0.1:${apiPort}`,
        STROWGER_HEALTH_BIND: `127.0.0.1:${statusPort}`,
        STROWGER_ADMIN_KEY: OPERATOR_KEY,
        STROWGER_WORKER_STALE_MS: '3000',
        STROWGER_MINREGEXPIRE: '2',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    supervisor.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const health = async (): Promise<{ workerId: string } | undefined> => {
      try {
        const response = await fetch(`http://127.0.0.1:${statusPort}/healthz`);
        return response.ok ? ((await response.json()) as { workerId: string }) : undefined;
      } catch {
        return undefined;
      }
    };
    const first = await waitFor('the platform', health, 30_000);
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`http://127.0.0.1:${apiPort}${path}`, { method, headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    assert.equal((await api('POST', '/v1/tenants', { tenantId: 'acme', name: 'Acme' })).status, 201);
    const conf = '[foo]\ntype=friend\nhost=dynamic\nsecret=s1\ncontext=in\n\n[bar]\ntype=friend\nhost=dynamic\nsecret=s2\ncontext=in\n';
    const routes = '[in]\nexten => _2X,1,Dial(IAX2/bar/${EXTEN})\n';
    assert.equal((await api('POST', '/v1/tenants/acme/import', { files: [{ name: 'iax.conf', text: conf }, { name: 'extensions.conf', text: routes }] })).status, 200);
    const platform = { address: '127.0.0.1', port: iaxPort };
    const foo = await startPbx('foo', 's1', platform, () => 'answer', 2);
    const bar = await startPbx('bar', 's2', platform, () => 'answer', 2);
    pbxes.push(foo, bar);
    await Promise.all([foo.registered(), bar.registered()]);
    foo.dial('21');
    await waitFor('bar answers', () => Promise.resolve(bar.incoming[0]));
    const cdrs = async () => (await (await api('GET', `/v1/tenants/acme/cdrs?from=${Date.now() - 600_000}&to=${Date.now() + 60_000}`)).json()) as { items: Array<{ end?: number; workerId: string; disposition?: string }> };
    const open = await waitFor('the open CDR', async () => (await cdrs()).items.find((c) => c.end === undefined));
    assert.equal(open.workerId, first.workerId);

    // kill -9 the platform process (the supervisor's child), mid-call.
    const child = Number(execFileSync('pgrep', ['-P', String(supervisor.pid), '-f', 'start.ts']).toString().trim().split('\n')[0]);
    process.kill(child, 'SIGKILL');
    await waitFor('the supervisor to say so', () => (/stopped unexpectedly \(signal SIGKILL\); starting it again/.test(stderr) ? true : undefined), 5000);
    const second = await waitFor('the platform again', async () => {
      const h = await health();
      return h !== undefined && h.workerId !== first.workerId ? h : undefined;
    }, 30_000);
    assert.notEqual(second.workerId, first.workerId, 'a new worker id for the new process');
    // The dead worker's heartbeat lapses (3 s) and the sweeper (every 5 s) closes its CDR.
    const closed = await waitFor('the dead worker\'s CDR closed', async () => (await cdrs()).items.find((c) => c.workerId === first.workerId && c.end !== undefined), 20_000);
    assert.ok(closed.end! > 0);
    for (const pbx of [foo, bar]) {
      await waitFor(`${pbx.name} registered with the new worker`, async () => (((await (await api('GET', `/v1/tenants/acme/peers/${pbx.name}/status`)).json()) as { workerId?: string }).workerId === second.workerId ? true : undefined), 10_000);
    }
    foo.dial('22');
    await waitFor('bar rings after the restart', () => Promise.resolve(bar.incoming.find((c) => c.info.calledNumber === '22')), 10_000);
  });
});
