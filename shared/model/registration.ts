/**
 * A peer's registration, as the registrar writes it on REGACK (rtupdate) and every worker
 * reads it to find where the peer's flow lives. Structurally the same record the engine's
 * RegistrationStore speaks, without the data layer depending on the engine.
 */
import { z } from 'zod';

export const QualifyStatus = z.enum(['OK', 'LAGGED', 'UNREACHABLE', 'UNKNOWN']);
export const QualifyState = z.object({ status: QualifyStatus, latencyMs: z.number().int().min(0).optional() });
export type QualifyState = z.infer<typeof QualifyState>;

export const Registration = z.object({
  name: z.string().min(1),
  tenant: z.string().optional(),
  address: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  workerId: z.string().min(1),
  registeredAt: z.number().int(),
  expiresAt: z.number().int(),
  refreshS: z.number().int().min(1),
  regexten: z.string().optional(),
  regcontext: z.string().optional(),
  qualify: QualifyState.optional(),
  /** Set by the expiry sweeper when the registration lapsed (rtautoclear). */
  expiredAt: z.number().int().optional(),
});
export type Registration = z.infer<typeof Registration>;
