/**
 * The platform process `npm start` supervises (start.ts), configured from the environment:
 *   STROWGER_DATA_DIR     where tables and the operator key live (default ./.data)
 *   STROWGER_IAX_BIND     the IAX2 UDP socket (default 0.0.0.0:4569)
 *   STROWGER_API_BIND     the control API (default 127.0.0.1:8080)
 *   STROWGER_HEALTH_BIND  the worker's status port (default 127.0.0.1:8081)
 *   STROWGER_ADMIN_KEY    the operator key (default: generated once, kept in the data dir)
 *   STROWGER_DEBUG        peer1,peer2: log every frame to and from those peers (iax2 set debug peer)
 *   STROWGER_WORKERS      how many workers, in one worker mesh (default 1); worker k takes IAX2 on
 *                         the IAX2 port + 2(k-1) and its status port + (k-1)
 *   STROWGER_WORKER_STALE_MS  when a silent worker is gone and the sweeper closes its calls (30 s)
 *   STROWGER_MINREGEXPIRE     the shortest registration refresh granted, in seconds (60)
 *   STROWGER_MAX_KEYS_PER_TENANT    API keys a tenant may hold (default 20)
 *   STROWGER_ALLOWED_PEER_NETWORKS  CIDRs static peer hosts may be in although internal (default none)
 *   STROWGER_DRAIN_SECONDS  Ctrl-C: how long calls may go on before they are hung up (default 5)
 *   LOG_LEVEL             debug, info (default), warn or error
 * Ctrl-C drains calls briefly (a second Ctrl-C cuts it short), hangs up what is left with a
 * proper HANGUP on every leg, and shuts down cleanly (platform-stop.ts); everything persists in
 * the data dir. A port already taken is named with the setting that moves it (port-in-use.ts).
 */
import { resolve } from 'node:path';
import { isStrowgerError } from '../../shared/errors.ts';
import { jsonLogger, type LogLevel } from '../../shared/logger.ts';
import { StopRequests } from '../../shared/stop-requests.ts';
import { controlSettingsFromEnv } from '../control/control-settings.ts';
import { parseBind } from '../worker/bind-address.ts';
import { debugPeersFromEnv } from '../worker/frame-debug.ts';
import { startPlatform } from './platform.ts';
import { platformStop } from './platform-stop.ts';
import { portInUseMessage, type PlatformPort } from './port-in-use.ts';

const say = (line: string): void => void process.stderr.write(`strowger: ${line}\n`);

