/**
 * A tenant context's routes, compiled, cached for a few seconds: routing a call must not read
 * the table for every NEW, and a route change reaches every worker within `maxAgeMs`. When
 * the store fails or is slow the last routes read are used (LastGood): calls keep routing
 * through a store outage with the dialplan as it was.
 */
import type { RouteConfig } from '../../../shared/model/route.ts';
import type { RoutesTable } from '../../../shared/store/routes-table.ts';
import { compilePattern, type CompiledPattern } from './extension-pattern.ts';
import { LastGood, type LastGoodStats, type LastGoodTiming } from './last-good.ts';

export interface CompiledRoute {
  route: RouteConfig;
  pattern: CompiledPattern;
}

export class RouteCache {
  private readonly cache: LastGood<CompiledRoute[]>;

  constructor(
    private readonly routes: Pick<RoutesTable, 'listContext'>,
    now: () => number = Date.now,
    maxAgeMs = 5000,
    timing: LastGoodTiming = {},
  ) {
    this.cache = new LastGood({ ...timing, now, maxAgeMs });
  }

  get stats(): LastGoodStats {
    return this.cache.stats;
  }

  routesFor(tenant: string, context: string): Promise<CompiledRoute[]> {
    // A failed read with nothing read before is the caller's failure (and is not cached).
    return this.cache.get(`${tenant}#${context}`, () => this.read(tenant, context));
  }

  private async read(tenant: string, context: string): Promise<CompiledRoute[]> {
    const list = await this.routes.listContext(tenant, context);
    return list.flatMap((route) => {
      try {
        return [{ route, pattern: compilePattern(route.pattern) }];
      } catch {
        return []; // the model validates patterns; a bad one stored anyway is skipped, not fatal
      }
    });
  }
}
