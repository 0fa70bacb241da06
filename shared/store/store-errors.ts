/**
 * Domain errors of the data layer. Each carries an HTTP status so the API maps them in one
 * place; a failed DynamoDB condition becomes one of these, never a raw SDK error.
 */
import { StrowgerError } from '../errors.ts';

export class StoreError extends StrowgerError {
  constructor(
    code: string,
    message: string,
    readonly statusCode: number,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

export class NotFoundError extends StoreError {
  constructor(what: string, options?: ErrorOptions) {
    super('STROWGER_ERR_NOT_FOUND', `${what} does not exist`, 404, options);
  }
}

export class ConflictError extends StoreError {
  constructor(message: string, options?: ErrorOptions) {
    super('STROWGER_ERR_CONFLICT', message, 409, options);
  }
}

export class ValidationError extends StoreError {
  constructor(readonly issues: readonly string[], options?: ErrorOptions) {
    super('STROWGER_ERR_VALIDATION', issues.join('; '), 400, options);
  }
}

/** True for the SDK's failed-condition error, whichever engine raised it. */
export function isConditionFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'name' in error && error.name === 'ConditionalCheckFailedException';
}