/** Runs the platform until SIGINT or SIGTERM; tells a supervising parent when it is up. */
export async function runPlatform(env: NodeJS.ProcessEnv): Promise<void> {
  // Stop requests are heard from the first moment: one that comes while the platform starts
  // stops it as soon as it is up, rather than killing it half-way.
  const requests = new StopRequests(() => performance.now());
  let act: ((request: number) => void) | undefined;
  let early = 0;
  const request = (): void => {
    const ordinal = requests.request();
    if (act === undefined) early = Math.max(early, ordinal);
    else act(ordinal);
  };
  process.on('SIGINT', request);
  process.on('SIGTERM', request);
  // Under `npm start`'s supervisor: if the supervisor goes, so does the platform.
  process.on('disconnect', request);
  let ports: PlatformPort[] = [];
  try {
    const dataDir = resolve(env.STROWGER_DATA_DIR ?? '.data');
    const iax = parseBind('STROWGER_IAX_BIND', env.STROWGER_IAX_BIND, '0.0.0.0:4569');
    const api = parseBind('STROWGER_API_BIND', env.STROWGER_API_BIND, '127.0.0.1:8080');
    const status = parseBind('STROWGER_HEALTH_BIND', env.STROWGER_HEALTH_BIND, '127.0.0.1:8081');
    const logger = jsonLogger({ service: 'strowger', level: (env.LOG_LEVEL ?? 'info') as LogLevel, write: (line) => process.stderr.write(line) });
    const workers = Number(env.STROWGER_WORKERS ?? '1');
    if (!Number.isInteger(workers) || workers < 1 || workers > 16) throw new Error(`STROWGER_WORKERS="${env.STROWGER_WORKERS ?? ''}" is not a whole number from 1 to 16`);
    // STROWGER_MAX_KEYS_PER_TENANT, STROWGER_ALLOWED_PEER_NETWORKS (worker processes read the latter themselves).
    const settings = controlSettingsFromEnv(env);
    const staleText = env.STROWGER_WORKER_STALE_MS;
    const workerStaleMs = staleText === undefined || staleText === '' ? undefined : Number(staleText);
    if (workerStaleMs !== undefined && (!Number.isInteger(workerStaleMs) || workerStaleMs < 1000)) throw new Error(`STROWGER_WORKER_STALE_MS="${staleText}" is not a whole number of milliseconds, 1000 or more`);
    const minText = env.STROWGER_MINREGEXPIRE;
    const minExpireS = minText === undefined || minText === '' ? undefined : Number(minText);
    if (minExpireS !== undefined && (!Number.isInteger(minExpireS) || minExpireS < 1)) throw new Error(`STROWGER_MINREGEXPIRE="${minText}" is not a whole number of seconds, 1 or more`);
    const drainText = env.STROWGER_DRAIN_SECONDS;
    const drainSeconds = drainText === undefined || drainText === '' ? 5 : Number(drainText);
    if (!Number.isInteger(drainSeconds) || drainSeconds < 1) throw new Error(`STROWGER_DRAIN_SECONDS="${drainText}" is not a whole number of seconds, 1 or more`);
    ports = [
      { what: 'IAX2', protocol: 'udp', bind: iax, setting: 'STROWGER_IAX_BIND' },
      { what: 'API', protocol: 'tcp', bind: api, setting: 'STROWGER_API_BIND' },
      { what: 'status', protocol: 'tcp', bind: status, setting: 'STROWGER_HEALTH_BIND' },
      ...(workers > 1 ? [{ what: 'worker mesh', protocol: 'udp' as const, bind: { address: iax.address, port: iax.port + 1 }, setting: 'STROWGER_IAX_BIND', note: 'the mesh takes the IAX2 port + 1' }] : []),
    ];
    const platform = await startPlatform({
      ...(minExpireS === undefined ? {} : { minExpireS }), dataDir, iax, api, status, workers, drainSeconds, ...(env.STROWGER_ADMIN_KEY === undefined ? {} : { adminKey: env.STROWGER_ADMIN_KEY }), logger, debugPeers: debugPeersFromEnv(env.STROWGER_DEBUG), settings, ...(workerStaleMs === undefined ? {} : { workerStaleMs }) });
    const [first] = platform.workers;
    const iaxAt = first!.iax;
    const otherWorkers = platform.workers.slice(1).map((w, i) => `\n  worker ${i + 2}  udp ${w.iax.address}:${w.iax.port}, status http://${w.status.address}:${w.status.port}/healthz`).join('');
    const apiUrl = platform.control.url;
    process.stdout.write(`Strowger is running.
  IAX2      udp ${iaxAt.address}:${iaxAt.port}${otherWorkers === '' ? '' : `   (worker 1 of ${workers}, in one worker mesh)${otherWorkers}`}
  API       ${apiUrl}   (OpenAPI: ${apiUrl}/v1/openapi.json)
  status    http://${status.address}:${first!.status.port}/healthz
  data      ${dataDir}
${platform.operatorKeyCreated ? `\nOperator key (shown once; saved in ${dataDir}/operator-key):\n  ${platform.operatorKey}\n` : `\nOperator key: in ${dataDir}/operator-key (or STROWGER_ADMIN_KEY)\n`}
Quick start:
  export STROWGER_API=${apiUrl} STROWGER_API_KEY=$(cat ${dataDir}/operator-key)
  npx strowger tenant add acme
  export STROWGER_API_KEY=$(npx strowger key add --tenant acme)
  npx strowger migrate foo-iax.conf bar-iax.conf --platform <this host>:${iaxAt.port} --dry-run
    (each box's own /etc/asterisk/iax.conf; run it again without --dry-run to create a peer per
    box, then make on each box the changes it prints: register =>, [strowger], Dial()s)
  and watch:  npx strowger show registry
`);
    act = platformStop(platform, {
      drainSeconds,
      say,
      // The supervisor must wait for this process, not start another.
      stopping: () => {
        if (process.connected) process.send?.({ type: 'stopping' });
      },
      exit: (code) => process.exit(code),
    });
    // Under `npm start`'s supervisor: up now.
    process.send?.({ type: 'ready' });
    for (let ordinal = 1; ordinal <= early; ordinal++) act(ordinal);
  } catch (error) {
    say(portInUseMessage(error, ports) ?? (isStrowgerError(error) || error instanceof Error ? error.message : String(error)));
    process.exit(1);
  }
}
