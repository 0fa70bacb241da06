/** The registration-expiry sweeper, run every minute by an EventBridge schedule. */
import { ExpirySweeper, type SweepReport } from '../jobs/expiry-sweeper.ts';
import { lambdaEnv } from './lambda-env.ts';

const { stores, logger } = lambdaEnv('control-sweeper');
// Module scope: a warm container's runs share what the last one read (expiry-sweeper.ts), and a
// cold container starts with a new sweeper, whose first run is full.
const sweeper = new ExpirySweeper({ stores, now: Date.now, logger });

export const handler = (): Promise<SweepReport> => sweeper.sweep();
