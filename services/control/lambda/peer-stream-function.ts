/** The peers table's DynamoDB Streams consumer (ReportBatchItemFailures). */
import { makePeerStreamHandler } from '../jobs/peer-stream-consumer.ts';
import { lambdaEnv } from './lambda-env.ts';

const { stores, logger } = lambdaEnv('control-peer-stream');

export const handler = makePeerStreamHandler({ stores, logger });
