/**
 * The API's shapes as the console reads them: inferred from the very zod schemas the API
 * validates and documents with (type-only imports: nothing of zod reaches the bundle).
 */
import type { z } from 'zod';
import type {
  ApiKeyCreated, CallList, CdrPage, ImportResult, KeygenResult, PeerStatus as PeerStatusSchema, PublicApiKey, PublicPeer, PublicRoute, PublicTenant,
} from '../../../control/http/api-schemas.ts';
import type { StatsResult, UsageResult } from '../../../control/http/stats-schemas.ts';

export type Tenant = z.output<typeof PublicTenant>;
export type ApiKey = z.output<typeof PublicApiKey>;
export type NewApiKey = z.output<typeof ApiKeyCreated>;
export type PeerStatus = z.output<typeof PeerStatusSchema>;
export type Peer = z.output<typeof PublicPeer> & { status?: PeerStatus };
export type Route = z.output<typeof PublicRoute>;
export type Cdr = z.output<typeof CdrPage>['items'][number];
export type RrFigures = NonNullable<Cdr['rrCaller']>;
export type CdrPageBody = z.output<typeof CdrPage>;
export type ActiveCall = z.output<typeof CallList>['items'][number];
export type CallListBody = z.output<typeof CallList>;
export type Stats = z.output<typeof StatsResult>;
export type Usage = z.output<typeof UsageResult>;
export type Imported = z.output<typeof ImportResult>;
export type KeyPair = z.output<typeof KeygenResult>;
export interface Page<T> { items: T[]; cursor?: string }
