/**
 * The API's request and response schemas, derived from the data model's own schemas. Route
 * specs validate with these and the OpenAPI document is generated from them.
 */
import { z } from 'zod';
import { ActiveCall } from '../../../shared/model/active-call.ts';
import { Cdr } from '../../../shared/model/cdr.ts';
import { ContextName, KeyName, Secret } from '../../../shared/model/names.ts';
import { PeerFields } from '../../../shared/model/peer.ts';
import { QualifyState } from '../../../shared/model/registration.ts';
import { RouteConfig } from '../../../shared/model/route.ts';
import { TenantId, TenantLimitFields, TenantLimits } from '../../../shared/model/tenant.ts';

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});

/** Query strings are text: a number is digits (no signs, exponents or hex), then bounded. */
export const ListQuery = z.object({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'a whole number from 1 to 1000')
    .transform(Number)
    .pipe(z.number().int().min(1).max(1000))
    .meta({ description: 'Items per page: a whole number from 1 to 1000 (default 100).' })
    .optional(),
  cursor: z.string().max(1024).regex(/^[A-Za-z0-9_-]+$/, 'a cursor a listing returned').optional(),
});

const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), cursor: z.string().optional() });

// Tenants and keys.
const LimitsPatch = z.object(TenantLimitFields).partial();
export const TenantCreateBody = z.object({ tenantId: TenantId, name: z.string().min(1).max(200), limits: LimitsPatch.optional() });
export const TenantPatchBody = z.object({
  name: z.string().min(1).max(200).optional(),
  limits: LimitsPatch.optional(),
  status: z.enum(['active', 'suspended']).optional(),
});
export const PublicApiKey = z.object({ id: z.string(), prefix: z.string(), createdAt: z.number().int() });
export const PublicTenant = z.object({
  tenantId: z.string(),
  name: z.string(),
  status: z.enum(['active', 'suspended']),
  limits: TenantLimits,
  version: z.number().int(),
  apiKeys: z.array(PublicApiKey),
});
export const TenantList = z.object({ items: z.array(PublicTenant) });
export const ApiKeyCreated = z.object({ id: z.string(), prefix: z.string(), key: z.string().meta({ description: 'Shown this once; only a hash is stored.' }) });
export const ApiKeyList = z.object({ items: z.array(PublicApiKey) });

// Peers.
const WriteOnlySecrets = z.array(Secret).max(16, 'at most 16 secrets').meta({ writeOnly: true, description: 'Accepted, never returned.' });
export const PeerCreateBody = PeerFields.omit({ tenant: true }).extend({ secrets: WriteOnlySecrets.default([]) });
/** Replacing keeps the stored secrets when none are sent: a client never sees them to send back. */
export const PeerReplaceBody = PeerFields.omit({ tenant: true, name: true }).extend({ secrets: WriteOnlySecrets.optional() });
export const PeerPatchBody = PeerFields.omit({ tenant: true, name: true }).partial().extend({ secrets: WriteOnlySecrets.optional() });
export const PublicPeer = PeerFields.omit({ secrets: true }).extend({
  version: z.number().int(),
  updatedAt: z.number().int(),
  secretCount: z.number().int().meta({ description: 'How many secrets are stored (never the secrets).' }),
});
export const PeerStatus = z.object({
  name: z.string(),
  registered: z.boolean(),
  address: z.string().optional(),
  port: z.number().int().optional(),
  registeredAt: z.number().int().optional(),
  expiresAt: z.number().int().optional(),
  expiredAt: z.number().int().optional(),
  refreshS: z.number().int().optional(),
  workerId: z.string().optional(),
  qualify: QualifyState,
});
export const PeerListQuery = ListQuery.extend({
  status: z.enum(['true', 'false']).transform((v) => v === 'true').optional().meta({ description: 'Include each peer\'s registration status.' }),
});
export const PeerPage = pageOf(PublicPeer.extend({ status: PeerStatus.optional() }));
export const KeygenBody = z.object({
  name: KeyName.optional(),
  passphrase: z.string().min(4, 'at least 4 characters').max(1024).optional(),
});
export const KeygenResult = z.object({
  keyName: z.string(),
  publicKey: z.string(),
  privateKey: z.string().meta({ description: 'Returned this once and stored nowhere; 3DES-encrypted PEM when a passphrase was given.' }),
  encrypted: z.boolean(),
  version: z.number().int(),
});

