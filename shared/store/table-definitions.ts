/**
 * Every DynamoDB table of the platform, defined once (docs/architecture.md §5). The store creates them
 * locally and in tests from these definitions, and the CDK data stack builds the same keys,
 * indexes and TTL attributes from them, so the two cannot drift.
 */
export type TableKey = 'peers' | 'registrations' | 'routes' | 'astdb' | 'cdrs' | 'workers' | 'tenants';

export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface IndexDefinition {
  name: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** What the index holds besides its keys: everything (the default) or nothing. */
  projection?: 'all' | 'keys';
}

export interface TableDefinition {
  key: TableKey;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  indexes: IndexDefinition[];
  /** The attribute DynamoDB's TTL deletes by (epoch seconds). A backstop: reads check too. */
  ttlAttribute?: string;
  /** New and old images on a stream, for a consumer that reacts to changes. */
  stream: boolean;
}

/** The peers' sparse attribute behind the `tokenExempt` index: the peer's name, present only with requirecalltoken=no. */
export const TOKEN_EXEMPT_ATTRIBUTE = 'tokenExemptName';

export const TABLES: Readonly<Record<TableKey, TableDefinition>> = {
  peers: {
    key: 'peers',
    partitionKey: { name: 'name', type: 'S' },
    indexes: [
      { name: 'byTenant', partitionKey: { name: 'tenant', type: 'S' }, sortKey: { name: 'name', type: 'S' } },
      // Sparse: only peers with requirecalltoken=no carry tokenExemptName, so every worker can
      // keep the few names that may come without a call token by scanning just those keys
      // (a token-less datagram must cost no read, docs/architecture.md §9).
      { name: 'tokenExempt', partitionKey: { name: TOKEN_EXEMPT_ATTRIBUTE, type: 'S' }, projection: 'keys' },
    ],
    // A deleted peer's registration and astdb entries are cleaned up from the stream.
    stream: true,
  },
  registrations: {
    key: 'registrations',
    partitionKey: { name: 'name', type: 'S' },
    // The sweeper reads one minute's expiries at a time instead of scanning the table.
    indexes: [{ name: 'byExpiryBucket', partitionKey: { name: 'expiryBucket', type: 'N' }, sortKey: { name: 'expiresAt', type: 'N' } }],
    ttlAttribute: 'ttl',
    stream: false,
  },
  routes: {
    key: 'routes',
    partitionKey: { name: 'tenantContext', type: 'S' },
    sortKey: { name: 'pattern', type: 'S' },
    // Listing a tenant's whole dialplan (every context) without a scan.
    indexes: [{ name: 'byTenant', partitionKey: { name: 'tenant', type: 'S' }, sortKey: { name: 'tenantContext', type: 'S' } }],
    stream: false,
  },
  astdb: {
    key: 'astdb',
    // `<tenant>/<family>`: each tenant has its own astdb, so one tenant's dbsecret can never
    // name another's value.
    partitionKey: { name: 'tenantFamily', type: 'S' },
    sortKey: { name: 'key', type: 'S' },
    indexes: [],
    stream: false,
  },
  cdrs: {
    key: 'cdrs',
    partitionKey: { name: 'tenant', type: 'S' },
    sortKey: { name: 'startCallId', type: 'S' },
    // Sparse: only open CDRs carry openWorkerId, so scanning the index reads just the calls in
    // progress, and the sweeper finds those a dead worker left open.
    indexes: [{ name: 'openByWorker', partitionKey: { name: 'openWorkerId', type: 'S' }, sortKey: { name: 'startCallId', type: 'S' } }],
    ttlAttribute: 'ttl',
    stream: false,
  },
  workers: {
    key: 'workers',
    partitionKey: { name: 'workerId', type: 'S' },
    indexes: [],
    ttlAttribute: 'ttl',
    stream: false,
  },
  tenants: {
    key: 'tenants',
    partitionKey: { name: 'tenantId', type: 'S' },
    indexes: [],
    stream: false,
  },
};

/** Minutes since the epoch: the registrations' expiry-bucket partition. */
export function expiryBucket(epochMs: number): number {
  return Math.floor(epochMs / 60_000);
}
