// The control stack as CloudFormation sees it (synthesized offline, Lambdas bundled by the
// local esbuild): four functions on Node 22 / ARM64 with exactly the table access each one's
// code needs, the HTTP API with the API-key authorizer on every route but the OpenAPI
// document, the sweeper every minute, the peers stream consumer with bisect, retries and a
// dead-letter queue, and alarms that reach the alarm topic.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { TABLES } from '../../shared/store/table-definitions.ts';
import { allActions, statementsOfRole, tableAccessOf, wildcardStatements } from '../helpers/iam-access.ts';
import { synthPlatform, TEST_ALLOWED_PEER_NETWORKS } from '../helpers/platform-synth.ts';

type Resource = { Type: string; Properties: any; DeletionPolicy?: string };

describe('control stack', () => {
  const platform = synthPlatform();
  const template = platform.templates.control;
  const stackName = platform.stacks.control.stackName;
  const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
  const byDescription = (text: string): [string, Resource] => {
    const found = Object.entries(functions).find(([, f]) => f.Properties.Description === text);
    assert.ok(found !== undefined, `a function "${text}"`);
    return found;
  };
  const named = {
    api: byDescription('Strowger control API'),
    authorizer: byDescription('Strowger API-key authorizer'),
    sweeper: byDescription('Strowger registration-expiry sweeper'),
    peerStream: byDescription('Strowger peers-table stream consumer'),
  };

  it('every function is an esbuild bundle (index.mjs) on Node 22, ARM64, with its log group and every table name', () => {
    // The four of ours, and the console upload's (aws-s3-deployment's own handler, test/infra/console-site.test.ts).
    assert.equal(Object.keys(functions).length, 5);
    assert.equal(Object.values(functions).filter((f) => String(f.Properties.Description ?? '').startsWith('Strowger ')).length, 4);
    for (const [, fn] of Object.values(named)) {
      assert.equal(fn.Properties.Runtime, 'nodejs22.x');
      assert.deepEqual(fn.Properties.Architectures, ['arm64']);
      assert.equal(fn.Properties.Handler, 'index.handler');
      const bundle = platform.assetDir(stackName, fn.Properties.Code.S3Key);
      assert.ok(existsSync(join(bundle, 'index.mjs')), `bundled: ${bundle}`);
      const env = fn.Properties.Environment.Variables;
      for (const key of Object.keys(TABLES)) assert.ok(env[`STROWGER_TABLE_${key.toUpperCase()}`] !== undefined, `${fn.Properties.Description}: STROWGER_TABLE_${key.toUpperCase()}`);
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 } });
      assert.equal((template.findResources('AWS::Logs::LogGroup') as Record<string, Resource>)[logGroupId]?.Properties.RetentionInDays, 30);
    }
    assert.deepEqual(named.authorizer[1].Properties.Environment.Variables.STROWGER_OPERATOR_KEY_HASH, { Ref: 'OperatorKeyHash' });
    template.hasParameter('OperatorKeyHash', { NoEcho: true, AllowedPattern: '^[0-9a-f]{64}$' });
  });

  it('the operator policy from context reaches the API function only (the key limit, the networks static hosts may be in)', () => {
    const env = named.api[1].Properties.Environment.Variables;
    assert.deepEqual([env.STROWGER_MAX_KEYS_PER_TENANT, env.STROWGER_ALLOWED_PEER_NETWORKS], ['50', TEST_ALLOWED_PEER_NETWORKS]);
    for (const other of [named.authorizer, named.sweeper, named.peerStream]) {
      assert.equal(other[1].Properties.Environment.Variables.STROWGER_MAX_KEYS_PER_TENANT, undefined, other[1].Properties.Description);
    }
  });

  it('each function may touch only the tables its code uses, read-only where it only reads', () => {
    const access = Object.fromEntries(Object.entries(named).map(([name, [, fn]]) => [name, tableAccessOf(statementsOfRole(template, fn.Properties.Role['Fn::GetAtt'][0] as string))]));
    assert.deepEqual(access, {
      api: { tenants: 'readWrite', peers: 'readWrite', routes: 'readWrite', astdb: 'readWrite', registrations: 'read', cdrs: 'read', workers: 'read' },
      authorizer: { tenants: 'read' },
      sweeper: { registrations: 'readWrite', cdrs: 'readWrite', workers: 'read' },
      peerStream: { peers: 'read', peersStream: 'dynamodb:DescribeStream,dynamodb:GetRecords,dynamodb:GetShardIterator', registrations: 'readWrite', astdb: 'write' },
    });
  });

  it('nothing grants dynamodb:* or *, and no resource is "*" except ListStreams (IAM has no resource for it)', () => {
    assert.ok(!allActions(template).some((a) => a === '*' || a === 'dynamodb:*' || a.endsWith(':*')), 'no wildcard actions');
    assert.deepEqual(wildcardStatements(template), [['dynamodb:ListStreams']]);
  });

  it('the HTTP API: payload v2 to the API function, the authorizer on every route but the OpenAPI document', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0', IntegrationUri: { 'Fn::GetAtt': [named.api[0], 'Arn'] } });
    const authorizers = template.findResources('AWS::ApiGatewayV2::Authorizer') as Record<string, Resource>;
    const [authorizerId, authorizer] = Object.entries(authorizers)[0]!;
    assert.equal(Object.keys(authorizers).length, 1);
    assert.equal(authorizer.Properties.AuthorizerType, 'REQUEST');
    assert.equal(authorizer.Properties.EnableSimpleResponses, true);
    assert.equal(authorizer.Properties.AuthorizerResultTtlInSeconds, 0, 'no cache: a revoked key stops at once');
    assert.ok(JSON.stringify(authorizer.Properties.AuthorizerUri).includes(named.authorizer[0]));
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Resource>);
    assert.ok(routes.length >= 2);
    for (const route of routes) {
      if (route.Properties.RouteKey === 'GET /v1/openapi.json') assert.equal(route.Properties.AuthorizationType, 'NONE');
      else assert.deepEqual([route.Properties.RouteKey, route.Properties.AuthorizationType, route.Properties.AuthorizerId], [route.Properties.RouteKey, 'CUSTOM', { Ref: authorizerId }]);
    }
    assert.ok(routes.some((r) => r.Properties.RouteKey === 'ANY /{proxy+}'));
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default', AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 } });
    template.hasOutput('ApiUrl', {});
  });

  it('the sweeper runs every minute, one at a time', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)', State: 'ENABLED', Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [named.sweeper[0], 'Arn'] } })] });
    assert.equal(named.sweeper[1].Properties.ReservedConcurrentExecutions, 1);
  });

  it('the peers stream consumer: batch item failures, bisect, bounded retries, a dead-letter queue', () => {
    const queues = template.findResources('AWS::SQS::Queue') as Record<string, Resource>;
    const [queueId] = Object.keys(queues);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: named.peerStream[0] },
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('TablesPeersTable.*StreamArn') },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    assert.equal(queues[queueId!]?.Properties.SqsManagedSseEnabled, true);
  });

  it('alarms: authorizer errors, sweeper errors, 5xx and dead letters, each reaching the alarm topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>);
    const on = (fnId: string) => alarms.find((a) => a.Properties.MetricName === 'Errors' && JSON.stringify(a.Properties.Dimensions).includes(fnId));
    assert.ok(on(named.authorizer[0]) !== undefined, 'authorizer errors');
    assert.ok(on(named.sweeper[0]) !== undefined, 'sweeper errors');
    assert.ok(alarms.some((a) => a.Properties.MetricName === '5xx'));
    assert.ok(alarms.some((a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible'));
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    for (const alarm of alarms) assert.deepEqual(alarm.Properties.AlarmActions, [{ Ref: topicId }]);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'noc@example.net' });
  });

  it('the API function reaches the workers\' status port and nothing else but HTTPS', () => {
    const api = named.api[1];
    assert.ok(api.Properties.VpcConfig !== undefined, 'in the VPC');
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { IpProtocol: 'tcp', FromPort: 8081, ToPort: 8081, Description: Match.stringLikeRegexp('active calls') });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { SecurityGroupEgress: Match.arrayWith([Match.objectLike({ IpProtocol: 'tcp', FromPort: 443, CidrIp: '0.0.0.0/0' })]) });
  });
});
