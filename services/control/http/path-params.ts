/**
 * What each path parameter may be, by its name in the route templates: checked before a
 * handler runs (a 10,000-character name is a 400 naming it, not a key DynamoDB refuses) and
 * published as the parameter's schema in the OpenAPI document.
 */
import { z } from 'zod';
import { ContextName, PeerName } from '../../../shared/model/names.ts';
import { ExtensionPattern } from '../../../shared/model/route.ts';

/** Astdb families and keys, as AstdbEntry stores them. */
const AstdbName = z.string().regex(/^[^/\s]{1,80}$/, '1-80 characters, no "/" or spaces');

export const PATH_PARAMS: Readonly<Record<string, z.ZodType<string>>> = {
  // Any id a key could be for (a tenant's own rules, the "op" reservation among them, apply on creation).
  tenant: z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'lower-case letters, digits and -, 2-40 long'),
  name: PeerName,
  context: ContextName,
  pattern: ExtensionPattern,
  family: AstdbName,
  key: AstdbName,
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a key id as listed'),
};

/** Parameters no table above names are still bounded. */
export const pathParam = (name: string): z.ZodType<string> => PATH_PARAMS[name] ?? z.string().max(256);

/** The schema of a route's path parameters, by name. */
export function pathParamsSchema(names: readonly string[]): z.ZodType<Record<string, string>> {
  return z.object(Object.fromEntries(names.map((name) => [name, pathParam(name)])));
}
