/**
 * The local platform's DynamoDB: dynalite, persisted in a LevelDB folder, on a loopback port
 * only this process knows. Same API, same SDK client as AWS, with the worker's deadlines and
 * retry budget (shared/store/dynamo-client.ts); `observer` sees every call.
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient, type StoreCallObserver } from '../../shared/store/dynamo-client.ts';

type Dynalite = (options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

export interface EmbeddedDynamo {
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

export async function startEmbeddedDynamo(path: string | undefined, observer?: StoreCallObserver): Promise<EmbeddedDynamo> {
  const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;
  const server = dynalite({ ...(path === undefined ? {} : { path }), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // dynalite checks that a request is signed, not by whom: local credentials, never real ones.
  const client = createDynamoClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, ...(observer === undefined ? {} : { observer }) });
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    client,
    stop: () => (stopped ??= (async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    })()),
  };
}
