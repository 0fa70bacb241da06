/** The API Lambda (HTTP API, payload v2, behind the API-key authorizer). */
import { createApi } from '../api.ts';
import { makeApiHandler } from './api-handler.ts';
import { lambdaEnv } from './lambda-env.ts';

const { stores, logger } = lambdaEnv('control-api');

export const handler = makeApiHandler(createApi({ stores, logger }));
