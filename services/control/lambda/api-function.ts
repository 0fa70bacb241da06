/** The API Lambda (HTTP API, payload v2, behind the API-key authorizer). */
import { createApi } from '../api.ts';
import { controlSettingsFromEnv } from '../control-settings.ts';
import { makeApiHandler } from './api-handler.ts';
import { lambdaEnv } from './lambda-env.ts';

const { stores, logger } = lambdaEnv('control-api');
// The operator's settings (STROWGER_MAX_KEYS_PER_TENANT, STROWGER_ALLOWED_PEER_NETWORKS), once, at cold start.
const settings = controlSettingsFromEnv(process.env);

export const handler = makeApiHandler(createApi({ stores, logger, settings }));
