/**
 * The registration-expiry sweeper on an EventBridge schedule, every minute. One at a time
 * (reserved concurrency 1: two sweeps would only race each other's conditional writes), and
 * an alarm when it fails three minutes in five: registrations would then outlive their expiry.
 */
import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { countAlarm } from './alarm-topic.ts';

export class ExpirySchedule extends Construct {
  readonly rule: Rule;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: { sweeper: IFunction }) {
    super(scope, id);
    this.rule = new Rule(this, 'EveryMinute', {
      description: 'Strowger: expire registrations and close orphaned CDRs',
      schedule: Schedule.rate(Duration.minutes(1)),
      // The next minute's run is the retry.
      targets: [new LambdaFunction(props.sweeper, { retryAttempts: 0 })],
    });
    this.alarm = countAlarm(this, 'SweeperErrors', {
      description: 'The expiry sweeper is failing: registrations are not being expired',
      metric: props.sweeper.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
      periods: 5,
      datapoints: 3,
    });
  }
}
