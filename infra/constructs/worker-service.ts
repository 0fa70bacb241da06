/**
 * The IAX2 workers: a Fargate service from the worker's Dockerfile (built as a container image
 * asset at deploy time), in private subnets behind the UDP load balancer. Ports: 4569/udp for
 * IAX2, the status port (TCP) for health checks and the control plane. Draining: ECS sends
 * SIGTERM and waits `stopTimeout` (STOP_TIMEOUT_S, Fargate's most) before SIGKILL; the worker
 * stops taking calls and finishes within STROWGER_DRAIN_SECONDS (DRAIN_S). While it has calls it holds
 * task scale-in protection, so neither scale-in nor a deployment picks it. Scales on CPU and
 * on active calls per task (the EMF metric the worker logs once a minute). The worker mesh
 * (docs/architecture.md §6): each task listens on its private address, port `meshPort`/udp,
 * reachable from the other workers only (a rule of the workers' own security group), and
 * authenticates mesh calls with a secret this construct generates in Secrets Manager and ECS
 * injects into the container; it is never in the template or the environment.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Metric, type Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Port, SecurityGroup, SubnetType, type IVpc } from 'aws-cdk-lib/aws-ec2';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Cluster, ContainerImage, CpuArchitecture, FargateService, FargateTaskDefinition, LogDrivers, OperatingSystemFamily, Protocol, Secret as EcsSecret } from 'aws-cdk-lib/aws-ecs';
import type { NetworkTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { REPO_ROOT } from '../bundling/entries.ts';
import type { TableKey } from '../../shared/store/table-definitions.ts';
import { ACCESS, grantTables } from './table-access.ts';
import { countAlarm } from './alarm-topic.ts';
import { DRAIN_S, STOP_TIMEOUT_S } from '../../shared/drain-timings.ts';

export const WORKER_DOCKERFILE = 'services/worker/Dockerfile';
export const METRICS_NAMESPACE = 'Strowger';

export interface WorkerServiceProps {
  vpc: IVpc;
  tables: Readonly<Record<TableKey, Table>>;
  tableEnvironment: Record<string, string>;
  /** More settings for the container (the operator's policy: STROWGER_ALLOWED_PEER_NETWORKS). */
  extraEnvironment?: Record<string, string>;
  iaxPort: number;
  statusPort: number;
  /** The worker mesh's UDP port on each task's private address. */
  meshPort: number;
  cpu: number;
  memoryMiB: number;
  architecture: 'arm64' | 'x86_64';
  minTasks: number;
  maxTasks: number;
  /** Scale out when the average task carries more calls than this. */
  callsPerTask: number;
  cpuTargetPercent: number;
  logRetention: RetentionDays;
  logLevel: string;
}

export class WorkerService extends Construct {
  readonly cluster: Cluster;
  readonly service: FargateService;
  readonly securityGroup: SecurityGroup;
  readonly image: DockerImageAsset;
  /** The deployment's worker-mesh secret. */
  readonly meshSecret: Secret;
  /** The EMF Service dimension: the worker is told it, and the scaling policy reads it. */
  readonly metricsService: string;
  /** A worker has found the store out (timing out or unreachable) for two minutes of three. */
  readonly storeAlarm: Alarm;
  private readonly iaxPort: number;

