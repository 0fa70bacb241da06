/** The HTTP API's Lambda authorizer (simple responses): API keys, hashed. */
import { makeAuthorizer } from '../auth/authorizer.ts';
import { lambdaEnv, requiredEnv } from './lambda-env.ts';

const { stores } = lambdaEnv('control-authorizer');
const operatorKeyHash = requiredEnv('STROWGER_OPERATOR_KEY_HASH');

export const handler = makeAuthorizer({ tenants: stores.tenants, operatorKeyHash });
