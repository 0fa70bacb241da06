/**
 * Creates the platform's tables from their definitions (locally and in tests; AWS gets them
 * from the CDK stack). Idempotent: existing tables are left alone.
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
    try {
      await client.send(new DescribeTableCommand({ TableName }));
      continue;
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
    }
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
                Projection: { ProjectionType: 'ALL' },
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
}
