/**
 * A tenant context's routes, compiled, cached for a few seconds: routing a call must not read
 * the table for every NEW, and a route change reaches every worker within `maxAgeMs`.
 */
import type { RouteConfig } from '../../../shared/model/route.ts';
import type { RoutesTable } from '../../../shared/store/routes-table.ts';
import { compilePattern, type CompiledPattern } from './extension-pattern.ts';

export interface CompiledRoute {
  route: RouteConfig;
  pattern: CompiledPattern;
}

export class RouteCache {
  private readonly entries = new Map<string, { at: number; routes: Promise<CompiledRoute[]> }>();

  constructor(
    private readonly routes: Pick<RoutesTable, 'listContext'>,
    private readonly now: () => number = Date.now,
    private readonly maxAgeMs = 5000,
  ) {}

  routesFor(tenant: string, context: string): Promise<CompiledRoute[]> {
    const key = `${tenant}#${context}`;
    const cached = this.entries.get(key);
    if (cached !== undefined && this.now() - cached.at < this.maxAgeMs) return cached.routes;
    const routes = this.routes.listContext(tenant, context).then((list) =>
      list.flatMap((route) => {
        try {
          return [{ route, pattern: compilePattern(route.pattern) }];
        } catch {
          return []; // the model validates patterns; a bad one stored anyway is skipped, not fatal
        }
      }),
    );
    // A failed read is not cached.
    routes.catch(() => this.entries.delete(key));
    this.entries.set(key, { at: this.now(), routes });
    return routes;
  }
}
