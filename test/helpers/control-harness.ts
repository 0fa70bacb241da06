// The control plane on a real DynamoDB-compatible engine, behind the local HTTP adapter, with
// every log line and response body kept so tests can check no secret ever leaves.
import { hashApiKey, newApiKey, OPERATOR_OWNER } from '../../services/control/auth/api-keys.ts';
import type { WorkerCallSource } from '../../services/control/calls/worker-calls.ts';
import type { ControlSettings } from '../../services/control/control-settings.ts';
import { startLocalControl, type LocalControl } from '../../services/control/local/local-control.ts';
import { jsonLogger } from '../../shared/logger.ts';
import { createTables } from '../../shared/store/create-tables.ts';
import { prefixedTableNames, type TableNames } from '../../shared/store/store-config.ts';
import type { DynamoEngine } from './dynamo-engines.ts';

export interface ControlHarness {
  control: LocalControl;
  /** The tables' names (for worker processes' environment). */
  names: TableNames;
  url: string;
  operatorKey: string;
  /** Wall-clock time the control plane sees: Date.now() (or the frozen time) plus `shiftMs`. */
  clock: { shiftMs: number; frozenAt: number | undefined; now(): number };
  /** Every response body text seen, and every log line written. */
  bodies: string[];
  logLines: string[];
  call(method: string, path: string, options?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  /** Creates a tenant with the operator key and returns a fresh API key of its own. */
  addTenant(tenantId: string, limits?: Record<string, number>): Promise<string>;
  close(): Promise<void>;
}

/** `settings`: the operator's (control-settings.ts), as the environment would give them; defaults where absent. */
export async function startControl(engine: DynamoEngine, options: { callSource?: WorkerCallSource; workerStaleMs?: number; settings?: Partial<ControlSettings>; consoleDir?: string | false } = {}): Promise<ControlHarness> {
  const names = prefixedTableNames(`ctl${Math.floor(Math.random() * 1e9)}`);
  await createTables(engine.client, names);
  const operator = newApiKey(OPERATOR_OWNER);
  const clock: ControlHarness['clock'] = { shiftMs: 0, frozenAt: undefined, now: () => (clock.frozenAt ?? Date.now()) + clock.shiftMs };
  const logLines: string[] = [];
  const control = await startLocalControl({
    client: engine.client,
    names,
    operatorKeyHash: hashApiKey(operator.key),
    port: 0,
    now: () => clock.now(),
    sweepEveryMs: 0,
    logger: jsonLogger({ service: 'control', level: 'debug', write: (line) => logLines.push(line) }),
    ...options,
  });
  const bodies: string[] = [];
  const call: ControlHarness['call'] = async (method, path, callOptions = {}) => {
    const headers: Record<string, string> = { ...callOptions.headers };
    if (callOptions.key !== undefined) headers.authorization = `Bearer ${callOptions.key}`;
    if (callOptions.body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${control.url}${path}`, {
      method,
      headers,
      body: callOptions.body === undefined ? undefined : typeof callOptions.body === 'string' ? callOptions.body : JSON.stringify(callOptions.body),
    });
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown), headers: response.headers };
  };
  return {
    control,
    names,
    url: control.url,
    operatorKey: operator.key,
    clock,
    bodies,
    logLines,
    call,
    async addTenant(tenantId, limits) {
      const created = await call('POST', '/v1/tenants', { key: operator.key, body: { tenantId, name: tenantId, ...(limits === undefined ? {} : { limits }) } });
      if (created.status !== 201) throw new Error(`tenant ${tenantId}: ${created.status} ${JSON.stringify(created.body)}`);
      return (await call('POST', `/v1/tenants/${tenantId}/keys`, { key: operator.key })).body.key as string;
    },
    close: () => control.close(),
  };
}
