/**
 * DynamoDB Streams, emulated for the local platform: dynalite has no streams, so the local
 * peers table hands each deletion to the same stream consumer Lambda gets in AWS, as a
 * REMOVE record with the old image, the way a stream delivers it.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { PeersTable, type PeerRecord } from '../../../shared/store/peers-table.ts';

export type StreamConsumer = (event: DynamoDBStreamEvent) => Promise<unknown>;

export class StreamingPeersTable extends PeersTable {
  private sequence = 0;
  private consumer: StreamConsumer | undefined;

  constructor(
    doc: DynamoDBDocumentClient,
    tableName: string,
    private readonly clock: () => number,
  ) {
    super(doc, tableName, clock);
  }

  /** The consumer is wired after the stores exist (it reads them). */
  attach(consumer: StreamConsumer): void {
    this.consumer = consumer;
  }

  override async delete(name: string, tenant: string, expectedVersion?: number): Promise<void> {
    const old = await this.get(name, tenant);
    await super.delete(name, tenant, expectedVersion);
    if (old !== undefined && this.consumer !== undefined) await this.consumer(this.removeEvent(old));
  }

  private removeEvent(old: PeerRecord): DynamoDBStreamEvent {
    this.sequence += 1;
    return {
      Records: [{
        eventID: `local-${this.sequence}`,
        eventName: 'REMOVE',
        eventSource: 'aws:dynamodb',
        dynamodb: {
          ApproximateCreationDateTime: this.clock() / 1000,
          Keys: marshall({ name: old.name }) as never,
          OldImage: marshall(old, { removeUndefinedValues: true }) as never,
          SequenceNumber: String(this.sequence).padStart(21, '0'),
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      }],
    };
  }
}
