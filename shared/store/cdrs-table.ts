/**
 * CDRs by tenant, sorted by start time (sort key `<start ISO>#<callId>`), kept for a retention
 * period through TTL. A CDR is written once per call; finishing it is conditional on it still
 * being open, so a sweeper closing a dead worker's CDRs cannot overwrite a real hang-up.
 */
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Cdr, type CdrInput } from '../model/cdr.ts';
import { describeIssues } from '../model/peer.ts';
import type { Page } from './peers-table.ts';
import { ConflictError, isConditionFailure, ValidationError } from './store-errors.ts';

const DAY_S = 86_400;

export class CdrsTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = 90,
  ) {}

  private sortKey(cdr: { start: number; callId: string }): string {
    return `${new Date(cdr.start).toISOString()}#${cdr.callId}`;
  }

  async write(input: CdrInput): Promise<Cdr> {
    const parsed = Cdr.safeParse(input);
    if (!parsed.success) throw new ValidationError(describeIssues(parsed.error));
    const cdr = parsed.data;
    const ttl = Math.ceil(cdr.start / 1000) + this.retentionDays * DAY_S;
    try {
      await this.doc.send(new PutCommand({
        TableName: this.tableName,
        Item: { ...cdr, startCallId: this.sortKey(cdr), ttl },
        ConditionExpression: 'attribute_not_exists(#sk)',
        ExpressionAttributeNames: { '#sk': 'startCallId' },
      }));
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`CDR for call ${cdr.callId} exists`, { cause: error });
      throw error;
    }
    return cdr;
  }

  /** Ends an open CDR; false when it was already ended (by the worker or the sweeper). */
  async finish(tenant: string, start: number, callId: string, end: number, disposition: Cdr['disposition'], hangupCause?: number): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { tenant, startCallId: this.sortKey({ start, callId }) },
        UpdateExpression: 'SET #end = :end, #duration = :duration, #disposition = :disposition' + (hangupCause === undefined ? '' : ', #cause = :cause'),
        ConditionExpression: 'attribute_exists(#sk) AND attribute_not_exists(#end)',
        ExpressionAttributeNames: { '#end': 'end', '#duration': 'duration', '#disposition': 'disposition', '#sk': 'startCallId', ...(hangupCause === undefined ? {} : { '#cause': 'hangupCause' }) },
        ExpressionAttributeValues: { ':end': end, ':duration': Math.max(0, Math.round((end - start) / 1000)), ':disposition': disposition, ...(hangupCause === undefined ? {} : { ':cause': hangupCause }) },
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** A tenant's CDRs that started in [from, to), oldest first, a page at a time. */
  async list(tenant: string, from: number, to: number, options: { limit?: number; cursor?: string } = {}): Promise<Page<Cdr>> {
    const result = await this.doc.send(new QueryCommand({
      TableName: this.tableName,
      KeyConditionExpression: '#tenant = :tenant AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#tenant': 'tenant', '#sk': 'startCallId' },
      // '#' sorts below every callId character, so :to excludes calls starting exactly at `to`.
      ExpressionAttributeValues: { ':tenant': tenant, ':from': new Date(from).toISOString(), ':to': `${new Date(to).toISOString()}#` },
      Limit: options.limit ?? 100,
      ExclusiveStartKey: options.cursor === undefined ? undefined : (JSON.parse(Buffer.from(options.cursor, 'base64url').toString()) as Record<string, unknown>),
    }));
    const items = ((result.Items ?? []) as Array<Cdr & { startCallId?: string; ttl?: number }>).map(({ startCallId: _sk, ttl: _ttl, ...cdr }) => cdr);
    const page: Page<Cdr> = { items };
    if (result.LastEvaluatedKey !== undefined) page.cursor = Buffer.from(JSON.stringify(result.LastEvaluatedKey)).toString('base64url');
    return page;
  }
}
