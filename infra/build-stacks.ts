/** The platform's stacks in one app, from checked settings: what app.ts synthesizes and the tests assert. */
import type { App, Environment } from 'aws-cdk-lib';
import type { AppSettings, PlatformPolicy } from './context-settings.ts';
import { ControlStack } from './stacks/control-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { EdgeStack, STATUS_PORT } from './stacks/edge-stack.ts';

export interface PlatformStacks {
  data: DataStack;
  edge: EdgeStack;
  control: ControlStack;
}

export function buildStacks(app: App, settings: AppSettings, env?: Environment): PlatformStacks {
  const common = env === undefined ? {} : { env };
  const alarmEmail = settings.alarmEmail === undefined ? {} : { alarmEmail: settings.alarmEmail };
  const data = new DataStack(app, `${settings.prefix}Data`, { ...common, description: 'Strowger: DynamoDB tables and their KMS key' });
  const edge = new EdgeStack(app, `${settings.prefix}Edge`, {
    ...common,
    ...alarmEmail,
    description: 'Strowger: VPC, IAX2 workers on Fargate, UDP load balancer',
    data: data.data,
    natGateways: settings.natGateways,
    workers: settings.workers,
    policyEnvironment: policyEnvironment(settings.policy, 'worker'),
    logRetention: settings.logRetention,
  });
  const control = new ControlStack(app, `${settings.prefix}Control`, {
    ...common,
    ...alarmEmail,
    description: 'Strowger: control API, authorizer, expiry sweeper, peers stream consumer',
    data: data.data,
    workers: { vpc: edge.vpc, securityGroup: edge.workers.securityGroup, statusPort: STATUS_PORT },
    logRetention: settings.logRetention,
    policyEnvironment: policyEnvironment(settings.policy, 'api'),
    ...(settings.operatorKeyHash === undefined ? {} : { operatorKeyHash: settings.operatorKeyHash }),
  });
  return { data, edge, control };
}

/** The policy as the environment each process reads (the workers have no API keys to limit). */
function policyEnvironment(policy: PlatformPolicy, reader: 'api' | 'worker'): Record<string, string> {
  const env: Record<string, string> = {};
  if (policy.allowedPeerNetworks !== undefined) env.STROWGER_ALLOWED_PEER_NETWORKS = policy.allowedPeerNetworks;
  if (reader === 'api' && policy.maxKeysPerTenant !== undefined) env.STROWGER_MAX_KEYS_PER_TENANT = String(policy.maxKeysPerTenant);
  return env;
}
