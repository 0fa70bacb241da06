/**
 * The edge stack: the network (two AZs, private subnets for the workers, NAT for what is not
 * DynamoDB, a gateway endpoint for what is), the workers' Fargate service and the UDP load
 * balancer in front of it, with their alarms.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { GatewayVpcEndpointAwsService, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AlarmTopic } from '../constructs/alarm-topic.ts';
import type { PlatformTables } from '../constructs/platform-tables.ts';
import { UdpLoadBalancer } from '../constructs/udp-load-balancer.ts';
import { WorkerService, type WorkerServiceProps } from '../constructs/worker-service.ts';
import { DEREGISTRATION_DELAY_S } from '../../shared/drain-timings.ts';

export const IAX_PORT = 4569;
export const STATUS_PORT = 8081;
/** The worker mesh, between the workers' private addresses only. */
export const MESH_PORT = 4570;

export interface EdgeStackProps extends StackProps {
  data: PlatformTables;
  /** NAT gateways (1 is cheapest; 2 survives an AZ loss). */
  natGateways?: number;
  workers?: Partial<Pick<WorkerServiceProps, 'cpu' | 'memoryMiB' | 'architecture' | 'minTasks' | 'maxTasks' | 'callsPerTask' | 'cpuTargetPercent' | 'logLevel'>>;
  logRetention?: RetentionDays;
  alarmEmail?: string;
  /** Operator limits the workers read (STROWGER_ALLOWED_PEER_NETWORKS). */
  policyEnvironment?: Record<string, string>;
}

export class EdgeStack extends Stack {
  readonly vpc: Vpc;
  readonly workers: WorkerService;
  readonly loadBalancer: UdpLoadBalancer;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: props.natGateways ?? 1,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'workers', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      gatewayEndpoints: { DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB } },
    });
    this.workers = new WorkerService(this, 'Workers', {
      vpc: this.vpc,
      tables: props.data.tables,
      tableEnvironment: props.data.environment(),
      extraEnvironment: props.policyEnvironment ?? {},
      iaxPort: IAX_PORT,
      statusPort: STATUS_PORT,
      meshPort: MESH_PORT,
      cpu: 1024,
      memoryMiB: 2048,
      architecture: 'arm64',
      minTasks: 2,
      maxTasks: 10,
      callsPerTask: 500,
      cpuTargetPercent: 60,
      logLevel: 'info',
      logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
      ...props.workers,
    });
    this.loadBalancer = new UdpLoadBalancer(this, 'Iax2', {
      vpc: this.vpc,
      workers: this.workers.securityGroup,
      iaxPort: IAX_PORT,
      statusPort: STATUS_PORT,
      drainSeconds: DEREGISTRATION_DELAY_S,
    });
    this.workers.attachTo(this.loadBalancer.targetGroup);
    new CfnOutput(this, 'Iax2Endpoint', { value: this.loadBalancer.nlb.loadBalancerDnsName, description: 'Point tenants\' register => and host= here (UDP 4569)' });
    new AlarmTopic(this, 'Alarms', props.alarmEmail === undefined ? {} : { email: props.alarmEmail }).watch(this.loadBalancer.alarm, this.workers.storeAlarm);
  }
}
