// The data stack as CloudFormation sees it (cdk synth, offline): every table from the data
// layer's own definitions, with its keys, GSIs, TTL and stream, encrypted with the stack's KMS
// key, point-in-time recovery on, kept when the stack is deleted, no hard-coded names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DataStack } from '../../infra/stacks/data-stack.ts';
import { TABLES } from '../../shared/store/table-definitions.ts';

describe('data stack', () => {
  const template = Template.fromStack(new DataStack(new App(), 'TestData'));
  const tables = Object.values(template.findResources('AWS::DynamoDB::Table'));

  it('one table per data-layer table, keys and indexes exactly as the store defines them', () => {
    assert.equal(tables.length, Object.keys(TABLES).length);
    for (const definition of Object.values(TABLES)) {
      const keySchema = [{ AttributeName: definition.partitionKey.name, KeyType: 'HASH' }, ...(definition.sortKey === undefined ? [] : [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' }])];
      const matching = tables.filter((t) => JSON.stringify(t.Properties.KeySchema) === JSON.stringify(keySchema) && (t.Properties.GlobalSecondaryIndexes ?? []).length === definition.indexes.length);
      assert.ok(matching.length >= 1, `a table keyed like ${definition.key}`);
      const table = matching.find((t) => definition.indexes.every((index) => (t.Properties.GlobalSecondaryIndexes ?? []).some((g: any) => g.IndexName === index.name)));
      assert.ok(table !== undefined, `${definition.key} with its indexes`);
      for (const index of definition.indexes) {
        const gsi: any = table.Properties.GlobalSecondaryIndexes.find((g: any) => g.IndexName === index.name);
        assert.deepEqual(gsi.KeySchema, [{ AttributeName: index.partitionKey.name, KeyType: 'HASH' }, ...(index.sortKey === undefined ? [] : [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }])]);
        assert.deepEqual(gsi.Projection, { ProjectionType: index.projection === 'keys' ? 'KEYS_ONLY' : 'ALL' }, `${index.name}: ${index.projection ?? 'all'}`);
      }
      if (definition.ttlAttribute === undefined) assert.equal(table.Properties.TimeToLiveSpecification, undefined);
      else assert.deepEqual(table.Properties.TimeToLiveSpecification, { AttributeName: definition.ttlAttribute, Enabled: true });
      assert.equal(table.Properties.StreamSpecification?.StreamViewType, definition.stream ? 'NEW_AND_OLD_IMAGES' : undefined, `${definition.key} stream`);
    }
  });

  it('every table: on demand, PITR, the customer managed key, retained, deletion-protected, no physical name', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const table of tables) {
      assert.equal(table.Properties.BillingMode, 'PAY_PER_REQUEST');
      assert.deepEqual(table.Properties.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
      assert.equal(table.Properties.SSESpecification.SSEEnabled, true);
      assert.equal(table.Properties.SSESpecification.SSEType, 'KMS');
      assert.ok(table.Properties.SSESpecification.KMSMasterKeyId['Fn::GetAtt'] !== undefined, 'the stack\'s own key');
      assert.equal(table.Properties.DeletionProtectionEnabled, true);
      assert.equal(table.DeletionPolicy, 'Retain');
      assert.equal(table.Properties.TableName, undefined);
    }
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    template.resourceCountIs('AWS::DynamoDB::Table', 7);
    template.hasResourceProperties('AWS::DynamoDB::Table', Match.objectLike({ StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } }));
  });
});
