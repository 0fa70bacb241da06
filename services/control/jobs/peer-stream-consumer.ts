/**
 * The peers table's stream consumer: when a peer is deleted, what hung off it goes too. Its
 * registration is removed (unless the name was re-created and registered after the delete),
 * and the astdb value its dbsecret named is removed unless another of the tenant's peers
 * still uses it. Failures are reported per record (ReportBatchItemFailures), so one bad
 * record is retried without replaying the batch.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { silentLogger, type Logger } from '../../../shared/logger.ts';
import type { PeerRecord } from '../../../shared/store/peers-table.ts';
import { NotFoundError } from '../../../shared/store/store-errors.ts';
import type { Stores } from '../../../shared/store/stores.ts';

export interface PeerStreamDeps {
  stores: Pick<Stores, 'peers' | 'registrations' | 'astdb'>;
  logger?: Logger;
}

export function makePeerStreamHandler(deps: PeerStreamDeps) {
  const logger = deps.logger ?? silentLogger;
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const failures: DynamoDBBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        await handleRecord(record, deps.stores, logger);
      } catch (error) {
        logger.error('peer stream record failed', { error, eventId: record.eventID });
        if (record.dynamodb?.SequenceNumber !== undefined) failures.push({ itemIdentifier: record.dynamodb.SequenceNumber });
      }
    }
    return { batchItemFailures: failures };
  };
}

async function handleRecord(record: DynamoDBRecord, stores: PeerStreamDeps['stores'], logger: Logger): Promise<void> {
  if (record.eventName !== 'REMOVE' || record.dynamodb?.OldImage === undefined) return;
  // aws-lambda's AttributeValue and the SDK's describe the same wire shape.
  const peer = unmarshall(record.dynamodb.OldImage as Record<string, AttributeValue>) as PeerRecord;
  const deletedAt = (record.dynamodb.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000;

  const registration = await stores.registrations.get(peer.name, { ignoreExpiry: true });
  if (registration !== undefined && registration.registeredAt <= deletedAt) {
    await stores.registrations.remove(peer.name, registration.expiresAt);
    logger.info('removed a deleted peer\'s registration', { peer: peer.name, tenant: peer.tenant });
  }

  if (peer.dbsecret !== undefined && !(await dbsecretStillUsed(stores.peers, peer))) {
    const [family = '', key = ''] = peer.dbsecret.split('/');
    try {
      await stores.astdb.delete(peer.tenant, family, key);
      logger.info('removed a deleted peer\'s dbsecret', { peer: peer.name, tenant: peer.tenant, dbsecret: peer.dbsecret });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
}

async function dbsecretStillUsed(peers: PeerStreamDeps['stores']['peers'], deleted: PeerRecord): Promise<boolean> {
  let cursor: string | undefined;
  do {
    const page = await peers.listByTenant(deleted.tenant, { limit: 500, ...(cursor === undefined ? {} : { cursor }) });
    if (page.items.some((peer) => peer.name !== deleted.name && peer.dbsecret === deleted.dbsecret)) return true;
    cursor = page.cursor;
  } while (cursor !== undefined);
  return false;
}
