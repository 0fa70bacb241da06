/** The registration-expiry sweeper, run every minute by an EventBridge schedule. */
import { ExpirySweeper, type SweepReport } from '../jobs/expiry-sweeper.ts';
import { lambdaEnv } from './lambda-env.ts';

const { stores, logger } = lambdaEnv('control-sweeper');
const sweeper = new ExpirySweeper({ stores, now: Date.now, logger });

export const handler = (): Promise<SweepReport> => sweeper.sweep();
