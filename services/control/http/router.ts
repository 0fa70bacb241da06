/**
 * A small router over path templates like `/v1/tenants/{tenant}/peers/{name}`: the same table
 * serves API Gateway (routes by the same templates) and the local adapter.
 */
import type { ApiRequest, ApiResponse } from './api-types.ts';

export type RouteHandler = (request: ApiRequest) => Promise<ApiResponse>;

interface CompiledRoute {
  method: string;
  template: string;
  pattern: RegExp;
  params: string[];
  handler: RouteHandler;
}

export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(method: string, template: string, handler: RouteHandler): this {
    const params: string[] = [];
    const pattern = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, (_m, name: string) => {
        params.push(name);
        return '([^/]+)';
      })}$`,
    );
    this.routes.push({ method, template, pattern, params, handler });
    return this;
  }

  /** The route for a method and path, with its decoded path parameters; or why there is none. */
  match(method: string, path: string): { handler: RouteHandler; params: Record<string, string>; template: string } | 'not-found' | 'method-not-allowed' {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (m === null) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.params.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1] ?? '')));
      return { handler: route.handler, params, template: route.template };
    }
    return pathMatched ? 'method-not-allowed' : 'not-found';
  }

  get templates(): Array<{ method: string; template: string }> {
    return this.routes.map(({ method, template }) => ({ method, template }));
  }
}
