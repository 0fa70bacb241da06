/**
 * A tenant's route: in a context, a dialled-number pattern (Asterisk syntax) and the IAX2
 * destinations tried in order, failing over on congestion and unreachability, not on busy.
 */
import { z } from 'zod';
import { ContextName, KeyName, PeerName, Secret, Text80 } from './names.ts';

/** Literal extensions, or `_` patterns with X Z N [..] . ! as Asterisk reads them. */
export const ExtensionPattern = z
  .string()
  .max(80)
  .regex(/^([0-9A-Za-z*#+]+|_([0-9*#+XxZzNn.!-]|\[[0-9-]+\])+)$/, 'a literal extension or an _pattern of X Z N [..] . !');

export const DialTargetSchema = z.object({
  user: Text80.optional(),
  secret: Secret.optional(),
  outkey: KeyName.optional(),
  peer: PeerName,
  port: z.number().int().min(1).max(65535).optional(),
  extension: Text80.optional(),
  context: ContextName.optional(),
  options: Text80.optional(),
});

/** A Dial() string as written; its inline secret (IAX2/user:secret@peer) is masked in every response. */
export const DialString = z.string().min(1).max(256);

export const RouteConfig = z.object({
  tenant: z.string().min(1).max(40),
  context: ContextName,
  pattern: ExtensionPattern,
  destinations: z
    .array(z.object({ dial: DialString, target: DialTargetSchema, timeoutS: z.number().int().min(1).max(600).optional() }))
    .min(1, 'at least one destination')
    .max(32, 'at most 32 destinations'),
  /** Replaces the caller ID name/number on calls through this route. */
  callerIdRewrite: z.object({ name: Text80.optional(), number: Text80.optional() }).optional(),
});
export type RouteConfig = z.infer<typeof RouteConfig>;
