/**
 * Routes by tenant and context (partition `tenant#context`), one item per pattern. A route
 * carries a version; replacing one is conditional on it, so two operators editing the same
 * route cannot silently undo each other.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describeIssues } from '../model/peer.ts';
import { RouteConfig } from '../model/route.ts';
import { decodeCursor, encodeCursor } from './page-cursor.ts';
import type { Page } from './peers-table.ts';
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
    const routes: RouteRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'tenantContext' },
        ExpressionAttributeValues: { ':pk': partition(tenant, context) },
        ExclusiveStartKey: start,
      }));
      routes.push(...((page.Items ?? []) as RouteItem[]).map(strip));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return routes;
  }

  /** The tenant's whole dialplan, context by context, a page at a time. */
  async listTenant(tenant: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<RouteRecord>> {
    const result = await this.doc.send(new QueryCommand({
      TableName: this.tableName,
      IndexName: 'byTenant',
      KeyConditionExpression: '#tenant = :tenant',
      ExpressionAttributeNames: { '#tenant': 'tenant' },
      ExpressionAttributeValues: { ':tenant': tenant },
      Limit: options.limit ?? 100,
      ExclusiveStartKey: decodeCursor(options.cursor, { tenant }),
    }));
    const page: Page<RouteRecord> = { items: ((result.Items ?? []) as RouteItem[]).map(strip) };
    const cursor = encodeCursor(result.LastEvaluatedKey);
    if (cursor !== undefined) page.cursor = cursor;
    return page;
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
