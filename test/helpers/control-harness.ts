// The control plane on a real DynamoDB-compatible engine, behind the local HTTP adapter.
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createApi } from '../../services/control/api.ts';
import { hashApiKey, newApiKey, OPERATOR_OWNER } from '../../services/control/auth/api-keys.ts';
import { makeAuthorizer } from '../../services/control/auth/authorizer.ts';
import { makeApiHandler } from '../../services/control/lambda/api-handler.ts';
import { startLocalServer, type LocalServer } from '../../services/control/local/local-server.ts';
import { createTables } from '../../shared/store/create-tables.ts';
import { PeersTable } from '../../shared/store/peers-table.ts';
import { RegistrationsTable } from '../../shared/store/registrations-table.ts';
import { prefixedTableNames } from '../../shared/store/store-config.ts';
import { TenantsTable } from '../../shared/store/tenants-table.ts';
import type { DynamoEngine } from './dynamo-engines.ts';

export interface ControlHarness {
  server: LocalServer;
  operatorKey: string;
  tables: { peers: PeersTable; tenants: TenantsTable; registrations: RegistrationsTable };
  /** Every response body text seen, to check that no secret ever leaves. */
  bodies: string[];
  call(method: string, path: string, options?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startControl(engine: DynamoEngine): Promise<ControlHarness> {
  const names = prefixedTableNames(`ctl${Math.floor(Math.random() * 1e9)}`);
  await createTables(engine.client, names);
  const doc = DynamoDBDocumentClient.from(engine.client, { marshallOptions: { removeUndefinedValues: true } });
  const tables = {
    peers: new PeersTable(doc, names.peers),
    tenants: new TenantsTable(doc, names.tenants),
    registrations: new RegistrationsTable(doc, names.registrations),
  };
  const operator = newApiKey(OPERATOR_OWNER);
  const api = createApi(tables);
  const server = await startLocalServer({
    authorizer: makeAuthorizer({ tenants: tables.tenants, operatorKeyHash: hashApiKey(operator.key) }),
    handler: makeApiHandler(api),
    port: 0,
  });
  const bodies: string[] = [];
  return {
    server,
    operatorKey: operator.key,
    tables,
    bodies,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
      if (options.body !== undefined) headers['content-type'] ??= 'application/json';
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
      });
      const text = await response.text();
      bodies.push(text);
      return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown), headers: response.headers };
    },
    close: () => server.close(),
  };
}
