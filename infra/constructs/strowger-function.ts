/**
 * One control-plane Lambda: a NodejsFunction bundled by the local esbuild (a devDependency,
 * so synth needs no Docker), Node 22 on ARM64, ES module output with our pinned AWS SDK
 * inside, source maps on, its own log group with a retention, and the table names in its
 * environment. Grants are not made here: each stack gives each function only what it uses.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IVpc, ISecurityGroup, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { LAMBDA_ENTRIES, NODE_TARGET, REPO_ROOT, REQUIRE_BANNER, type LambdaName } from '../bundling/entries.ts';

export interface StrowgerFunctionProps {
  entry: LambdaName;
  description: string;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  timeout?: Duration;
  memorySize?: number;
  reservedConcurrentExecutions?: number;
  vpc?: { vpc: IVpc; subnets: SubnetSelection; securityGroups: ISecurityGroup[] };
}

export class StrowgerFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: StrowgerFunctionProps) {
    super(scope, id);
    // Logs are operational, not tenant data: they go with the stack.
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, LAMBDA_ENTRIES[props.entry]),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup: this.logGroup,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      ...(props.reservedConcurrentExecutions === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      ...(props.vpc === undefined ? {} : { vpc: props.vpc.vpc, vpcSubnets: props.vpc.subnets, securityGroups: props.vpc.securityGroups }),
      bundling: {
        format: OutputFormat.ESM,
        target: NODE_TARGET,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        banner: REQUIRE_BANNER,
        // Bundle our pinned SDK rather than trust the runtime's copy.
        bundleAwsSDK: true,
        externalModules: [],
        forceDockerBundling: false,
        logLevel: LogLevel.ERROR,
      },
    });
  }
}
