/**
 * Every DynamoDB table of the platform, built from the data layer's own definitions
 * (shared/store/table-definitions.ts): the same keys, GSIs and TTL attributes the store and the
 * local engines use, so the deployed tables cannot drift from the code. On-demand billing,
 * point-in-time recovery, a customer managed KMS key, streams where a consumer reads them,
 * and RETAIN by default: deleting the stack never deletes tenants' data.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLES, type KeyAttribute, type TableKey } from '../../shared/store/table-definitions.ts';

const attribute = (key: KeyAttribute): Attribute => ({ name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER });

export interface PlatformTablesProps {
  /** RETAIN (the default) keeps tables and the key when the stack goes; DESTROY is for test stacks. */
  removalPolicy?: RemovalPolicy;
}

export class PlatformTables extends Construct {
  readonly key: Key;
  readonly tables: Readonly<Record<TableKey, Table>>;

  constructor(scope: Construct, id: string, props: PlatformTablesProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.key = new Key(this, 'TablesKey', { description: 'Strowger tables', enableKeyRotation: true, removalPolicy });
    const tables = {} as Record<TableKey, Table>;
    for (const definition of Object.values(TABLES)) {
      // Table, not TableV2: TableV2 with a customer managed key needs a region-bound stack.
      const table = new Table(this, `${definition.key[0]!.toUpperCase()}${definition.key.slice(1)}Table`, {
        partitionKey: attribute(definition.partitionKey),
        ...(definition.sortKey === undefined ? {} : { sortKey: attribute(definition.sortKey) }),
        ...(definition.ttlAttribute === undefined ? {} : { timeToLiveAttribute: definition.ttlAttribute }),
        ...(definition.stream ? { stream: StreamViewType.NEW_AND_OLD_IMAGES } : {}),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: this.key,
        deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
        removalPolicy,
      });
      for (const index of definition.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: attribute(index.partitionKey),
          ...(index.sortKey === undefined ? {} : { sortKey: attribute(index.sortKey) }),
          ...(index.projection === 'keys' ? { projectionType: ProjectionType.KEYS_ONLY } : {}),
        });
      }
      tables[definition.key] = table;
    }
    this.tables = tables;
  }

  /** STROWGER_TABLE_* for a function or container: the names the store reads at start. */
  environment(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, table] of Object.entries(this.tables)) env[`STROWGER_TABLE_${key.toUpperCase()}`] = table.tableName;
    return env;
  }
}