// Routes.
export const RouteCreateBody = RouteConfig.omit({ tenant: true });
export const RouteReplaceBody = RouteConfig.omit({ tenant: true, context: true, pattern: true });
export const PublicRoute = RouteConfig.extend({ version: z.number().int() });
export const RouteQuery = ListQuery.extend({ context: ContextName.optional() });
/** A destination dialling a peer the tenant does not have is refused (409) unless forced. */
export const RouteWriteQuery = z.object({
  force: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .meta({ description: 'true: keep the route even if a destination dials a peer the tenant does not have (yet); refused with 409 otherwise.' }),
});
export const RoutePage = pageOf(PublicRoute);

// astdb.
export const AstdbPutBody = z.object({ value: z.string().max(4096).meta({ writeOnly: true }) });
export const AstdbKey = z.object({ family: z.string(), key: z.string(), set: z.literal(true) });
export const AstdbFamily = z.object({ family: z.string(), keys: z.array(z.string()) });

// CDRs and calls.
/** Epoch ms of 9999-12-31T23:59:59.999Z: later times have no four-digit ISO year (CDR sort keys are ISO). */
export const MAX_INSTANT = 253_402_300_799_999;
const Instant = z
  .string()
  .max(40)
  .refine((text) => !Number.isNaN(parseInstant(text)), 'an ISO 8601 time or epoch milliseconds, from 1970 to 9999')
  .transform(parseInstant)
  .meta({ description: 'ISO 8601 (2026-11-01T00:00:00Z) or epoch milliseconds, from 1970 to 9999' });
export const CdrQuery = ListQuery.extend({ from: Instant.optional(), to: Instant.optional() });
export const CdrPage = pageOf(Cdr);
export const CallList = z.object({
  items: z.array(ActiveCall),
  workers: z.object({ asked: z.number().int(), answered: z.number().int(), unreachable: z.array(z.string()) }),
});

/** ISO 8601 as Date.parse reads it reliably: a date, optionally a time, optionally a zone. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Epoch ms from ISO 8601 or epoch-ms text; NaN for anything else (Date.parse's guesses included) or outside 1970..9999. */
export function parseInstant(text: string): number {
  const ms = /^\d{1,15}$/.test(text) ? Number(text) : ISO_8601.test(text) ? Date.parse(text) : NaN;
  return ms >= 0 && ms <= MAX_INSTANT ? ms : NaN;
}

// Import.
export const ImportBody = z.object({
  files: z
    .array(z.object({
      name: z.string().min(1).max(200),
      kind: z.enum(['iax', 'extensions']).optional().meta({ description: 'Guessed from the name when absent: *iax*.conf or *extensions*.conf.' }),
      text: z.string().max(512 * 1024),
    }))
    .min(1, 'at least one file')
    .max(16, 'at most 16 files'),
  dryRun: z.boolean().default(false),
  force: z.boolean().default(false).meta({ description: 'true: a route dialling a peer the tenant does not have (nor the import defines) is a warning, not a problem.' }),
  ifExists: z
    .enum(['replace', 'refuse'])
    .default('replace')
    .meta({ description: 'What a peer or route that exists already gets: replaced (the default), or the whole import refused with a 409 naming them.' }),
});
const Problem = z.object({ file: z.string(), line: z.number().int(), reason: z.string() });
export const ImportResult = z.object({
  dryRun: z.boolean(),
  peers: z.object({ created: z.array(z.string()), updated: z.array(z.string()) }),
  routes: z.object({ created: z.array(z.string()), updated: z.array(z.string()) }),
  warnings: z.array(Problem),
});
export const ImportFailure = ErrorBody.extend({ problems: z.array(Problem).optional() });
