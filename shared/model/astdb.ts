/** An astdb value, as `dbsecret=family/key` reads it; owned by one tenant. */
import { z } from 'zod';

export const AstdbEntry = z.object({
  family: z.string().regex(/^[^/\s]{1,80}$/, '1-80 characters, no "/" or spaces'),
  key: z.string().regex(/^[^/\s]{1,80}$/, '1-80 characters, no "/" or spaces'),
  value: z.string().max(4096),
  tenant: z.string().min(1),
});
export type AstdbEntry = z.infer<typeof AstdbEntry>;
