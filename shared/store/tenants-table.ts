/** Tenants: created once (the id is never reused), then updated at a version. */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { scanAll } from './query-pages.ts';
import { describeIssues } from '../model/peer.ts';
import { Tenant, type TenantInput } from '../model/tenant.ts';
import { ConflictError, isConditionFailure, NotFoundError, ValidationError } from './store-errors.ts';

export type TenantRecord = Tenant & { version: number };

function validate(input: TenantInput): Tenant {
  const parsed = Tenant.safeParse(input);
  if (!parsed.success) throw new ValidationError(describeIssues(parsed.error));
  return parsed.data;
}

export class TenantsTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(input: TenantInput): Promise<TenantRecord> {
    const record: TenantRecord = { ...validate(input), version: 1 };
    try {
      await this.doc.send(new PutCommand({
        TableName: this.tableName,
        Item: record,
        ConditionExpression: 'attribute_not_exists(#id)',
        ExpressionAttributeNames: { '#id': 'tenantId' },
      }));
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`tenant "${record.tenantId}" exists`, { cause: error });
      throw error;
    }
    return record;
  }

  async get(tenantId: string): Promise<TenantRecord | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { tenantId }, ConsistentRead: true }));
    return Item as TenantRecord | undefined;
  }

  /** Every tenant; the table is small (one item per customer), so a scan is the right read. */
  async list(): Promise<TenantRecord[]> {
    const tenants = await scanAll<TenantRecord>(this.doc, { TableName: this.tableName });
    return tenants.sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  }

  /** Applies `change` to the current record and writes it if nobody wrote in between. */
  async update(tenantId: string, expectedVersion: number, change: (tenant: Tenant) => Tenant): Promise<TenantRecord> {
    const current = await this.get(tenantId);
    if (current === undefined) throw new NotFoundError(`tenant "${tenantId}"`);
    if (current.version !== expectedVersion) throw new ConflictError(`tenant "${tenantId}" is at version ${current.version}, not ${expectedVersion}`);
    const { version: _v, ...tenant } = current;
    const next: TenantRecord = { ...validate(change(tenant)), tenantId, version: expectedVersion + 1 };
    try {
      await this.doc.send(new PutCommand({
        TableName: this.tableName,
        Item: next,
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': expectedVersion },
      }));
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`tenant "${tenantId}" changed meanwhile`, { cause: error });
      throw error;
    }
    return next;
  }
}
