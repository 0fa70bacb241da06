/**
 * Routes by tenant and context (partition `tenant#context`), one item per pattern. A route
 * carries a version; replacing one is conditional on it, so two operators editing the same
 * route cannot silently undo each other.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describeIssues } from '../model/peer.ts';
import { RouteConfig } from '../model/route.ts';
import { byTenantIndex, queryAll, queryPage, type Page } from './query-pages.ts';
import { ConflictError, isConditionFailure, NotFoundError, ValidationError } from './store-errors.ts';

export type RouteRecord = RouteConfig & { version: number };
type RouteItem = RouteRecord & { tenantContext: string };

const partition = (tenant: string, context: string): string => `${tenant}#${context}`;

export class RoutesTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Creates the route, or replaces it at `expectedVersion` (omit it to create only). */
  async put(input: unknown, expectedVersion?: number): Promise<RouteRecord> {
    const parsed = RouteConfig.safeParse(input);
    if (!parsed.success) throw new ValidationError(describeIssues(parsed.error));
    const route = parsed.data;
    const item: RouteItem = { ...route, version: (expectedVersion ?? 0) + 1, tenantContext: partition(route.tenant, route.context) };
    try {
      await this.doc.send(new PutCommand({
        TableName: this.tableName,
        Item: item,
        ConditionExpression: expectedVersion === undefined ? 'attribute_not_exists(#pk)' : '#version = :expected',
        ExpressionAttributeNames: expectedVersion === undefined ? { '#pk': 'tenantContext' } : { '#version': 'version' },
        ExpressionAttributeValues: expectedVersion === undefined ? undefined : { ':expected': expectedVersion },
      }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      if (expectedVersion === undefined) throw new ConflictError(`${route.pattern} in ${route.context} is already routed`, { cause: error });
      const current = await this.get(route.tenant, route.context, route.pattern);
      if (current === undefined) throw new NotFoundError(`route ${route.pattern} in ${route.context}`, { cause: error });
      throw new ConflictError(`route ${route.pattern} is at version ${current.version}, not ${expectedVersion}`, { cause: error });
    }
    return strip(item);
  }

  async get(tenant: string, context: string, pattern: string): Promise<RouteRecord | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { tenantContext: partition(tenant, context), pattern } }));
    return Item === undefined ? undefined : strip(Item as RouteItem);
  }

  /** Every route of one tenant's context: what the switch matches a dialled number against. */
  async listContext(tenant: string, context: string): Promise<RouteRecord[]> {
    const items = await queryAll<RouteItem>(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'tenantContext' },
      ExpressionAttributeValues: { ':pk': partition(tenant, context) },
    });
    return items.map(strip);
  }

  /** The tenant's whole dialplan, context by context, a page at a time. */
  async listTenant(tenant: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<RouteRecord>> {
    const page = await queryPage<RouteItem>(this.doc, byTenantIndex(this.tableName, tenant), options, { tenant });
    return { ...page, items: page.items.map(strip) };
  }

  async delete(tenant: string, context: string, pattern: string): Promise<void> {
    try {
      await this.doc.send(new DeleteCommand({
        TableName: this.tableName,
        Key: { tenantContext: partition(tenant, context), pattern },
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'tenantContext' },
      }));
    } catch (error) {
      if (isConditionFailure(error)) throw new NotFoundError(`route ${pattern} in ${context}`, { cause: error });
      throw error;
    }
  }
}

function strip(item: RouteItem): RouteRecord {
  const { tenantContext: _pk, ...route } = item;
  return route;
}
