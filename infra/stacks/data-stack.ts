/** The data stack: the platform's tables and their key, kept when the stack is deleted. */
import { Stack, type StackProps, type RemovalPolicy } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { PlatformTables } from '../constructs/platform-tables.ts';

export interface DataStackProps extends StackProps {
  removalPolicy?: RemovalPolicy;
}

export class DataStack extends Stack {
  readonly data: PlatformTables;

  constructor(scope: Construct, id: string, props: DataStackProps = {}) {
    super(scope, id, props);
    this.data = new PlatformTables(this, 'Tables', props.removalPolicy === undefined ? {} : { removalPolicy: props.removalPolicy });
  }
}
