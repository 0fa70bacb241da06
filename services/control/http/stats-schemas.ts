/**
 * Schemas of the summary routes (stats-routes.ts): calls, failures and quality over time from
 * a tenant's CDRs, and a tenant's usage against its limits. Kept apart from api-schemas.ts so
 * that file stays the data model's mirror; the times are read exactly as the CDR listing reads
 * them (the same `from`/`to` schemas).
 */
import { z } from 'zod';
import { CdrQuery } from './api-schemas.ts';

/** At most this many buckets in one answer: a chart a screen can show. */
export const MAX_STATS_BUCKETS = 1000;
/** At most this range in one answer (a CDR is kept 90 days; a month is what a chart compares). */
export const MAX_STATS_RANGE_MS = 31 * 86_400_000;

const StepSeconds = z
  .string()
  .regex(/^\d{1,6}$/, 'a whole number of seconds from 60 to 86400')
  .transform(Number)
  .pipe(z.number().int().min(60, 'at least 60 seconds').max(86_400, 'at most 86400 seconds (a day)'))
  .meta({ description: `The bucket width in seconds, 60 to 86400 (default 3600); (to - from) / step at most ${MAX_STATS_BUCKETS} buckets.` });

export const StatsQuery = z.object({
  from: CdrQuery.shape.from,
  to: CdrQuery.shape.to,
  step: StepSeconds.optional(),
});

const Average = z.number().nullable().meta({ description: 'The mean over the legs that reported RR figures; null when none did.' });

const Counts = {
  calls: z.number().int().meta({ description: 'CDRs that started in the bucket' }),
  answered: z.number().int(),
  busy: z.number().int(),
  noAnswer: z.number().int(),
  failed: z.number().int().meta({ description: 'FAILED or CONGESTION: the calls the platform or the far end could not complete' }),
  inProgress: z.number().int().meta({ description: 'Not finished yet (no disposition)' }),
};

export const StatsBucket = z.object({
  start: z.number().int().meta({ description: 'Epoch ms; the bucket is [start, start + step)' }),
  ...Counts,
  qualityLegs: z.number().int().meta({ description: 'Call legs with RR figures (caller and callee legs of answered calls)' }),
  jitterMs: Average,
  lossPercent: Average,
  delayMs: Average,
});
export type StatsBucket = z.infer<typeof StatsBucket>;

export const StatsResult = z.object({
  from: z.number().int(),
  to: z.number().int(),
  stepS: z.number().int(),
  buckets: z.array(StatsBucket),
  totals: z.object(Counts),
  truncated: z.boolean().meta({ description: 'True when the range held more CDRs than one answer reads: the counts cover the oldest of them only.' }),
});
export type StatsResult = z.infer<typeof StatsResult>;

export const UsageResult = z.object({
  tenant: z.string(),
  status: z.enum(['active', 'suspended']),
  peers: z.object({ used: z.number().int(), limit: z.number().int() }),
  apiKeys: z.object({ used: z.number().int(), limit: z.number().int() }),
  calls: z.object({
    inProgress: z.number().int().nullable().meta({ description: 'Calls in progress on the live workers; null when no worker answered' }),
    limit: z.number().int(),
    perSecondLimit: z.number(),
  }),
});
