/**
 * Who may touch which table, and how: the least privilege of every process, in one table so
 * a review reads it at a glance. `read` is Get/Query/Scan/BatchGet (and the key's Decrypt),
 * `write` is Put/Update/Delete/BatchWrite, `readWrite` both. Anything a process does not
 * list, it cannot touch. Derived from what each entry point's code calls (its `Pick<Stores>`).
 */
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { TableKey } from '../../shared/store/table-definitions.ts';

export type TableAccess = 'read' | 'write' | 'readWrite';
export type AccessList = Partial<Record<TableKey, TableAccess>>;

export const ACCESS = {
  /** Provisioning: tenants, keys, peers, routes, astdb; reads status, CDRs and live workers. */
  api: { tenants: 'readWrite', peers: 'readWrite', routes: 'readWrite', astdb: 'readWrite', registrations: 'read', cdrs: 'read', workers: 'read' },
  /** Looks up tenant keys, nothing else. */
  authorizer: { tenants: 'read' },
  /** Expires registrations, closes orphaned CDRs, reads heartbeats. */
  sweeper: { registrations: 'readWrite', cdrs: 'readWrite', workers: 'read' },
  /** A deleted peer's registration and unshared dbsecret go; other peers are read to tell. */
  peerStream: { peers: 'read', registrations: 'readWrite', astdb: 'write' },
  /** The IAX2 worker: realtime peers/routes/astdb/tenants, registrations, CDRs, its heartbeat. */
  worker: { peers: 'read', routes: 'read', astdb: 'read', tenants: 'read', registrations: 'readWrite', cdrs: 'write', workers: 'write' },
} as const satisfies Record<string, AccessList>;

export function grantTables(grantee: IGrantable, tables: Readonly<Record<TableKey, Table>>, access: AccessList): void {
  for (const [key, level] of Object.entries(access) as Array<[TableKey, TableAccess]>) {
    const table = tables[key];
    if (level === 'read') table.grantReadData(grantee);
    else if (level === 'write') table.grantWriteData(grantee);
    else table.grantReadWriteData(grantee);
  }
}
