/**
 * Creates the platform's tables from their definitions (locally and in tests; AWS gets them
 * from the CDK stack). Idempotent: existing tables are left alone, except that one missing an
 * index defined since it was made is rebuilt with it (rebuild-table.ts).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type DynamoDBClient,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import type { TableNames } from './store-config.ts';
import { peerItem, type PeerRecord } from './peers-table.ts';
import { rebuildTable } from './rebuild-table.ts';
import { TABLES, type KeyAttribute, type TableDefinition } from './table-definitions.ts';

function keySchema(partition: KeyAttribute, sort?: KeyAttribute): KeySchemaElement[] {
  const schema: KeySchemaElement[] = [{ AttributeName: partition.name, KeyType: 'HASH' }];
  if (sort !== undefined) schema.push({ AttributeName: sort.name, KeyType: 'RANGE' });
  return schema;
}

function attributes(table: TableDefinition): AttributeDefinition[] {
  const all = new Map<string, 'S' | 'N'>();
  const add = (a: KeyAttribute | undefined): void => {
    if (a !== undefined) all.set(a.name, a.type);
  };
  add(table.partitionKey);
  add(table.sortKey);
  for (const index of table.indexes) {
    add(index.partitionKey);
    add(index.sortKey);
  }
  return [...all].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
}

export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  for (const table of Object.values(TABLES)) {
    const TableName = names[table.key];
    let existing: string[] | undefined;
    try {
      const described = await client.send(new DescribeTableCommand({ TableName }));
      existing = (described.Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName ?? '');
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
    }
    if (existing === undefined) {
      await createTable(client, TableName, table);
    } else if (table.indexes.some((index) => !existing.includes(index.name))) {
      await rebuildTable(client, TableName, () => createTable(client, TableName, table), (item) => upgradeItem(table, item));
    }
  }
}

/** What an item written before a newer index needs: a peer with requirecalltoken=no gets the token-exempt key. */
function upgradeItem(table: TableDefinition, item: Record<string, unknown>): Record<string, unknown> {
  return table.key === 'peers' ? peerItem(item as PeerRecord) : item;
}

async function createTable(client: DynamoDBClient, TableName: string, table: TableDefinition): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keySchema(table.partitionKey, table.sortKey),
      AttributeDefinitions: attributes(table),
      GlobalSecondaryIndexes:
        table.indexes.length === 0
          ? undefined
          : table.indexes.map((index) => ({
              IndexName: index.name,
              KeySchema: keySchema(index.partitionKey, index.sortKey),
              Projection: { ProjectionType: index.projection === 'keys' ? 'KEYS_ONLY' : 'ALL' },
            })),
    }),
  );
  for (let i = 0; i < 100; i++) {
    const described = await client.send(new DescribeTableCommand({ TableName }));
    if (described.Table?.TableStatus === 'ACTIVE') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (table.ttlAttribute !== undefined) {
    try {
      await client.send(new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true } }));
    } catch (error) {
      // dynalite has no TTL. It is only a backstop here: every read checks expiresAt itself.
      if ((error as { name?: string }).name !== 'UnknownOperationException') throw error;
    }
  }
}
