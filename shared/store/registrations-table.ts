/**
 * The registrations table behind the registrar's RegistrationStore (rtupdate: written on
 * REGACK). DynamoDB's TTL deletes days late, so every read treats a registration past its
 * expiresAt as absent. Two workers may write the same peer's registration at once (it moved,
 * or a flow was re-balanced): the write with the later registeredAt wins, and an older one
 * never overwrites a newer one.
 */
import { BatchGetCommand, type BatchGetCommandOutput, DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { QualifyState, Registration } from '../model/registration.ts';
import { queryAll } from './query-pages.ts';
import { isConditionFailure } from './store-errors.ts';
import { expiryBucket } from './table-definitions.ts';

/** DynamoDB's TTL is a backstop an hour after expiry; reads do the real expiring. */
const TTL_MARGIN_S = 3600;

type RegistrationItem = Registration & { expiryBucket?: number; ttl: number; sysname?: string };

/** Satisfies the registrar's RegistrationStore (services/iax2/registrar) structurally. */
export class RegistrationsTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
    /** `rtsavesysname`: stamp each registration with this worker's system name. */
    private readonly sysname?: string,
  ) {}

  /**
   * The live registration, or undefined. With `ignoreExpiry` (Asterisk's rtignoreregexpire)
   * the last registered address is returned even after it expired, until it is deleted.
   */
  async get(name: string, options: { ignoreExpiry?: boolean } = {}): Promise<Registration | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { name }, ConsistentRead: true }));
    const item = Item as RegistrationItem | undefined;
    if (item === undefined || (options.ignoreExpiry !== true && item.expiresAt <= this.now())) return undefined;
    return toRegistration(item);
  }

  /** Several peers' registrations at once (BatchGetItem, 100 keys a call), expired ones included, by name. */
  async getMany(names: readonly string[]): Promise<Map<string, Registration>> {
    const found = new Map<string, Registration>();
    for (let i = 0; i < names.length; i += 100) {
      let keys: Array<Record<string, unknown>> | undefined = names.slice(i, i + 100).map((name) => ({ name }));
      // Unprocessed keys (throttling) are asked again, a few times, with a short pause.
      for (let attempt = 0; keys !== undefined && keys.length > 0 && attempt < 5; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const result: BatchGetCommandOutput = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of (result.Responses?.[this.tableName] ?? []) as RegistrationItem[]) found.set(item.name, toRegistration(item));
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
      if (keys !== undefined && keys.length > 0) throw new Error(`DynamoDB left ${keys.length} registration reads unprocessed`);
    }
    return found;
  }

  /** Writes unless a later registration is already stored; resolves whether this one won. */
  async put(registration: Registration): Promise<void> {
    await this.write(registration);
  }

  async write(registration: Registration): Promise<boolean> {
    const item: RegistrationItem = {
      ...registration,
      expiryBucket: expiryBucket(registration.expiresAt),
      ttl: Math.ceil(registration.expiresAt / 1000) + TTL_MARGIN_S,
    };
    if (this.sysname !== undefined) item.sysname = this.sysname;
    try {
      await this.doc.send(new PutCommand({
        TableName: this.tableName,
        Item: stripUndefined(item),
        ConditionExpression: 'attribute_not_exists(#name) OR #registeredAt <= :registeredAt',
        ExpressionAttributeNames: { '#name': 'name', '#registeredAt': 'registeredAt' },
        ExpressionAttributeValues: { ':registeredAt': registration.registeredAt },
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false; // a newer registration is stored: keep it
      throw error;
    }
  }

  async remove(name: string, expiresAt?: number): Promise<boolean> {
    try {
      await this.doc.send(new DeleteCommand({
        TableName: this.tableName,
        Key: { name },
        ConditionExpression: expiresAt === undefined ? 'attribute_exists(#name)' : '#expiresAt = :expiresAt',
        ExpressionAttributeNames: expiresAt === undefined ? { '#name': 'name' } : { '#expiresAt': 'expiresAt' },
        ExpressionAttributeValues: expiresAt === undefined ? undefined : { ':expiresAt': expiresAt },
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Removes the registration only while `workerId` holds it: false when it is gone or another
   * worker holds it now. A removal queued during a store outage (a REGREL granted from memory)
   * must never remove the registration another worker wrote since.
   */
  async removeHeldBy(name: string, workerId: string): Promise<boolean> {
    try {
      await this.doc.send(new DeleteCommand({
        TableName: this.tableName,
        Key: { name },
        ConditionExpression: '#worker = :worker',
        ExpressionAttributeNames: { '#worker': 'workerId' },
        ExpressionAttributeValues: { ':worker': workerId },
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * The qualify status, written only while `workerId` holds the registration: false when the
   * registration is gone or another worker owns it now (the old owner must not overwrite it).
   */
  async updateQualify(name: string, qualify: QualifyState, workerId: string): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { name },
        UpdateExpression: 'SET #qualify = :qualify',
        ConditionExpression: 'attribute_exists(#name) AND #worker = :worker',
        ExpressionAttributeNames: { '#qualify': 'qualify', '#name': 'name', '#worker': 'workerId' },
        ExpressionAttributeValues: { ':qualify': stripUndefined({ ...qualify }), ':worker': workerId },
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Registrations that expire in one minute bucket (the sweeper's read), oldest first. */
  async expiringIn(bucket: number): Promise<Registration[]> {
    const items = await queryAll<RegistrationItem>(this.doc, {
      TableName: this.tableName,
      IndexName: 'byExpiryBucket',
      KeyConditionExpression: '#bucket = :bucket',
      ExpressionAttributeNames: { '#bucket': 'expiryBucket' },
      ExpressionAttributeValues: { ':bucket': bucket },
    });
    return items.map(toRegistration);
  }

  /**
   * rtautoclear: marks a registration that reached its expiresAt as expired and its peer
   * UNREACHABLE, and takes it out of the expiry index so no sweep reads it again. The last
   * address stays readable (rtignoreregexpire, peer status) until TTL deletes the item.
   * Conditional on the expiry it was read with: a peer that re-registered meanwhile is kept.
   */
  async expire(name: string, expiresAt: number, at: number): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { name },
        UpdateExpression: 'SET #qualify = :unreachable, #expiredAt = :at REMOVE #bucket',
        ConditionExpression: '#expiresAt = :expiresAt AND attribute_exists(#bucket)',
        ExpressionAttributeNames: { '#qualify': 'qualify', '#expiredAt': 'expiredAt', '#bucket': 'expiryBucket', '#expiresAt': 'expiresAt' },
        ExpressionAttributeValues: { ':unreachable': { status: 'UNREACHABLE' }, ':at': at, ':expiresAt': expiresAt },
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function toRegistration(item: RegistrationItem): Registration {
  const { expiryBucket: _bucket, ttl: _ttl, sysname: _sysname, ...registration } = item;
  return registration;
}

/** DynamoDB refuses undefined attribute values; optional fields are simply left out. */
function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
