/**
 * The root of Strowger's error tree. Every error we raise on purpose carries a stable,
 * machine-readable `code` (for example `IAX2_ERR_TRUNCATED_IE`) so callers, logs and metrics
 * can branch on it without parsing messages.
 */
export class StrowgerError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** True when `err` is a StrowgerError, optionally with one particular code. */
export function isStrowgerError(err: unknown, code?: string): err is StrowgerError {
  return err instanceof StrowgerError && (code === undefined || err.code === code);
}
