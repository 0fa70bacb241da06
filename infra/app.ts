/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy --all`. One stack per deployable unit:
 * data (tables and their key), edge (network, workers, UDP load balancer), control (Lambda
 * functions, HTTP API, schedule, stream). The account and region come from the CLI's
 * environment; everything else from context (`-c name=value` or cdk.json), never hard-coded
 * physical names:
 *   prefix           stack name prefix (default Strowger)
 *   operatorKeyHash  SHA-256 of the operator key (else the OperatorKeyHash stack parameter)
 *   alarmEmail       mailed on every alarm
 *   natGateways      1 (default) or 2
 *   workerCpu, workerMemoryMiB, workerArchitecture (arm64|x86_64), minWorkers, maxWorkers,
 *   callsPerWorker   the active-calls scaling target per task (default 500)
 *   logRetentionDays (default 30)
 *   maxKeysPerTenant     active API keys a tenant may hold (default 20)
 *   allowedPeerNetworks  internal CIDRs static peer hosts may be in, e.g. 10.20.0.0/16 (default none)
 */
import { App } from 'aws-cdk-lib';
import { buildStacks } from './build-stacks.ts';
import { contextSettings } from './context-settings.ts';

const app = new App();
const account = process.env.CDK_DEFAULT_ACCOUNT;
buildStacks(app, contextSettings((key) => app.node.tryGetContext(key) as unknown), account === undefined ? undefined : { account, region: process.env.CDK_DEFAULT_REGION });
app.synth();
