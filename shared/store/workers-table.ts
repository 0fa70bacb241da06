/**
 * Workers announce themselves with a heartbeat; DynamoDB's TTL forgets a worker that stopped,
 * and reads treat a heartbeat older than `staleAfterMs` as gone before TTL gets to it.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { scanAll } from './query-pages.ts';
import type { WorkerRecord } from '../model/worker.ts';

export class WorkersTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
    private readonly staleAfterMs = 30_000,
  ) {}

  async heartbeat(worker: WorkerRecord): Promise<void> {
    const ttl = Math.ceil((worker.heartbeatAt + 10 * this.staleAfterMs) / 1000);
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...worker, ttl } }));
  }

  async get(workerId: string): Promise<WorkerRecord | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { workerId } }));
    const worker = Item as (WorkerRecord & { ttl?: number }) | undefined;
    return worker === undefined || !this.alive(worker) ? undefined : strip(worker);
  }

  /** Every live worker. The table holds a handful of items, so a scan is the right read. */
  async live(): Promise<WorkerRecord[]> {
    const items = await scanAll<WorkerRecord & { ttl?: number }>(this.doc, { TableName: this.tableName });
    return items.filter((item) => this.alive(item)).map(strip);
  }

  /** The last heartbeat a worker wrote, live or not (until TTL forgets it): when a dead worker was last seen. */
  async lastHeartbeat(workerId: string): Promise<number | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { workerId } }));
    return (Item as WorkerRecord | undefined)?.heartbeatAt;
  }

  private alive(worker: WorkerRecord): boolean {
    return this.now() - worker.heartbeatAt < this.staleAfterMs;
  }
}

function strip(item: WorkerRecord & { ttl?: number }): WorkerRecord {
  const { ttl: _ttl, ...worker } = item;
  return worker;
}
