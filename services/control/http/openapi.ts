/**
 * The OpenAPI 3.1 document, generated from the route specs: the same zod schemas the router
 * validates requests with become the document's JSON Schemas (request schemas in their input
 * form, responses in their output form).
 */
import { z } from 'zod';
import { ErrorBody } from './api-schemas.ts';
import { pathParam } from './path-params.ts';
import type { RouteSpec } from './router.ts';

type Json = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): Json =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });

/** A path parameter's schema, as a parameter carries it (no `$schema` of its own). */
function paramSchema(name: string): Json {
  const { $schema: _dialect, ...schema } = jsonSchema(pathParam(name), 'input');
  return schema;
}

const ERROR_STATUSES: Record<string, string> = {
  '400': 'Invalid input: the error names the field',
  '401': 'No valid API key',
  '403': 'The key may not do this',
  '404': 'No such thing (or not this key\'s tenant\'s)',
  '409': 'A conflict: taken name, stale version, a limit, or a route to a peer the tenant does not have',
  '413': 'The request body is over 1 MiB',
  '428': 'If-Match is required',
  '500': 'Internal error (details are logged, never returned)',
};

export function buildOpenApi(specs: ReadonlyArray<RouteSpec<unknown, unknown>>, info: { title: string; version: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const errorResponse = { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  for (const spec of specs) {
    const parameters: Json[] = [...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: paramSchema(m[1] ?? '') }));
    if (spec.query !== undefined) {
      const query = jsonSchema(spec.query, 'input') as { properties?: Record<string, Json>; required?: string[] };
      for (const [name, schema] of Object.entries(query.properties ?? {})) parameters.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema });
    }
    for (const header of spec.headers ?? []) {
      parameters.push({ name: header.name, in: 'header', required: header.required, description: header.description, schema: { type: 'string', ...(header.pattern === undefined ? {} : { pattern: header.pattern }) } });
    }
    const operation: Json = {
      summary: spec.summary,
      operationId: `${spec.method.toLowerCase()}${spec.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      parameters,
      responses: {
        [String(spec.response.status)]: {
          description: spec.response.description,
          ...(spec.response.schema === undefined ? {} : { content: { 'application/json': { schema: jsonSchema(spec.response.schema, 'output') } } }),
        },
        ...Object.fromEntries(Object.entries(ERROR_STATUSES).map(([status, description]) => [status, { ...errorResponse, description }])),
      },
      ...(spec.public === true ? { security: [] } : {}),
      ...(spec.operatorOnly === true ? { description: 'Operator key only.' } : {}),
    };
    if (spec.body !== undefined) operation.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } };
    (paths[spec.path] ??= {})[spec.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key: stg_<tenant or op>_<secret>' } },
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
    },
  };
}
