/** A running worker, as it announces itself: where the mesh reaches it and how busy it is. */
import { z } from 'zod';

export const WorkerRecord = z.object({
  workerId: z.string().min(1),
  privateAddress: z.string().min(1),
  meshPort: z.number().int().min(1).max(65535),
  /** The worker's health/status HTTP port on privateAddress: the control plane asks it for active calls. */
  httpPort: z.number().int().min(1).max(65535).optional(),
  heartbeatAt: z.number().int(),
  activeCalls: z.number().int().min(0),
  registrations: z.number().int().min(0).default(0),
  draining: z.boolean().default(false),
});
export type WorkerRecord = z.infer<typeof WorkerRecord>;
