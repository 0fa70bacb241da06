/**
 * A tenant: its limits, its status, and its API keys, stored only as hashes (a key is shown
 * once, when created). Keys read `stg_<tenantId>_<secret>`, so the authorizer finds the
 * tenant by id and compares hashes without an index over secrets.
 */
import { z } from 'zod';

/** The owner part of the operator's key (`stg_op_...`): no tenant may take it. */
export const OPERATOR_KEY_OWNER = 'op';

/**
 * A tenant id is the owner part of its keys, so it can hold no `_` (the separator) and cannot
 * be the operator's `op`: a key's owner is then never ambiguous.
 */
export const TenantId = z
  .string()
  .regex(new RegExp(`^(?!${OPERATOR_KEY_OWNER}$)[a-z0-9][a-z0-9-]{1,39}$`), `lower-case letters, digits and -, 2-40 long, not "${OPERATOR_KEY_OWNER}" (the operator's)`);

/** New calls per second, for a tenant or one peer. */
export const CallsPerSecond = z.number().min(0.01).max(100_000);

/** Each limit with its bounds; the API's partial updates use these too. */
export const TenantLimitFields = {
  maxPeers: z.number().int().min(0).max(100_000),
  maxConcurrentCalls: z.number().int().min(0).max(100_000),
  callsPerSecond: CallsPerSecond,
};

export const TenantLimits = z.object({
  maxPeers: TenantLimitFields.maxPeers.default(100),
  maxConcurrentCalls: TenantLimitFields.maxConcurrentCalls.default(30),
  callsPerSecond: TenantLimitFields.callsPerSecond.default(5),
});
export type TenantLimits = z.infer<typeof TenantLimits>;

/** A hard ceiling on keys in one tenant record (the operator's setting is at most this). */
export const MAX_API_KEYS = 1000;

export const ApiKeyRecord = z.object({
  id: z.string().min(1).max(64),
  /** The first characters, to tell keys apart in listings. */
  prefix: z.string().min(1),
  /** scrypt or sha256 of the whole key; never the key. */
  hash: z.string().min(1),
  createdAt: z.number().int(),
  revokedAt: z.number().int().optional(),
});
export type ApiKeyRecord = z.infer<typeof ApiKeyRecord>;

export const Tenant = z.object({
  tenantId: TenantId,
  name: z.string().min(1).max(200),
  status: z.enum(['active', 'suspended']).default('active'),
  limits: TenantLimits.default({ maxPeers: 100, maxConcurrentCalls: 30, callsPerSecond: 5 }),
  apiKeys: z.array(ApiKeyRecord).max(MAX_API_KEYS).default([]),
});
export type Tenant = z.infer<typeof Tenant>;
export type TenantInput = z.input<typeof Tenant>;
