/**
 * Every table of the platform over one DynamoDB client: what a service opens once at start
 * (module scope in a Lambda, process start in a worker) and passes to its handlers.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AstdbTable } from './astdb-table.ts';
import { CdrsTable } from './cdrs-table.ts';
import { PeersTable } from './peers-table.ts';
import { RegistrationsTable } from './registrations-table.ts';
import { RoutesTable } from './routes-table.ts';
import type { TableNames } from './store-config.ts';
import { TenantsTable } from './tenants-table.ts';
import { WorkersTable } from './workers-table.ts';

export interface Stores {
  peers: PeersTable;
  registrations: RegistrationsTable;
  routes: RoutesTable;
  astdb: AstdbTable;
  cdrs: CdrsTable;
  workers: WorkersTable;
  tenants: TenantsTable;
}

export interface StoreOptions {
  now?: () => number;
  /** Builds the peers table (the local platform adds its stream emulation this way). */
  peersTable?: (doc: DynamoDBDocumentClient, tableName: string, now: () => number) => PeersTable;
  /** A worker whose heartbeat is older than this is gone (default 30 s: three missed beats). */
  workerStaleMs?: number;
}

export function openStores(client: DynamoDBClient, names: TableNames, options: StoreOptions = {}): Stores {
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const now = options.now ?? Date.now;
  return {
    peers: options.peersTable?.(doc, names.peers, now) ?? new PeersTable(doc, names.peers, now),
    registrations: new RegistrationsTable(doc, names.registrations, now),
    routes: new RoutesTable(doc, names.routes),
    astdb: new AstdbTable(doc, names.astdb),
    cdrs: new CdrsTable(doc, names.cdrs),
    workers: new WorkersTable(doc, names.workers, now, options.workerStaleMs),
    tenants: new TenantsTable(doc, names.tenants),
  };
}
