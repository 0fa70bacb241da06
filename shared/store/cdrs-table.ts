/**
 * CDRs by tenant, sorted by start time (sort key `<start ISO>#<callId>`), kept for a retention
 * period through TTL. A CDR is written when a call starts and finished when it ends; finishing
 * is conditional on it still being open, so a sweeper closing a dead worker's CDRs cannot
 * overwrite a real hang-up. Open CDRs carry `openWorkerId`, the key of a sparse index that
 * holds only calls in progress.
 */
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Cdr, type CdrInput } from '../model/cdr.ts';
import { describeIssues } from '../model/peer.ts';
import { queryAll, queryPage, scanAll, type Page } from './query-pages.ts';
import { ConflictError, isConditionFailure, ValidationError } from './store-errors.ts';

const DAY_S = 86_400;

type CdrItem = Cdr & { startCallId: string; ttl: number; openWorkerId?: string };

export interface CdrEnding {
  end: number;
  disposition: NonNullable<Cdr['disposition']>;
  /** When the call was answered, for billsec; the CDR's own `answer` if omitted. */
  answer?: number;
  hangupCause?: number;
  /** Each leg's receive statistics, from its last PONG. */
  rrCaller?: Cdr['rrCaller'];
  rrCallee?: Cdr['rrCallee'];
  rrMesh?: Cdr['rrMesh'];
  calleeWorkerId?: string;
}

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
    const item: CdrItem = { ...cdr, startCallId: this.sortKey(cdr), ttl: Math.ceil(cdr.start / 1000) + this.retentionDays * DAY_S };
    if (cdr.end === undefined) item.openWorkerId = cdr.workerId;
    try {
      await this.doc.send(new PutCommand({
        TableName: this.tableName,
        Item: item,
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
  async finish(tenant: string, start: number, callId: string, ending: CdrEnding): Promise<boolean> {
    const values: Record<string, unknown> = {
      ':end': ending.end,
      ':duration': seconds(ending.end - start),
      ':disposition': ending.disposition,
    };
    const sets = ['#end = :end', '#duration = :duration', '#disposition = :disposition'];
    const names: Record<string, string> = { '#end': 'end', '#duration': 'duration', '#disposition': 'disposition', '#sk': 'startCallId', '#open': 'openWorkerId' };
    if (ending.answer !== undefined) {
      sets.push('#answer = :answer', '#billsec = :billsec');
      names['#answer'] = 'answer';
      names['#billsec'] = 'billsec';
      values[':answer'] = ending.answer;
      values[':billsec'] = seconds(ending.end - ending.answer);
    }
    for (const field of ['rrCaller', 'rrCallee', 'rrMesh', 'calleeWorkerId'] as const) {
      const value = ending[field];
      if (value === undefined) continue;
      sets.push(`#${field} = :${field}`);
      names[`#${field}`] = field;
      values[`:${field}`] = value;
    }
    if (ending.hangupCause !== undefined) {
      sets.push('#cause = :cause');
      names['#cause'] = 'hangupCause';
      values[':cause'] = ending.hangupCause;
    }
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { tenant, startCallId: this.sortKey({ start, callId }) },
        UpdateExpression: `SET ${sets.join(', ')} REMOVE #open`,
        ConditionExpression: 'attribute_exists(#sk) AND attribute_not_exists(#end)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * The far leg of a call through the worker mesh, as the worker that carried it measured it:
   * added to the ingress worker's record (one CDR per call). False when there is no such
   * record (yet): the ingress writes an unanswered call's record only at its end.
   */
  async recordCalleeLeg(tenant: string, start: number, callId: string, rrCallee: NonNullable<Cdr['rrCallee']>, workerId: string): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { tenant, startCallId: this.sortKey({ start, callId }) },
        UpdateExpression: 'SET #rr = :rr, #worker = :worker',
        ConditionExpression: 'attribute_exists(#sk)',
        ExpressionAttributeNames: { '#rr': 'rrCallee', '#worker': 'calleeWorkerId', '#sk': 'startCallId' },
        ExpressionAttributeValues: { ':rr': rrCallee, ':worker': workerId },
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** A tenant's CDRs that started in [from, to), oldest first, a page at a time. */
  async list(tenant: string, from: number, to: number, options: { limit?: number; cursor?: string } = {}): Promise<Page<Cdr>> {
    const page = await queryPage<CdrItem>(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: '#tenant = :tenant AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#tenant': 'tenant', '#sk': 'startCallId' },
      // '#' sorts below every callId character, so :to excludes calls starting exactly at `to`.
      ExpressionAttributeValues: { ':tenant': tenant, ':from': new Date(from).toISOString(), ':to': `${new Date(to).toISOString()}#` },
    }, options, { tenant });
    return { ...page, items: page.items.map(toCdr) };
  }

  /** Every CDR still open, across tenants: a scan of the sparse index, so only calls in progress are read. */
  async listOpen(): Promise<Cdr[]> {
    return (await scanAll<CdrItem>(this.doc, { TableName: this.tableName, IndexName: 'openByWorker' })).map(toCdr);
  }

  /** The CDRs one worker has open: the sparse index's partition is the worker, so this reads nothing else. */
  async listOpenOf(workerId: string): Promise<Cdr[]> {
    return (await queryAll<CdrItem>(this.doc, {
      TableName: this.tableName,
      IndexName: 'openByWorker',
      KeyConditionExpression: '#open = :worker',
      ExpressionAttributeNames: { '#open': 'openWorkerId' },
      ExpressionAttributeValues: { ':worker': workerId },
    })).map(toCdr);
  }
}

function toCdr(item: CdrItem): Cdr {
  const { startCallId: _sk, ttl: _ttl, openWorkerId: _open, ...cdr } = item;
  return cdr;
}

const seconds = (ms: number): number => Math.max(0, Math.round(ms / 1000));
