/**
 * A local table made before one of its indexes was defined gets it by being rebuilt: its items
 * are read out, the table is made again from its definition and the items written back (each
 * through `upgradeItem`, which adds what a newer index keys on). dynalite, the embedded store
 * of `npm start`, cannot add an index to a table in place. Only for local stores and tests:
 * on AWS the CDK stack adds indexes and the data stays where it is.
 */
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { scanAll } from './query-pages.ts';

const BATCH = 25;

export async function rebuildTable(
  client: DynamoDBClient,
  tableName: string,
  create: () => Promise<void>,
  upgradeItem: (item: Record<string, unknown>) => Record<string, unknown>,
): Promise<number> {
  const doc = DynamoDBDocumentClient.from(client);
  const items = await scanAll<Record<string, unknown>>(doc, { TableName: tableName });
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  await create();
  for (let i = 0; i < items.length; i += BATCH) {
    let requests = items.slice(i, i + BATCH).map((item) => ({ PutRequest: { Item: upgradeItem(item) } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 20) throw new Error(`rebuilding ${tableName}: items not written back`);
      const result = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
  return items.length;
}
