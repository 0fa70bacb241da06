/**
 * Who may touch what. Every tenant-scoped route passes through tenantScope: a tenant key for
 * another tenant gets the same 404 as a tenant that does not exist, so keys cannot probe.
 */
import { ApiError, notFound } from '../http/api-error.ts';
import type { ApiRequest } from '../http/api-types.ts';

export function tenantScope(request: ApiRequest): string {
  const tenant = request.params.tenant ?? '';
  const { principal } = request;
  if (principal.role === 'tenant' && principal.tenant !== tenant) throw notFound(`tenant "${tenant}"`);
  return tenant;
}

export function operatorOnly(request: ApiRequest): void {
  if (request.principal.role !== 'operator') throw new ApiError('STROWGER_ERR_FORBIDDEN', 'this needs the operator key', 403);
}

/** The version an `If-Match` header names (`"3"` or `3`), required for replacing. */
export function ifMatch(request: ApiRequest, required: boolean): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) {
    if (required) throw new ApiError('STROWGER_ERR_PRECONDITION_REQUIRED', 'send If-Match with the version you are replacing', 428);
    return undefined;
  }
  const version = Number(header.replace(/^W\//, '').replace(/"/g, ''));
  if (!Number.isInteger(version) || version < 1) throw new ApiError('STROWGER_ERR_VALIDATION', `If-Match "${header}" is not a version`, 400, 'If-Match');
  return version;
}

export function objectBody(request: ApiRequest): Record<string, unknown> {
  if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
    throw new ApiError('STROWGER_ERR_VALIDATION', 'the body must be a JSON object', 400);
  }
  return request.body as Record<string, unknown>;
}

/** A string field of a JSON body, or a 400 naming it. */
export function stringField(body: Record<string, unknown>, name: string, required = true): string | undefined {
  const value = body[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw new ApiError('STROWGER_ERR_VALIDATION', `${name}: expected a string`, 400, name);
  return value;
}
