/**
 * One call detail record per finished call: Asterisk's CDR fields, plus the IAX2 receive
 * statistics each leg reported (RR IEs of its last PONG).
 */
import { z } from 'zod';

export const RrFigures = z.object({
  jitterMs: z.number().int().min(0),
  lossPercent: z.number().int().min(0).max(100),
  lostFrames: z.number().int().min(0),
  packets: z.number().int().min(0),
  delayMs: z.number().int().min(0),
  dropped: z.number().int().min(0),
  outOfOrder: z.number().int().min(0),
});

export const Cdr = z.object({
  tenant: z.string().min(1),
  /** Unique per call (Asterisk's uniqueid). */
  callId: z.string().min(1),
  accountcode: z.string().optional(),
  src: z.string().optional(),
  dst: z.string(),
  dcontext: z.string(),
  clid: z.string().optional(),
  channel: z.string(),
  dstchannel: z.string().optional(),
  lastapp: z.string().default('Dial'),
  lastdata: z.string().optional(),
  /** Epoch ms. */
  start: z.number().int(),
  answer: z.number().int().optional(),
  end: z.number().int().optional(),
  duration: z.number().int().min(0).optional(),
  billsec: z.number().int().min(0).optional(),
  disposition: z.enum(['ANSWERED', 'NO ANSWER', 'BUSY', 'FAILED', 'CONGESTION']).optional(),
  amaflags: z.enum(['default', 'omit', 'billing', 'documentation']).default('documentation'),
  hangupCause: z.number().int().min(0).max(127).optional(),
  /** The worker that carried the call: a CDR left open by a dead worker is closed by the sweeper. */
  workerId: z.string().min(1),
  rrCaller: RrFigures.optional(),
  /** The callee's leg; for a call through the worker mesh, as the owning worker measured it. */
  rrCallee: RrFigures.optional(),
  /** For a call through the worker mesh: the leg between the workers, as this (ingress) worker measured it. */
  rrMesh: RrFigures.optional(),
  /** For a call through the worker mesh: the worker that held the callee's flow. */
  calleeWorkerId: z.string().min(1).optional(),
});
export type Cdr = z.infer<typeof Cdr>;
export type CdrInput = z.input<typeof Cdr>;
