// Checks that each DynamoDB-compatible engine the data-layer tests use really starts and does
// what those tests will lean on, and pins down where the engines differ (so a difference that
// appears or disappears with an upgrade is noticed here, not in a confusing data-layer failure).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
  ResourceNotFoundException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { availableEngines, startDynalite, startDynamoDbLocal } from './dynamo-engines.ts';
import type { DynamoEngine } from './dynamo-engines.ts';

const TABLE = 'strowger-engine-check';
const INDEX = 'byTenant';

async function describeTable(client: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** Polls until `done` holds for the table's description (undefined once it is gone). */
async function waitForTable(
  client: DynamoDBClient,
  name: string,
  done: (table: TableDescription | undefined) => boolean,
): Promise<TableDescription | undefined> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const table = await describeTable(client, name);
    if (done(table)) return table;
    if (Date.now() > deadline) assert.fail(`table ${name} did not reach the expected state: ${JSON.stringify(table)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}

const engines = await availableEngines();

describe('availableEngines', () => {
  it('offers dynalite and DynamoDB Local whether or not java is here (its absence fails the tests, never skips them)', async () => {
    const savedPath = process.env.PATH;
    const emptyDir = mkdtempSync(join(tmpdir(), 'strowger-nojava-'));
    process.env.PATH = emptyDir;
    try {
      assert.deepEqual((await availableEngines()).map((start) => start.engineName), ['dynalite', 'dynamodb-local']);
    } finally {
      process.env.PATH = savedPath;
      rmSync(emptyDir, { recursive: true, force: true });
    }
    assert.deepEqual(engines.map((start) => start.engineName), ['dynalite', 'dynamodb-local']);
  });

  it('startDynamoDbLocal says how to get java when it is not on PATH', async () => {
    const savedPath = process.env.PATH;
    const emptyDir = mkdtempSync(join(tmpdir(), 'strowger-nojava-'));
    process.env.PATH = emptyDir;
    try {
      await assert.rejects(startDynamoDbLocal(), /java is not on PATH.*apt-get install -y default-jre-headless/);
    } finally {
      process.env.PATH = savedPath;
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });
});

for (const start of engines) {
  describe(`engine ${start.engineName}`, () => {
    let engine: DynamoEngine | undefined;
    let startMs = 0;
    const running = (): DynamoEngine => engine ?? assert.fail('engine did not start');
    const doc = (): DynamoDBDocumentClient => DynamoDBDocumentClient.from(running().client);
    const isLocal = start.engineName === 'dynamodb-local';

    before(async () => {
      const t0 = performance.now();
      engine = await start();
      startMs = performance.now() - t0;
    });
    after(async () => {
      await engine?.stop();
    });

    it('starts, and its client reaches it', async (t) => {
      t.diagnostic(`${running().name} started in ${Math.round(startMs)} ms at ${running().endpoint}`);
      assert.equal(running().name, start.engineName);
      assert.match(running().endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      const tables = await running().client.send(new ListTablesCommand({}));
      assert.deepEqual(tables.TableNames, []);
    });

    it('creates a PAY_PER_REQUEST table with a GSI on tenant', async () => {
      const { client } = running();
      await client.send(
        new CreateTableCommand({
          TableName: TABLE,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'name', AttributeType: 'S' },
            { AttributeName: 'tenant', AttributeType: 'S' },
          ],
          KeySchema: [{ AttributeName: 'name', KeyType: 'HASH' }],
          GlobalSecondaryIndexes: [
            { IndexName: INDEX, KeySchema: [{ AttributeName: 'tenant', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
          ],
        }),
      );
      // dynalite answers CREATING and turns ACTIVE a tick later; DynamoDB Local is ACTIVE at once.
      const table = await waitForTable(
        client,
        TABLE,
        (t) => t?.TableStatus === 'ACTIVE' && (t.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE'),
      );
      assert.equal(table?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
      assert.deepEqual(
        table?.GlobalSecondaryIndexes?.map((i) => i.IndexName),
        [INDEX],
      );
    });

    it('puts and gets an item through DynamoDBDocumentClient', async () => {
      const item = { name: 'alice', tenant: 't1', expiresAt: 1_700_000_000_123, tags: ['a', 'b'], meta: { codec: 'ulaw' } };
      await doc().send(new PutCommand({ TableName: TABLE, Item: item }));
      const got = await doc().send(new GetCommand({ TableName: TABLE, Key: { name: 'alice' }, ConsistentRead: true }));
      assert.deepEqual(got.Item, item);
      const missing = await doc().send(new GetCommand({ TableName: TABLE, Key: { name: 'nobody' } }));
      assert.equal(missing.Item, undefined);
    });

    it('a conditional put with attribute_not_exists(#n) fails the second time with ConditionalCheckFailedException', async () => {
      const put = () =>
        doc().send(
          new PutCommand({
            TableName: TABLE,
            Item: { name: 'bob', tenant: 't1' },
            ConditionExpression: 'attribute_not_exists(#n)',
            ExpressionAttributeNames: { '#n': 'name' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
      await put();
      await assert.rejects(put(), (error: unknown) => {
        assert.ok(error instanceof ConditionalCheckFailedException, `got ${errorName(error)}`);
        assert.equal(error.name, 'ConditionalCheckFailedException');
        assert.equal(error.$metadata.httpStatusCode, 400);
        assert.equal(error.message, 'The conditional request failed');
        // ReturnValuesOnConditionCheckFailure: DynamoDB Local (1.25+) returns the existing item
        // (marshalled: the document client does not unmarshall errors); dynalite ignores it.
        if (isLocal) assert.deepEqual(error.Item, { name: { S: 'bob' }, tenant: { S: 't1' } });
        else assert.equal(error.Item, undefined);
        return true;
      });
    });

    it('queries the GSI, which sees writes at once (real DynamoDB GSIs are only eventually consistent)', async () => {
      await doc().send(new PutCommand({ TableName: TABLE, Item: { name: 'carol', tenant: 't2' } }));
      const result = await doc().send(
        new QueryCommand({
          TableName: TABLE,
          IndexName: INDEX,
          KeyConditionExpression: '#t = :t',
          ExpressionAttributeNames: { '#t': 'tenant' },
          ExpressionAttributeValues: { ':t': 't1' },
        }),
      );
      assert.deepEqual(result.Items?.map((i) => i.name as string).sort(), ['alice', 'bob']);
      // Both refuse a consistent read on a GSI, as DynamoDB does (with different messages).
      await assert.rejects(
        doc().send(
          new QueryCommand({
            TableName: TABLE,
            IndexName: INDEX,
            KeyConditionExpression: '#t = :t',
            ExpressionAttributeNames: { '#t': 'tenant' },
            ExpressionAttributeValues: { ':t': 't1' },
            ConsistentRead: true,
          }),
        ),
        { name: 'ValidationException' },
      );
    });

    it(isLocal ? 'UpdateTimeToLive is accepted and shows as ENABLED' : 'UpdateTimeToLive is an unknown operation', async () => {
      const { client } = running();
      const update = client.send(
        new UpdateTimeToLiveCommand({ TableName: TABLE, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } }),
      );
      if (isLocal) {
        const result = await update;
        assert.deepEqual(result.TimeToLiveSpecification, { AttributeName: 'ttl', Enabled: true });
        const described = await client.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
        assert.equal(described.TimeToLiveDescription?.TimeToLiveStatus, 'ENABLED');
        assert.equal(described.TimeToLiveDescription?.AttributeName, 'ttl');
      } else {
        // dynalite implements DescribeTimeToLive (always DISABLED) but not UpdateTimeToLive; the
        // SDK has no class for its UnknownOperationException, so match the name.
        await assert.rejects(update, { name: 'UnknownOperationException' });
        const described = await client.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
        assert.equal(described.TimeToLiveDescription?.TimeToLiveStatus, 'DISABLED');
      }
    });

    it(isLocal ? 'TransactWriteItems is supported' : 'TransactWriteItems is an unknown operation', async () => {
      const transact = running().client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: TABLE,
                Item: { name: { S: 'alice' }, tenant: { S: 't1' } },
                ConditionExpression: 'attribute_not_exists(#n)',
                ExpressionAttributeNames: { '#n': 'name' },
              },
            },
          ],
        }),
      );
      if (isLocal) {
        await assert.rejects(transact, (error: unknown) => {
          assert.ok(error instanceof TransactionCanceledException, `got ${errorName(error)}`);
          assert.deepEqual(
            error.CancellationReasons?.map((r) => r.Code),
            ['ConditionalCheckFailed'],
          );
          return true;
        });
      } else {
        await assert.rejects(transact, { name: 'UnknownOperationException' });
      }
    });

    it('deletes the table', async () => {
      const { client } = running();
      await client.send(new DeleteTableCommand({ TableName: TABLE }));
      await waitForTable(client, TABLE, (t) => t === undefined);
      const tables = await client.send(new ListTablesCommand({}));
      assert.deepEqual(tables.TableNames, []);
    });
  });
}

describe('dynalite on disk (path option)', () => {
  it('keeps tables and items across a restart on the same LevelDB folder', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'strowger-dynalite-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const first = await startDynalite({ path: join(dir, 'db') });
    try {
      await first.client.send(
        new CreateTableCommand({
          TableName: TABLE,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'name', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'name', KeyType: 'HASH' }],
        }),
      );
      await waitForTable(first.client, TABLE, (table) => table?.TableStatus === 'ACTIVE');
      await DynamoDBDocumentClient.from(first.client).send(new PutCommand({ TableName: TABLE, Item: { name: 'kept' } }));
    } finally {
      await first.stop();
    }
    const second = await startDynalite({ path: join(dir, 'db') });
    try {
      const got = await DynamoDBDocumentClient.from(second.client).send(new GetCommand({ TableName: TABLE, Key: { name: 'kept' } }));
      assert.deepEqual(got.Item, { name: 'kept' });
    } finally {
      await second.stop();
    }
  });
});
