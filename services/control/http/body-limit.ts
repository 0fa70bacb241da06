/**
 * The largest request body the API reads: 1 MiB (an import of two large files fits; nothing
 * else comes near). API Gateway itself passes up to 10 MB to the Lambda, so the API checks
 * again; the local adapter stops reading at the limit.
 */
import { ApiError } from './api-error.ts';

export const MAX_BODY_BYTES = 1 << 20;

export const bodyTooLarge = (): ApiError => new ApiError('STROWGER_ERR_TOO_LARGE', 'the request body is over 1 MiB', 413, 'body');
