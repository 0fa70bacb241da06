/**
 * Who may touch what. Every tenant-scoped route passes through tenantScope: a tenant key for
 * another tenant gets the same 404 as a tenant that does not exist, so keys cannot probe.
 */
import { ApiError, notFound } from '../http/api-error.ts';
import type { ApiRequest } from '../http/api-types.ts';

type Scoped = Pick<ApiRequest, 'params' | 'principal'>;

export function tenantScope(request: Scoped): string {
  const tenant = request.params.tenant ?? '';
  const { principal } = request;
  if (principal.role === 'tenant' && principal.tenant !== tenant) throw notFound(`tenant "${tenant}"`);
  return tenant;
}

export function operatorOnly(request: Scoped): void {
  if (request.principal.role !== 'operator') throw new ApiError('STROWGER_ERR_FORBIDDEN', 'this needs the operator key', 403);
}

/** A path parameter the route template guarantees. */
export function param(request: Scoped, name: string): string {
  return request.params[name] ?? '';
}

/** The version an `If-Match` header names (`"3"` or `3`); required for replacing. */
export function ifMatch(request: Pick<ApiRequest, 'headers'>): number {
  const version = optionalIfMatch(request);
  if (version === undefined) throw new ApiError('STROWGER_ERR_PRECONDITION_REQUIRED', 'send If-Match with the version you are replacing', 428, 'If-Match');
  return version;
}

/** Versions count writes to one record: 2^31 - 1 of them is far beyond any real record. */
export const MAX_VERSION = 2_147_483_647;
const IF_MATCH = /^(?:W\/)?("?)([1-9]\d{0,9})\1$/;

export function optionalIfMatch(request: Pick<ApiRequest, 'headers'>): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const digits = IF_MATCH.exec(header.trim())?.[2];
  const version = digits === undefined ? NaN : Number(digits);
  // The header is not quoted back: it is the caller's text, of any length.
  if (!(version <= MAX_VERSION)) throw new ApiError('STROWGER_ERR_VALIDATION', `If-Match must be a version: a whole number from 1 to ${MAX_VERSION}, as the ETag gave it ("3")`, 400, 'If-Match');
  return version;
}

export const IF_MATCH_HEADER = {
  name: 'If-Match',
  required: true,
  description: `The version being replaced (the ETag of the last read): "3", 3 or W/"3", from 1 to ${MAX_VERSION}.`,
  pattern: '^(W/)?"?[1-9][0-9]{0,9}"?$',
};

/** The keys a JSON object body actually sent (PATCH applies only those). */
export function sentKeys(rawBody: unknown): Set<string> {
  return new Set(typeof rawBody === 'object' && rawBody !== null ? Object.keys(rawBody) : []);
}
