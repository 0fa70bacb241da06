/**
 * The peers table: one item per IAX2 name (names are global, like iax.conf section names on
 * one box), indexed by tenant. Every write that could clobber is conditional: create only if
 * the name is free, replace and delete only at the expected version and within the tenant.
 * Another tenant's peer reads as absent, never as "forbidden", so names do not leak.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describeIssues, PeerConfig, type PeerConfigInput } from '../model/peer.ts';
import { byTenantIndex, queryCount, queryPage, scanAll, type Page } from './query-pages.ts';
import { ConflictError, isConditionFailure, NotFoundError, ValidationError } from './store-errors.ts';
import { TOKEN_EXEMPT_ATTRIBUTE } from './table-definitions.ts';

export type PeerRecord = PeerConfig & { version: number; updatedAt: number };

/**
 * The item stored for a record: the record, plus the sparse `tokenExempt` index's key when the
 * peer may come without a call token (table-definitions.ts).
 */
export function peerItem(record: PeerRecord): Record<string, unknown> {
  return record.requirecalltoken === 'no' ? { ...record, [TOKEN_EXEMPT_ATTRIBUTE]: record.name } : { ...record };
}

/** The record an item holds, without the index's bookkeeping. */
function recordOf(item: Record<string, unknown>): PeerRecord {
  if (!(TOKEN_EXEMPT_ATTRIBUTE in item)) return item as PeerRecord;
  const { [TOKEN_EXEMPT_ATTRIBUTE]: _key, ...record } = item;
  return record as PeerRecord;
}

export type { Page } from './query-pages.ts';

export function validatePeer(input: PeerConfigInput): PeerConfig {
  const parsed = PeerConfig.safeParse(input);
  if (!parsed.success) throw new ValidationError(describeIssues(parsed.error));
  return parsed.data;
}

export class PeersTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async create(input: PeerConfigInput): Promise<PeerRecord> {
    const record: PeerRecord = { ...validatePeer(input), version: 1, updatedAt: this.now() };
    try {
      await this.doc.send(new PutCommand({
        TableName: this.tableName,
        Item: peerItem(record),
        ConditionExpression: 'attribute_not_exists(#name)',
        ExpressionAttributeNames: { '#name': 'name' },
      }));
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`peer name "${record.name}" is taken`, { cause: error });
      throw error;
    }
    return record;
  }

  /** The peer, or undefined; with `tenant`, only if it belongs to that tenant. */
  async get(name: string, tenant?: string): Promise<PeerRecord | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { name } }));
    const record = Item === undefined ? undefined : recordOf(Item);
    if (record === undefined || (tenant !== undefined && record.tenant !== tenant)) return undefined;
    return record;
  }

  /** Just the version, for a cache deciding whether its copy is still current. */
  async version(name: string): Promise<number | undefined> {
    const { Item } = await this.doc.send(new GetCommand({
      TableName: this.tableName,
      Key: { name },
      ProjectionExpression: '#version',
      ExpressionAttributeNames: { '#version': 'version' },
    }));
    return (Item as { version?: number } | undefined)?.version;
  }

  async listByTenant(tenant: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<PeerRecord>> {
    const page = await queryPage<Record<string, unknown>>(this.doc, byTenantIndex(this.tableName, tenant), options, { tenant });
    return { ...page, items: page.items.map(recordOf) };
  }

  /**
   * The names of every peer with requirecalltoken=no: a scan of the sparse, keys-only
   * `tokenExempt` index, so it reads those few keys and nothing else.
   */
  async tokenExemptNames(): Promise<string[]> {
    const items = await scanAll<Record<string, unknown>>(this.doc, { TableName: this.tableName, IndexName: 'tokenExempt', ProjectionExpression: '#name', ExpressionAttributeNames: { '#name': 'name' } });
    return items.map((item) => String(item.name));
  }

  /** How many peers the tenant has (for its maxPeers limit): a count on the index, no items read out. */
  async countByTenant(tenant: string): Promise<number> {
    return queryCount(this.doc, byTenantIndex(this.tableName, tenant));
  }


  /** Replaces the whole peer if it is still at `expectedVersion` in the same tenant. */
  async replace(input: PeerConfigInput, expectedVersion: number): Promise<PeerRecord> {
    const peer = validatePeer(input);
    const record: PeerRecord = { ...peer, version: expectedVersion + 1, updatedAt: this.now() };
    try {
      await this.doc.send(new PutCommand({
        TableName: this.tableName,
        Item: peerItem(record),
        ConditionExpression: '#tenant = :tenant AND #version = :expected',
        ExpressionAttributeNames: { '#tenant': 'tenant', '#version': 'version' },
        ExpressionAttributeValues: { ':tenant': peer.tenant, ':expected': expectedVersion },
      }));
    } catch (error) {
      if (isConditionFailure(error)) throw await this.conflictOrMissing(peer.name, peer.tenant, expectedVersion, error);
      throw error;
    }
    return record;
  }

  async delete(name: string, tenant: string, expectedVersion?: number): Promise<void> {
    const names: Record<string, string> = { '#tenant': 'tenant' };
    const values: Record<string, unknown> = { ':tenant': tenant };
    let condition = '#tenant = :tenant';
    if (expectedVersion !== undefined) {
      condition += ' AND #version = :expected';
      names['#version'] = 'version';
      values[':expected'] = expectedVersion;
    }
    try {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { name }, ConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values }));
    } catch (error) {
      if (isConditionFailure(error)) throw await this.conflictOrMissing(name, tenant, expectedVersion, error);
      throw error;
    }
  }

  /** Absent, or another tenant's: not found. Ours at another version: a conflict. */
  private async conflictOrMissing(name: string, tenant: string, expected: number | undefined, cause: unknown): Promise<Error> {
    const current = await this.get(name, tenant);
    if (current === undefined) return new NotFoundError(`peer "${name}"`, { cause });
    return new ConflictError(`peer "${name}" is at version ${current.version}, not ${expected ?? '?'}`, { cause });
  }
}
