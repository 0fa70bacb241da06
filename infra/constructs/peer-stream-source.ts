/**
 * The peers table's stream feeding its consumer: batches report their failed records
 * (ReportBatchItemFailures), a failing batch is split in half to find the bad record, each is
 * retried a bounded number of times, and what still fails goes to a dead-letter queue (with
 * an alarm) instead of blocking the shard behind it.
 */
import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { StartingPosition, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { countAlarm } from './alarm-topic.ts';

export class PeerStreamSource extends Construct {
  readonly deadLetters: Queue;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: { table: ITable; consumer: IFunction & { addEventSource(source: DynamoEventSource): void } }) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'DeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    props.consumer.addEventSource(new DynamoEventSource(props.table, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      bisectBatchOnError: true,
      retryAttempts: 5,
      maxRecordAge: Duration.hours(24),
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(this.deadLetters),
    }));
    this.alarm = countAlarm(this, 'DeadLettered', {
      description: 'Peer changes the stream consumer gave up on (a deleted peer\'s registration or dbsecret may be left)',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
    });
  }
}
