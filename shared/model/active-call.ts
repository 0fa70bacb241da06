/**
 * A call in progress on a worker, as `iax2 show channels` describes a channel: the worker
 * serves these on its status port and the control plane gathers them for the API.
 */
import { z } from 'zod';

export const ActiveCall = z.object({
  tenant: z.string().min(1),
  callId: z.string().min(1),
  /** Asterisk's channel name, `IAX2/<peer>-<n>`. */
  channel: z.string(),
  /** The remote address and port. */
  peerAddress: z.string(),
  peerName: z.string().optional(),
  username: z.string().optional(),
  /** A leg of the worker mesh: the worker at its far end (the call's other half is listed there). */
  meshWorker: z.string().optional(),
  /** Which side of the call this leg is: the caller's (a tenant's limit counts these) or the callee's. */
  leg: z.enum(['caller', 'callee']).optional(),
  localCallNumber: z.number().int().min(1).max(32767),
  remoteCallNumber: z.number().int().min(0).max(32767),
  /** Our oseqno and iseqno. */
  txSeq: z.number().int().min(0).max(255),
  rxSeq: z.number().int().min(0).max(255),
  lagMs: z.number().int().min(0).optional(),
  jitterMs: z.number().int().min(0).optional(),
  format: z.string(),
  /** Epoch ms of the first and the last message on the call. */
  firstMessageAt: z.number().int(),
  lastMessageAt: z.number().int(),
  state: z.enum(['setup', 'ringing', 'up', 'hangup']),
  workerId: z.string().min(1),
});
export type ActiveCall = z.infer<typeof ActiveCall>;
