// The environment a control-plane Lambda reads at cold start (lambda-env.ts), set on this
// process for a test file: fresh tables on the given engine endpoint, the operator key's hash,
// region and credentials for the local engine. Each test file runs in a process of its own,
// so the functions' module-scope configuration sees exactly this.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { hashApiKey } from '../../services/control/auth/api-keys.ts';
import { createTables } from '../../shared/store/create-tables.ts';
import { prefixedTableNames, tableNameEnv } from '../../shared/store/store-config.ts';

/** Creates the tables through `client`, points the functions at `endpoint`; returns what was set and the undo. */
export async function setLambdaEnv(client: DynamoDBClient, endpoint: string, operatorKey: string, prefix: string): Promise<{ env: Record<string, string>; unset: () => void }> {
  const names = prefixedTableNames(`${prefix}${Math.floor(Math.random() * 1e9)}`);
  await createTables(client, names);
  const env: Record<string, string> = {
    ...tableNameEnv(names),
    STROWGER_DYNAMODB_ENDPOINT: endpoint,
    STROWGER_OPERATOR_KEY_HASH: hashApiKey(operatorKey),
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'strowgertest',
    AWS_SECRET_ACCESS_KEY: 'strowgertest',
    LOG_LEVEL: 'error',
  };
  Object.assign(process.env, env);
  return {
    env,
    unset: () => {
      for (const name of Object.keys(env)) delete process.env[name];
    },
  };
}
