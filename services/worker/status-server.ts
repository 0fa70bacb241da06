/**
 * The worker's HTTP side port: `/healthz` for the NLB's health check (503 while draining, so
 * no new flows land here; 200 through a store outage, which every worker sees alike, with
 * `"store": "degraded"` in its body), `/metrics` in Prometheus text (the store's figures
 * included), `/calls?tenant=T` for the control plane's active-calls view, and `/admin`
 * (answered to localhost only) with the engine's, switch's and store's figures.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../shared/logger.ts';
import { storeMetricLines, type StoreFigures } from './store-metrics.ts';
import { readFigures, type WorkerParts } from './worker-figures.ts';

export interface StatusServerOptions extends WorkerParts {
  address: string;
  port: number;
  workerId: string;
  logger: Logger;
  /** The worker's own draining flag: /healthz answers 503 while it is set. */
  isDraining: () => boolean;
  /** The store's health, latency and queued writes (absent: not reported). */
  store?: () => StoreFigures;
}

export interface StatusServer {
  port: number;
  close(): Promise<void>;
}

const LOCAL = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function metrics(options: StatusServerOptions): string {
  const figures = readFigures(options, options.isDraining());
  const lines: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, value: number): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
  };
  metric('strowger_active_calls', 'gauge', 'Bridged calls in progress', figures.activeCalls);
  metric('strowger_registrations_held', 'gauge', 'Peers registered to this worker now', figures.registrationsHeld);
  metric('strowger_registrations_total', 'counter', 'Registrations granted', figures.registrationsGranted);
  metric('strowger_frames_in_total', 'counter', 'Datagrams received', figures.datagramsIn);
  metric('strowger_frames_out_total', 'counter', 'Datagrams sent', figures.datagramsOut);
  metric('strowger_decode_errors_total', 'counter', 'Datagrams that did not decode', figures.decodeErrors);
  lines.push('# HELP strowger_auth_failures_total Failed challenges (wrong answers and unknown names alike), by kind', '# TYPE strowger_auth_failures_total counter');
  lines.push(`strowger_auth_failures_total{kind="call"} ${figures.authFailuresCalls}`, `strowger_auth_failures_total{kind="registration"} ${figures.authFailuresRegistrations}`);
  metric('strowger_call_table', 'gauge', 'Dialogs in the engine (call legs, setups, registrations, qualifies)', figures.callTable);
  lines.push('# HELP strowger_call_numbers Local call numbers by state (of 32,766)', '# TYPE strowger_call_numbers gauge');
  lines.push(
    `strowger_call_numbers{state="in_use"} ${figures.callNumbersInUse}`,
    `strowger_call_numbers{state="holding_off"} ${figures.callNumbersHoldingOff}`,
    `strowger_call_numbers{state="in_setup"} ${figures.callNumbersInSetup}`,
    `strowger_call_numbers{state="free"} ${figures.callNumbersFree}`,
  );
  metric('strowger_lookups_in_flight', 'gauge', 'Requests waiting on a peer directory read', figures.lookupsInFlight);
  lines.push('# HELP strowger_dropped_total Datagrams dropped without a reply, by reason', '# TYPE strowger_dropped_total counter');
  for (const [reason, count] of Object.entries(figures.drops)) lines.push(`strowger_dropped_total{reason="${reason}"} ${count}`);
  lines.push('# HELP strowger_event_loop_delay_seconds How late the event loop ran over the last 10 s', '# TYPE strowger_event_loop_delay_seconds gauge');
  const { p50Ms, p99Ms, maxMs } = figures.eventLoopDelay;
  lines.push(`strowger_event_loop_delay_seconds{quantile="0.5"} ${p50Ms / 1000}`, `strowger_event_loop_delay_seconds{quantile="0.99"} ${p99Ms / 1000}`, `strowger_event_loop_delay_seconds{quantile="1"} ${maxMs / 1000}`);
  metric('strowger_retransmits_total', 'counter', 'Reliable frames sent again', figures.retransmits);
  metric('strowger_trunk_packets_total', 'counter', 'Meta trunk datagrams sent', figures.trunkDatagrams);
  metric('strowger_trunk_entries_total', 'counter', 'Voice frames sent inside meta trunk datagrams', figures.trunkEntries);
  metric('strowger_calls_routed_total', 'counter', 'Calls routed', figures.callsRouted);
  metric('strowger_calls_refused_total', 'counter', 'Calls refused (no route, limits, draining)', figures.callsRefused);
  metric('strowger_udp_send_errors_total', 'counter', 'UDP send errors', figures.udpSendErrors);
  metric('strowger_draining', 'gauge', '1 while the worker drains', figures.draining ? 1 : 0);
  lines.push('# HELP strowger_refusals_total Requests refused, by stage (engine: calls, and registrations before the registrar; registrar; switch: routing) and reason', '# TYPE strowger_refusals_total counter');
  for (const [key, count] of Object.entries(figures.refusals)) {
    const [stage, reason] = key.split('/');
    lines.push(`strowger_refusals_total{stage="${stage}",reason="${reason}"} ${count}`);
  }
  const perTenant = options.callSwitch.tenantCalls();
  lines.push('# HELP strowger_tenant_active_calls Calls in progress per tenant', '# TYPE strowger_tenant_active_calls gauge');
  for (const [tenant, count] of perTenant) lines.push(`strowger_tenant_active_calls{tenant="${tenant.replace(/["\\\n]/g, '_')}"} ${count}`);
  if (options.store !== undefined) lines.push(...storeMetricLines(options.store()));
  return `${lines.join('\n')}\n`;
}

export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://worker');
    const json = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (request.method !== 'GET') return json(405, { error: 'GET only' });
    const draining = options.isDraining();
    switch (url.pathname) {
      case '/healthz': {
        // The store's state is reported, never a reason to fail: see the header.
        const store = options.store?.().health.degraded;
        return json(draining ? 503 : 200, {
          status: draining ? 'draining' : 'ok',
          workerId: options.workerId,
          activeCalls: options.callSwitch.activeCount,
          // The calls that came in here (activeCalls also counts the halves of calls other workers route here).
          callsEntered: options.callSwitch.enteredCount,
          ...(store === undefined ? {} : { store: store ? 'degraded' : 'ok' }),
        });
      }
      case '/metrics':
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics(options));
        return;
      case '/calls': {
        const tenant = url.searchParams.get('tenant') ?? undefined;
        return json(200, { items: options.callSwitch.channels(tenant) });
      }
      case '/admin':
        if (!LOCAL.has(request.socket.remoteAddress ?? '')) return json(403, { error: 'localhost only' });
        return json(200, {
          workerId: options.workerId,
          pid: process.pid,
          draining,
          engine: { ...options.engine.stats, retransmissions: options.engine.retransmissions, trunk: options.engine.trunkStats ?? null },
          switch: options.callSwitch.stats,
          registrar: options.registrar.stats,
          registry: options.registrar.registeredHere(),
          channels: options.callSwitch.channels(),
          store: options.store?.() ?? null,
        });
      default:
        return json(404, { error: 'not found' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.address, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
