/**
 * Asterisk's astdb, as far as IAX2 needs it: `dbsecret=family/key` looks a secret up here.
 * Items are tenant-owned: a tenant can read and write only its own families.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AstdbEntry } from '../model/astdb.ts';
import { describeIssues } from '../model/peer.ts';
import { isConditionFailure, NotFoundError, ValidationError } from './store-errors.ts';

export class AstdbTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The value, or undefined; with `tenant`, only that tenant's entry. */
  async get(family: string, key: string, tenant?: string): Promise<string | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { family, key } }));
    const entry = Item as AstdbEntry | undefined;
    if (entry === undefined || (tenant !== undefined && entry.tenant !== tenant)) return undefined;
    return entry.value;
  }

  /** Writes the entry; another tenant's entry at the same family/key is never overwritten. */
  async put(input: AstdbEntry): Promise<void> {
    const parsed = AstdbEntry.safeParse(input);
    if (!parsed.success) throw new ValidationError(describeIssues(parsed.error));
    const entry = parsed.data;
    try {
      await this.doc.send(new PutCommand({
        TableName: this.tableName,
        Item: entry,
        ConditionExpression: 'attribute_not_exists(#family) OR #tenant = :tenant',
        ExpressionAttributeNames: { '#family': 'family', '#tenant': 'tenant' },
        ExpressionAttributeValues: { ':tenant': entry.tenant },
      }));
    } catch (error) {
      if (isConditionFailure(error)) throw new NotFoundError(`astdb ${entry.family}/${entry.key}`, { cause: error });
      throw error;
    }
  }

  async delete(family: string, key: string, tenant: string): Promise<void> {
    try {
      await this.doc.send(new DeleteCommand({
        TableName: this.tableName,
        Key: { family, key },
        ConditionExpression: '#tenant = :tenant',
        ExpressionAttributeNames: { '#tenant': 'tenant' },
        ExpressionAttributeValues: { ':tenant': tenant },
      }));
    } catch (error) {
      if (isConditionFailure(error)) throw new NotFoundError(`astdb ${family}/${key}`, { cause: error });
      throw error;
    }
  }
}