  constructor(scope: Construct, id: string, props: WorkerServiceProps) {
    super(scope, id);
    if (props.minTasks > props.maxTasks) throw new Error(`workers: minimum ${props.minTasks} is more than maximum ${props.maxTasks} (context minWorkers, maxWorkers)`);
    const arm = props.architecture === 'arm64';
    this.iaxPort = props.iaxPort;
    this.metricsService = `${Stack.of(this).stackName}/workers`;
    this.cluster = new Cluster(this, 'Cluster', { vpc: props.vpc });
    this.image = new DockerImageAsset(this, 'Image', {
      directory: REPO_ROOT,
      file: WORKER_DOCKERFILE,
      platform: arm ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
    });
    const task = new FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: { cpuArchitecture: arm ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    const logs = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.meshSecret = new Secret(this, 'MeshSecret', {
      description: 'Strowger worker mesh: authenticates calls between workers',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    task.addContainer('worker', {
      image: ContainerImage.fromDockerImageAsset(this.image),
      essential: true,
      environment: {
        ...props.extraEnvironment,
        ...props.tableEnvironment,
        STROWGER_IAX_BIND: `0.0.0.0:${props.iaxPort}`,
        STROWGER_HEALTH_BIND: `0.0.0.0:${props.statusPort}`,
        STROWGER_MESH_PORT: String(props.meshPort),
        STROWGER_DRAIN_SECONDS: String(DRAIN_S),
        STROWGER_METRICS: 'emf',
        STROWGER_METRICS_NAMESPACE: METRICS_NAMESPACE,
        STROWGER_METRICS_SERVICE: this.metricsService,
        LOG_LEVEL: props.logLevel,
      },
      secrets: { STROWGER_MESH_SECRET: EcsSecret.fromSecretsManager(this.meshSecret) },
      portMappings: [
        { name: 'iax2', containerPort: props.iaxPort, protocol: Protocol.UDP },
        { name: 'status', containerPort: props.statusPort, protocol: Protocol.TCP },
        { name: 'mesh', containerPort: props.meshPort, protocol: Protocol.UDP },
      ],
      healthCheck: {
        command: ['CMD', 'node', '/app/healthcheck.mjs'],
        interval: Duration.seconds(10),
        timeout: Duration.seconds(3),
        startPeriod: Duration.seconds(10),
        retries: 3,
      },
      stopTimeout: Duration.seconds(STOP_TIMEOUT_S),
      readonlyRootFilesystem: true,
      logging: LogDrivers.awsLogs({ logGroup: logs, streamPrefix: 'worker' }),
    });
    grantTables(task.taskRole, props.tables, ACCESS.worker);
    // Scale-in protection through the agent endpoint acts as the task role, on this task only.
    task.taskRole.addToPrincipalPolicy(new PolicyStatement({
      actions: ['ecs:UpdateTaskProtection', 'ecs:GetTaskProtection'],
      resources: [Stack.of(this).formatArn({ service: 'ecs', resource: 'task', resourceName: `${this.cluster.clusterName}/*` })],
    }));

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', { vpc: props.vpc, description: 'Strowger workers', allowAllOutbound: true });
    this.securityGroup.addIngressRule(this.securityGroup, Port.udp(props.meshPort), 'worker mesh: from the other workers only');
    this.service = new FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: task,
      desiredCount: props.minTasks,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      healthCheckGracePeriod: Duration.seconds(30),
    });
    const scaling = this.service.autoScaleTaskCount({ minCapacity: props.minTasks, maxCapacity: props.maxTasks });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: props.cpuTargetPercent, scaleOutCooldown: Duration.seconds(60), scaleInCooldown: Duration.minutes(5) });
    scaling.scaleToTrackCustomMetric('ActiveCalls', {
      metric: new Metric({ namespace: METRICS_NAMESPACE, metricName: 'ActiveCalls', dimensionsMap: { Service: this.metricsService }, statistic: 'Average', period: Duration.minutes(1) }),
      targetValue: props.callsPerTask,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.minutes(5),
    });
    // Workers stay healthy through a store outage (serving from memory), so the load
    // balancer's alarm never sees one; this is the page for it.
    this.storeAlarm = countAlarm(this, 'StoreDegraded', {
      description: 'A worker cannot reach DynamoDB: calls are served from memory, registrations and CDRs are queued',
      metric: new Metric({ namespace: METRICS_NAMESPACE, metricName: 'StoreDegraded', dimensionsMap: { Service: this.metricsService }, statistic: 'Maximum', period: Duration.minutes(1) }),
      periods: 3,
      datapoints: 2,
    });
  }

  /** Registers the tasks with the load balancer's UDP target group (IP targets, port 4569). */
  attachTo(targetGroup: NetworkTargetGroup): void {
    targetGroup.addTarget(this.service.loadBalancerTarget({ containerName: 'worker', containerPort: this.iaxPort, protocol: Protocol.UDP }));
  }
}
