/**
 * Paging cursors: DynamoDB's LastEvaluatedKey, handed to callers as opaque base64url text.
 * A cursor comes back from outside, so decoding checks it is an object of string and number
 * key attributes, and that it stays inside the partition being read: a cursor can never
 * move a listing into another tenant's items.
 */
import { ValidationError } from './store-errors.ts';

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key === undefined ? undefined : Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The start key a cursor names; `pinned` attributes must hold exactly the given values. */
export function decodeCursor(cursor: string | undefined, pinned: Record<string, string>): Record<string, string | number> | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw invalid();
  const entries = Object.entries(key as Record<string, unknown>);
  // Key attributes are short strings or safe integers; anything else DynamoDB (or its SDK) would refuse.
  if (entries.length === 0 || entries.length > 4 || entries.some(([, v]) => !(typeof v === 'string' && v.length <= 1024) && !Number.isSafeInteger(v))) throw invalid();
  for (const [name, value] of Object.entries(pinned)) if ((key as Record<string, unknown>)[name] !== value) throw invalid();
  return key as Record<string, string | number>;
}

export const invalidCursor = (): ValidationError => new ValidationError(['cursor: not a cursor this listing returned']);
const invalid = invalidCursor;
