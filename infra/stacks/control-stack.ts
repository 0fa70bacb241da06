/**
 * The control stack: the API, its authorizer, the expiry sweeper and the peers-stream
 * consumer as Lambda functions, the HTTP API in front, the web console (S3 and CloudFront),
 * the schedule, the stream wiring and the alarms. Each function gets exactly the table access in `ACCESS`. The API function runs
 * in the edge VPC because `GET .../calls` asks each worker's status port; the others need no
 * network but DynamoDB's and stay out of the VPC.
 */
import { CfnOutput, CfnParameter, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Port, SecurityGroup, SubnetType, type ISecurityGroup, type IVpc } from 'aws-cdk-lib/aws-ec2';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AlarmTopic } from '../constructs/alarm-topic.ts';
import { ConsoleSite } from '../constructs/console-site.ts';
import { ControlApi } from '../constructs/control-api.ts';
import { ExpirySchedule } from '../constructs/expiry-sweeper.ts';
import { PeerStreamSource } from '../constructs/peer-stream-source.ts';
import type { PlatformTables } from '../constructs/platform-tables.ts';
import { StrowgerFunction } from '../constructs/strowger-function.ts';
import { ACCESS, grantTables } from '../constructs/table-access.ts';

export interface ControlStackProps extends StackProps {
  data: PlatformTables;
  /** Where the workers run: the API function reaches their status port from inside. */
  workers: { vpc: IVpc; securityGroup: ISecurityGroup; statusPort: number };
  logRetention?: RetentionDays;
  /** SHA-256 of the operator key (`npx strowger key operator`); else a stack parameter asks for it. */
  operatorKeyHash?: string;
  throttle?: { rateLimit: number; burstLimit: number };
  alarmEmail?: string;
  /** Operator limits for the API function (STROWGER_MAX_KEYS_PER_TENANT, STROWGER_ALLOWED_PEER_NETWORKS). */
  policyEnvironment?: Record<string, string>;
}

export class ControlStack extends Stack {
  readonly functions: Record<keyof typeof ACCESS & ('api' | 'authorizer' | 'sweeper' | 'peerStream'), StrowgerFunction>;
  readonly api: ControlApi;
  readonly console: ConsoleSite;

  constructor(scope: Construct, id: string, props: ControlStackProps) {
    super(scope, id, props);
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const tables = props.data.environment();
    const operatorKeyHash = new CfnParameter(this, 'OperatorKeyHash', {
      type: 'String',
      description: 'SHA-256 (hex) of the operator API key: `npx strowger key operator` makes one',
      allowedPattern: '^[0-9a-f]{64}$',
      constraintDescription: 'must be 64 lowercase hex digits (the hash, never the key)',
      noEcho: true,
      ...(props.operatorKeyHash === undefined ? {} : { default: props.operatorKeyHash }),
    });

    const apiSecurityGroup = new SecurityGroup(this, 'ApiFunctionSecurityGroup', { vpc: props.workers.vpc, description: 'Strowger API function: DynamoDB and the worker status ports', allowAllOutbound: false });
    apiSecurityGroup.connections.allowTo(props.workers.securityGroup, Port.tcp(props.workers.statusPort), 'active calls from the worker status port');
    // DynamoDB through the VPC's gateway endpoint: HTTPS to its prefix list.
    apiSecurityGroup.connections.allowToAnyIpv4(Port.tcp(443), 'HTTPS to DynamoDB (gateway endpoint)');

    const api = new StrowgerFunction(this, 'ApiFunction', {
      entry: 'api', description: 'Strowger control API', environment: { ...tables, ...props.policyEnvironment }, logRetention, timeout: Duration.seconds(15),
      vpc: { vpc: props.workers.vpc, subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS }, securityGroups: [apiSecurityGroup] },
    });
    const authorizer = new StrowgerFunction(this, 'AuthorizerFunction', {
      entry: 'authorizer', description: 'Strowger API-key authorizer', logRetention, memorySize: 256, timeout: Duration.seconds(5),
      environment: { ...tables, STROWGER_OPERATOR_KEY_HASH: operatorKeyHash.valueAsString },
    });
    const sweeper = new StrowgerFunction(this, 'SweeperFunction', {
      entry: 'sweeper', description: 'Strowger registration-expiry sweeper', environment: tables, logRetention, timeout: Duration.seconds(55), reservedConcurrentExecutions: 1,
    });
    const peerStream = new StrowgerFunction(this, 'PeerStreamFunction', {
      entry: 'peerStream', description: 'Strowger peers-table stream consumer', environment: tables, logRetention, timeout: Duration.seconds(30),
    });
    this.functions = { api, authorizer, sweeper, peerStream };
    for (const [name, fn] of Object.entries(this.functions) as Array<[keyof typeof this.functions, StrowgerFunction]>) grantTables(fn.fn, props.data.tables, ACCESS[name]);

    // The web console first (its origin goes into the API's CORS), then its config (the API's URL).
    this.console = new ConsoleSite(this, 'Console');
    this.api = new ControlApi(this, 'Api', { api: api.fn, authorizer: authorizer.fn, throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 }, corsOrigins: [this.console.origin] });
    this.console.deploy(this.api.httpApi.apiEndpoint);
    new CfnOutput(this, 'ApiUrl', { value: this.api.httpApi.apiEndpoint, description: 'The control API: STROWGER_API for the strowger CLI' });
    new CfnOutput(this, 'ConsoleUrl', { value: this.console.origin, description: 'The web console: sign in with an API key' });
    const schedule = new ExpirySchedule(this, 'Expiry', { sweeper: sweeper.fn });
    const stream = new PeerStreamSource(this, 'PeerChanges', { table: props.data.tables.peers, consumer: peerStream.fn });
    const alarms = new AlarmTopic(this, 'Alarms', props.alarmEmail === undefined ? {} : { email: props.alarmEmail });
    alarms.watch(...this.api.alarms, schedule.alarm, stream.alarm);
  }
}
