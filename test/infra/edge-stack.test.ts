// The edge stack as CloudFormation sees it: an internet-facing NLB with a UDP 4569 listener to
// IP targets health-checked over HTTP on the side port, the Fargate service from the worker's
// image asset with its ports, draining and scaling (CPU and the active-calls metric the
// worker itself publishes), security groups, least-privilege task role, alarms, outputs.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { DataStack } from '../../infra/stacks/data-stack.ts';
import { EdgeStack } from '../../infra/stacks/edge-stack.ts';
import { statementsOfRole, tableAccessOf, wildcardStatements, allActions } from '../helpers/iam-access.ts';
import { synthPlatform, TEST_ALLOWED_PEER_NETWORKS } from '../helpers/platform-synth.ts';
import { contextSettings } from '../../infra/context-settings.ts';

type Resource = { Type: string; Properties: any };

describe('edge stack', () => {
  const platform = synthPlatform();
  const template = platform.templates.edge;
  const one = (type: string): [string, Resource] => {
    const found = Object.entries(template.findResources(type) as Record<string, Resource>);
    assert.equal(found.length, 1, `one ${type}`);
    return found[0]!;
  };
  const [, taskDef] = one('AWS::ECS::TaskDefinition');
  const container = taskDef.Properties.ContainerDefinitions[0];
  const env = Object.fromEntries((container.Environment as Array<{ Name: string; Value: unknown }>).map((e) => [e.Name, e.Value]));

  it('an internet-facing NLB: UDP 4569 to IP targets, health-checked over HTTP on 8081, draining then ending flows', () => {
    const [nlbId, nlb] = one('AWS::ElasticLoadBalancingV2::LoadBalancer');
    assert.deepEqual([nlb.Properties.Type, nlb.Properties.Scheme], ['network', 'internet-facing']);
    const [tgId, tg] = one('AWS::ElasticLoadBalancingV2::TargetGroup');
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { LoadBalancerArn: { Ref: nlbId }, Port: 4569, Protocol: 'UDP', DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: tgId } }] });
    assert.deepEqual([tg.Properties.Protocol, tg.Properties.Port, tg.Properties.TargetType], ['UDP', 4569, 'ip']);
    assert.deepEqual([tg.Properties.HealthCheckProtocol, tg.Properties.HealthCheckPort, tg.Properties.HealthCheckPath], ['HTTP', '8081', '/healthz']);
    const attributes = Object.fromEntries((tg.Properties.TargetGroupAttributes as Array<{ Key: string; Value: string }>).map((a) => [a.Key, a.Value]));
    assert.deepEqual(attributes, { 'deregistration_delay.timeout_seconds': '120', 'deregistration_delay.connection_termination.enabled': 'true' });
    template.hasOutput('Iax2Endpoint', { Value: { 'Fn::GetAtt': [nlbId, 'DNSName'] } });
  });

  it('the Fargate service runs the worker image asset: UDP 4569 and TCP 8081, registered as IP targets on 4569', () => {
    const image = JSON.stringify(container.Image);
    const tag = /container-assets-.*:([0-9a-f]{64})"/.exec(image)?.[1];
    assert.ok(tag !== undefined, `an image asset: ${image}`);
    const context = platform.assetDir(platform.stacks.edge.stackName, tag);
    assert.ok(existsSync(join(context, 'services/worker/Dockerfile')), 'the build context holds the Dockerfile');
    assert.deepEqual(container.PortMappings.map((p: any) => [p.ContainerPort, p.Protocol]), [[4569, 'udp'], [8081, 'tcp'], [4570, 'udp']]);
    assert.deepEqual(taskDef.Properties.RuntimePlatform, { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
    assert.deepEqual(container.HealthCheck.Command, ['CMD', 'node', '/app/healthcheck.mjs']);
    assert.equal(container.StopTimeout, 120, 'Fargate\'s longest wait between SIGTERM and SIGKILL');
    assert.equal(env.STROWGER_DRAIN_SECONDS, '110', 'the worker finishes inside stopTimeout');
    assert.equal(container.ReadonlyRootFilesystem, true);
    const [, service] = one('AWS::ECS::Service');
    assert.deepEqual(service.Properties.LoadBalancers.map((l: any) => [l.ContainerName, l.ContainerPort]), [['worker', 4569]]);
    assert.equal(service.Properties.LaunchType, 'FARGATE');
    assert.equal(service.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp, 'DISABLED');
    assert.deepEqual(service.Properties.DeploymentConfiguration.DeploymentCircuitBreaker, { Enable: true, Rollback: true });
  });

  it('scales on CPU and on the ActiveCalls metric under the very Service dimension the worker is told to publish', () => {
    const policies = Object.values(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy') as Record<string, Resource>).map((p) => p.Properties.TargetTrackingScalingPolicyConfiguration);
    assert.equal(policies.length, 2);
    assert.ok(policies.some((p) => p.PredefinedMetricSpecification?.PredefinedMetricType === 'ECSServiceAverageCPUUtilization' && p.TargetValue === 60));
    const calls = policies.find((p) => p.CustomizedMetricSpecification !== undefined)?.CustomizedMetricSpecification;
    assert.deepEqual([calls?.Namespace, calls?.MetricName, calls?.Statistic], [env.STROWGER_METRICS_NAMESPACE, 'ActiveCalls', 'Average']);
    assert.deepEqual(calls?.Dimensions, [{ Name: 'Service', Value: env.STROWGER_METRICS_SERVICE }]);
    assert.equal(env.STROWGER_METRICS, 'emf');
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 10, ScalableDimension: 'ecs:service:DesiredCount' });
  });

  it('security groups: 4569/udp open to the world on the NLB and the workers; 8081 only from the NLB and the API function', () => {
    const groups = template.findResources('AWS::EC2::SecurityGroup') as Record<string, Resource>;
    const workerSg = Object.entries(groups).find(([, g]) => g.Properties.GroupDescription === 'Strowger workers')![0];
    const nlbSg = Object.entries(groups).find(([, g]) => g.Properties.GroupDescription.startsWith('Strowger NLB'))![0];
    const inline = (id: string): any[] => groups[id]?.Properties.SecurityGroupIngress ?? [];
    const separate = (id: string): any[] => Object.values(template.findResources('AWS::EC2::SecurityGroupIngress') as Record<string, Resource>).map((r) => r.Properties).filter((p) => JSON.stringify(p.GroupId).includes(id));
    const controlIngress = Object.values(platform.templates.control.findResources('AWS::EC2::SecurityGroupIngress') as Record<string, Resource>).map((r) => r.Properties);
    const workerRules = [...inline(workerSg), ...separate(workerSg), ...controlIngress];
    const open = workerRules.filter((r) => r.CidrIp === '0.0.0.0/0');
    assert.deepEqual(open.map((r) => [r.IpProtocol, r.FromPort, r.ToPort]), [['udp', 4569, 4569]]);
    const side = workerRules.filter((r) => r.FromPort === 8081);
    assert.equal(side.length, 2);
    assert.ok(side.every((r) => r.CidrIp === undefined && r.SourceSecurityGroupId !== undefined), 'side port: security groups only, never an address range');
    assert.ok(side.some((r) => JSON.stringify(r.SourceSecurityGroupId).includes(nlbSg)));
    assert.deepEqual(inline(nlbSg).map((r) => [r.IpProtocol, r.FromPort, r.CidrIp]), [['udp', 4569, '0.0.0.0/0']]);
  });

  it('the worker mesh: 4570/udp from the workers\' own security group only; the secret generated in Secrets Manager and injected by ECS, readable by the execution role alone', () => {
    const groups = template.findResources('AWS::EC2::SecurityGroup') as Record<string, Resource>;
    const workerSg = Object.entries(groups).find(([, g]) => g.Properties.GroupDescription === 'Strowger workers')![0];
    const ingress = [
      ...(groups[workerSg]?.Properties.SecurityGroupIngress ?? []),
      ...Object.values(template.findResources('AWS::EC2::SecurityGroupIngress') as Record<string, Resource>).map((r) => r.Properties),
    ];
    const mesh = ingress.filter((r) => r.FromPort === 4570 || r.ToPort === 4570);
    assert.equal(mesh.length, 1, JSON.stringify(mesh));
    assert.deepEqual([mesh[0].IpProtocol, mesh[0].FromPort, mesh[0].ToPort, mesh[0].CidrIp], ['udp', 4570, 4570, undefined]);
    assert.deepEqual(mesh[0].SourceSecurityGroupId, { 'Fn::GetAtt': [workerSg, 'GroupId'] }, 'from the workers themselves');
    assert.deepEqual(mesh[0].GroupId, { 'Fn::GetAtt': [workerSg, 'GroupId'] });

    const [secretId, secret] = one('AWS::SecretsManager::Secret');
    assert.equal(secret.Properties.GenerateSecretString.PasswordLength, 48);
    assert.equal(secret.Properties.SecretString, undefined, 'generated by the service, never in the template');
    assert.deepEqual(container.Secrets, [{ Name: 'STROWGER_MESH_SECRET', ValueFrom: { Ref: secretId } }]);
    assert.equal(env.STROWGER_MESH_SECRET, undefined, 'not in the environment');
    assert.equal(env.STROWGER_MESH_PORT, '4570');
    const executionRoleId = taskDef.Properties.ExecutionRoleArn['Fn::GetAtt'][0] as string;
    const taskRoleId = taskDef.Properties.TaskRoleArn['Fn::GetAtt'][0] as string;
    const readers = (roleId: string) => statementsOfRole(template, roleId).filter((st) => JSON.stringify(st.Resource ?? '').includes(secretId));
    assert.ok(readers(executionRoleId).some((st) => JSON.stringify(st.Action).includes('secretsmanager:GetSecretValue')), 'ECS reads it to inject it');
    assert.deepEqual(readers(taskRoleId), [], 'the running worker\'s own role cannot read it back');
  });

  it('the task role: the worker\'s tables only, task protection on this cluster\'s tasks only', () => {
    const taskRoleId = taskDef.Properties.TaskRoleArn['Fn::GetAtt'][0] as string;
    const statements = statementsOfRole(template, taskRoleId);
    assert.deepEqual(tableAccessOf(statements), { peers: 'read', routes: 'read', astdb: 'read', tenants: 'read', registrations: 'readWrite', cdrs: 'write', workers: 'write' });
    const protection = statements.find((s) => JSON.stringify(s.Action).includes('ecs:UpdateTaskProtection'));
    assert.deepEqual(protection?.Action, ['ecs:UpdateTaskProtection', 'ecs:GetTaskProtection']);
    assert.match(JSON.stringify(protection?.Resource), /:task\/",\{"Ref":"WorkersCluster[0-9A-F]+"\},"\/\*"/);
    assert.ok(!allActions(template).some((a) => a === '*' || a.endsWith(':*')));
    assert.deepEqual(wildcardStatements(template), [['ecr:GetAuthorizationToken']], 'only ECR login, which IAM cannot scope');
  });

  it('two AZs, workers in private subnets, DynamoDB through a gateway endpoint; unhealthy-target alarm to the topic', () => {
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet') as Record<string, Resource>);
    assert.equal(subnets.length, 4);
    assert.equal(new Set(subnets.map((s) => JSON.stringify(s.Properties.AvailabilityZone))).size, 2);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.dynamodb'])]) }) });
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'UnHealthyHostCount', Namespace: 'AWS/NetworkELB', AlarmActions: [{ Ref: topicId }] });
  });

  it('the workers are told the networks static hosts may be in (context allowedPeerNetworks), and nothing of the API\'s key limit', () => {
    assert.equal(env.STROWGER_ALLOWED_PEER_NETWORKS, TEST_ALLOWED_PEER_NETWORKS);
    assert.equal(env.STROWGER_MAX_KEYS_PER_TENANT, undefined);
    const given = (context: Record<string, unknown>) => () => contextSettings((key) => context[key]);
    assert.throws(given({ allowedPeerNetworks: '10.0.0.0/33' }), /context allowedPeerNetworks="10.0.0.0\/33": .*"10.0.0.0\/33" is not an address or address\/bits/);
    assert.throws(given({ maxKeysPerTenant: 0 }), /context maxKeysPerTenant=0: expected a whole number from 1 to 1000/);
    assert.deepEqual(given({})().policy, {}, 'nothing given: each process keeps its own defaults');
  });

  it('a store outage pages: StoreDegraded (the gauge the worker publishes) at 1 in two minutes of three, to the topic', () => {
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'StoreDegraded', Namespace: 'Strowger', Statistic: 'Maximum', Threshold: 1, EvaluationPeriods: 3, DatapointsToAlarm: 2,
      Dimensions: [{ Name: 'Service', Value: env.STROWGER_METRICS_SERVICE }],
      AlarmActions: [{ Ref: topicId }], OKActions: [{ Ref: topicId }],
    });
  });

  it('more minimum workers than maximum stops synth, naming both settings', () => {
    const app = new App();
    const data = new DataStack(app, 'CheckData');
    assert.throws(() => new EdgeStack(app, 'CheckEdge', { data: data.data, workers: { minTasks: 3, maxTasks: 2 } }), /minimum 3 is more than maximum 2 \(context minWorkers, maxWorkers\)/);
  });

  it('data is retained when stacks go: tables and their key', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key']) {
      const resources = Object.values(platform.templates.data.findResources(type) as Record<string, Resource & { DeletionPolicy: string; UpdateReplacePolicy: string }>);
      assert.ok(resources.length > 0);
      for (const r of resources) assert.deepEqual([r.DeletionPolicy, r.UpdateReplacePolicy], ['Retain', 'Retain']);
    }
  });
});
