/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy --all`. Stacks per deployable unit; the
 * account and region come from the CLI's environment (CDK_DEFAULT_ACCOUNT/REGION), names from
 * context (`-c prefix=strowger`), never hard-coded physical names.
 */
import { App } from 'aws-cdk-lib';
import { DataStack } from './stacks/data-stack.ts';

const app = new App();
const prefix = (app.node.tryGetContext('prefix') as string | undefined) ?? 'Strowger';
const env = process.env.CDK_DEFAULT_ACCOUNT === undefined ? undefined : { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

new DataStack(app, `${prefix}Data`, { ...(env === undefined ? {} : { env }), description: 'Strowger: DynamoDB tables and their KMS key' });

app.synth();
