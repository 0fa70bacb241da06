/**
 * Asterisk's astdb, as far as IAX2 needs it: `dbsecret=family/key` looks a secret up here.
 * Every tenant has its own astdb (the partition is `<tenant>/<family>`), so two tenants may
 * use the same family and key, and a peer's dbsecret only ever reads its own tenant's value.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AstdbEntry } from '../model/astdb.ts';
import { describeIssues } from '../model/peer.ts';
import { queryAll } from './query-pages.ts';
import { isConditionFailure, NotFoundError, ValidationError } from './store-errors.ts';

type AstdbItem = { tenantFamily: string; key: string; value: string };

const partition = (tenant: string, family: string): string => `${tenant}/${family}`;

export class AstdbTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The tenant's value at family/key, or undefined. */
  async get(tenant: string, family: string, key: string): Promise<string | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { tenantFamily: partition(tenant, family), key } }));
    return (Item as AstdbItem | undefined)?.value;
  }

  async put(input: AstdbEntry): Promise<void> {
    const parsed = AstdbEntry.safeParse(input);
    if (!parsed.success) throw new ValidationError(describeIssues(parsed.error));
    const { tenant, family, key, value } = parsed.data;
    const item: AstdbItem = { tenantFamily: partition(tenant, family), key, value };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async delete(tenant: string, family: string, key: string): Promise<void> {
    try {
      await this.doc.send(new DeleteCommand({
        TableName: this.tableName,
        Key: { tenantFamily: partition(tenant, family), key },
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'tenantFamily' },
      }));
    } catch (error) {
      if (isConditionFailure(error)) throw new NotFoundError(`astdb ${family}/${key}`, { cause: error });
      throw error;
    }
  }

  /** The keys (never the values) of one of the tenant's families. */
  async keys(tenant: string, family: string): Promise<string[]> {
    const items = await queryAll<{ key: string }>(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk',
      ProjectionExpression: '#key',
      ExpressionAttributeNames: { '#pk': 'tenantFamily', '#key': 'key' },
      ExpressionAttributeValues: { ':pk': partition(tenant, family) },
    });
    return items.map((item) => item.key);
  }
}
