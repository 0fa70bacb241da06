/**
 * Every error a caller sees has one shape, `{ error: { code, message, field? } }`, and the
 * right status. Domain errors map by their statusCode; anything unexpected becomes a 500 with
 * a generic message (the details go to the log, never to the caller: no stack traces, no raw
 * SDK errors).
 */
import type { Logger } from '../../../shared/logger.ts';
import { StrowgerError } from '../../../shared/errors.ts';
import { ConfImportError, formatProblem, NO_FILE } from '../../../shared/iaxconf/conf-errors.ts';
import { ZodError } from 'zod';
import { describeIssues } from '../../../shared/model/peer.ts';
import { StoreError, ValidationError } from '../../../shared/store/store-errors.ts';
import { isStoreOutage } from '../../../shared/store/store-failure.ts';

export class ApiError extends StrowgerError {
  constructor(
    code: string,
    message: string,
    readonly statusCode: number,
    readonly field?: string,
  ) {
    super(code, message);
  }
}

export const notFound = (what: string): ApiError => new ApiError('STROWGER_ERR_NOT_FOUND', `${what} does not exist`, 404);
export const badRequest = (message: string, field?: string): ApiError => new ApiError('STROWGER_ERR_VALIDATION', message, 400, field);

/** Import problems returned at most, and each one's length (they quote the tenant's lines, masked). */
const MAX_PROBLEMS = 100;
const MAX_REASON = 300;
const clip = (text: string): string => (text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}...` : text);

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
  /** For config imports: every line refused, with file and line (0: the whole file). */
  problems?: ReadonlyArray<{ file: string; line: number; reason: string }>;
}

export function toErrorResponse(error: unknown, logger: Logger, requestId: string): { statusCode: number; body: ErrorBody } {
  if (error instanceof ApiError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.field !== undefined) body.error.field = error.field;
    return { statusCode: error.statusCode, body };
  }
  if (error instanceof ZodError) return toErrorResponse(new ValidationError(describeIssues(error)), logger, requestId);
  if (error instanceof ValidationError) {
    const field = error.issues[0]?.split(':')[0];
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (field !== undefined && field !== '(value)') body.error.field = field;
    return { statusCode: 400, body };
  }
  if (error instanceof StoreError) return { statusCode: error.statusCode, body: { error: { code: error.code, message: error.message } } };
  if (error instanceof ConfImportError) {
    // A file of nothing but bad lines must not answer with a body the size of the file.
    const problems = error.problems.slice(0, MAX_PROBLEMS).map((p) => ({ ...p, reason: clip(p.reason) }));
    if (error.problems.length > MAX_PROBLEMS) problems.push({ file: NO_FILE, line: 0, reason: `and ${error.problems.length - MAX_PROBLEMS} more problems` });
    return { statusCode: 400, body: { error: { code: error.code, message: problems.map(formatProblem).join('\n') }, problems } };
  }
  if (isSdkStoreOutage(error)) {
    // The store timed out, throttled or could not be reached: nothing was decided, so the
    // caller may send the same request again (writes are conditional, a retry is safe).
    logger.warn('store unavailable', { error, requestId });
    return { statusCode: 503, body: { error: { code: 'STROWGER_ERR_STORE_UNAVAILABLE', message: `the store is not answering; try again shortly (request ${requestId})` } } };
  }
  logger.error('request failed', { error, requestId });
  return { statusCode: 500, body: { error: { code: 'STROWGER_ERR_INTERNAL', message: `internal error (request ${requestId})` } } };
}

/** An error the SDK raised (it carries `$metadata`) for a store that did not serve, not a bug of ours. */
function isSdkStoreOutage(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$metadata' in error && isStoreOutage(error);
}
