/**
 * DynamoDB's paging, once: every item a query matches (following LastEvaluatedKey), or one
 * page of it behind an opaque cursor pinned to the partition being read.
 */
import { QueryCommand, ScanCommand, type DynamoDBDocumentClient, type QueryCommandInput, type QueryCommandOutput, type ScanCommandInput, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, invalidCursor } from './page-cursor.ts';

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; absent on the last one. */
  cursor?: string;
}

export async function queryAll<Item>(doc: DynamoDBDocumentClient, input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page: QueryCommandOutput = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/**
 * One page of at most `limit` (default 100); `pinned` keeps a cursor inside its partition. A
 * cursor DynamoDB refuses as a start key (made up, of another index, outside the query's
 * range) is the caller's bad cursor, not a failure of ours.
 */
export async function queryPage<Item>(
  doc: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'>,
  options: { limit?: number | undefined; cursor?: string | undefined },
  pinned: Record<string, string>,
): Promise<Page<Item>> {
  const start = decodeCursor(options.cursor, pinned);
  const result = await doc.send(new QueryCommand({ ...input, Limit: options.limit ?? 100, ExclusiveStartKey: start })).catch((error: unknown) => {
    throw start !== undefined && (error as { name?: unknown } | null)?.name === 'ValidationException' ? invalidCursor() : error;
  });
  const page: Page<Item> = { items: (result.Items ?? []) as Item[] };
  const cursor = encodeCursor(result.LastEvaluatedKey);
  if (cursor !== undefined) page.cursor = cursor;
  return page;
}

/** Every item a scan reads (small tables, or a sparse index), following LastEvaluatedKey. */
export async function scanAll<Item>(doc: DynamoDBDocumentClient, input: Omit<ScanCommandInput, 'ExclusiveStartKey'>): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page: ScanCommandOutput = await doc.send(new ScanCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** How many items a query matches (Select COUNT: nothing is read out), over every page. */
export async function queryCount(doc: DynamoDBDocumentClient, input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Select'>): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page: QueryCommandOutput = await doc.send(new QueryCommand({ ...input, Select: 'COUNT', ExclusiveStartKey: start }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return count;
}

/** The query of a table's `byTenant` index (peers, routes) for one tenant. */
export function byTenantIndex(tableName: string, tenant: string): Omit<QueryCommandInput, 'ExclusiveStartKey'> {
  return {
    TableName: tableName,
    IndexName: 'byTenant',
    KeyConditionExpression: '#tenant = :tenant',
    ExpressionAttributeNames: { '#tenant': 'tenant' },
    ExpressionAttributeValues: { ':tenant': tenant },
  };
}
