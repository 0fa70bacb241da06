/**
 * A tenant's route: in a context, a dialled-number pattern (Asterisk syntax) and the IAX2
 * destinations tried in order, failing over on congestion and unreachability, not on busy.
 */
import { z } from 'zod';

/** Literal extensions, or `_` patterns with X Z N [..] . ! as Asterisk reads them. */
export const ExtensionPattern = z
  .string()
  .regex(/^([0-9A-Za-z*#+]+|_([0-9*#+XxZzNn.!-]|\[[0-9-]+\])+)$/, 'a literal extension or an _pattern of X Z N [..] . !');

export const DialTargetSchema = z.object({
  user: z.string().optional(),
  secret: z.string().optional(),
  outkey: z.string().optional(),
  peer: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  extension: z.string().optional(),
  context: z.string().optional(),
  options: z.string().optional(),
});

export const RouteConfig = z.object({
  tenant: z.string().min(1),
  context: z.string().regex(/^[A-Za-z0-9_.+-]{1,79}$/, 'letters, digits and _ . + -'),
  pattern: ExtensionPattern,
  destinations: z
    .array(z.object({ dial: z.string(), target: DialTargetSchema, timeoutS: z.number().int().min(1).max(600).optional() }))
    .min(1, 'at least one destination'),
  /** Replaces the caller ID name/number on calls through this route. */
  callerIdRewrite: z.object({ name: z.string().optional(), number: z.string().optional() }).optional(),
});
export type RouteConfig = z.infer<typeof RouteConfig>;
