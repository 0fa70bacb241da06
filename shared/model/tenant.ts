/**
 * A tenant: its limits, its status, and its API keys, stored only as hashes (a key is shown
 * once, when created). Keys read `stg_<tenantId>_<secret>`, so the authorizer finds the
 * tenant by id and compares hashes without an index over secrets.
 */
import { z } from 'zod';

export const TenantId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'lower-case letters, digits and -, 2-40 long');

export const TenantLimits = z.object({
  maxPeers: z.number().int().min(0).default(100),
  maxConcurrentCalls: z.number().int().min(0).default(30),
  callsPerSecond: z.number().positive().default(5),
});
export type TenantLimits = z.infer<typeof TenantLimits>;

export const ApiKeyRecord = z.object({
  id: z.string().min(1),
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
  apiKeys: z.array(ApiKeyRecord).default([]),
});
export type Tenant = z.infer<typeof Tenant>;
export type TenantInput = z.input<typeof Tenant>;
