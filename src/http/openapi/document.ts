import type { Express } from 'express';
import { z } from 'zod';
import { operations, type Answer, type Operation } from './operations.ts';
import { problemSchema } from './responses.ts';
import { inputSchemaOf, scopeOf, type RouteInputSchema } from './route-registry.ts';

/** A route as Express holds it: one path, one method. */
export interface LiveRoute {
  method: string;
  path: string;
  handlers: readonly object[];
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean>; stack: { handle: object }[] };
  handle: { stack?: Layer[] };
  slash?: boolean;
}

/** Every route of the app, walking its router and the routers mounted on it (all at the root). */
export function liveRoutes(app: Express): LiveRoute[] {
  const walk = (stack: readonly Layer[]): LiveRoute[] =>
    stack.flatMap((layer) => {
      if (layer.route) {
        const { path, methods, stack: handlers } = layer.route;
        return Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path, handlers: handlers.map((h) => h.handle) }));
      }
      if (!layer.handle.stack) return [];
      if (!layer.slash) throw new Error('a router mounted below the root: its routes’ paths would be wrong in the document');
      return walk(layer.handle.stack);
    });
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
}

/** The contract's version: raised when a change could break a backend or a provider integration. */
export const API_VERSION = '1.0.0';

export const operationKey = (route: Pick<LiveRoute, 'method' | 'path'>) => `${route.method} ${route.path}`;

const jsonSchema = (schema: z.ZodType): Record<string, unknown> => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

/** The OpenAPI 3.1 document of the routes `app` serves, from the schemas they validate with. */
export function openApiDocument(app: Express): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of liveRoutes(app)) {
    const operation = operations[operationKey(route)];
    if (!operation) continue;
    const template = route.path.replace(/:(\w+)/g, '{$1}');
    paths[template] = { ...paths[template], [route.method.toLowerCase()]: describe(route, operation) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Connection lifecycle orchestrator',
      version: API_VERSION,
      description: 'Provider webhooks in; connection state, attempts and actions out. Errors are RFC 9457 problem details.',
    },
    tags: [
      { name: 'webhooks', description: 'What providers call; each authenticates as the provider does.' },
      { name: 'connections', description: 'Connections and attempts, for the app’s backend.' },
      { name: 'users', description: 'What backends register about their users.' },
      { name: 'operations', description: 'Health, metrics, this document, the Temporal codec.' },
    ],
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      schemas: { Problem: jsonSchema(problemSchema) },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API_TOKEN, or a JWT whose scope claim grants the route’s scope' } },
    },
  };
}

function describe(route: LiveRoute, operation: Operation): Record<string, unknown> {
  const input = route.handlers.map(inputSchemaOf).find((schema): schema is RouteInputSchema => schema !== undefined);
  const scope = route.handlers.map(scopeOf).find((found) => found !== undefined);
  const shape = input && 'shape' in input ? (input.shape as Record<string, z.ZodType | undefined>) : {};
  const bodySchema = shape.body ?? operation.requestBody?.schema;
  const parameters = [
    ...[...route.path.matchAll(/:(\w+)/g)].map(([, name]) => ({ name: name!, in: 'path', required: true, schema: fieldSchema(shape.params, name!) ?? { type: 'string' } })),
    ...Object.keys(objectShape(shape.query)).map((name) => ({ name, in: 'query', required: false, schema: fieldSchema(shape.query, name) })),
  ];
  const example = operation.example;
  return {
    tags: [operation.tag],
    summary: operation.summary,
    ...(operation.description || scope ? { description: [operation.description, scope && `Scope: \`${scope}\`.`].filter(Boolean).join(' ') } : {}),
    operationId: operationKey(route).toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, ''),
    ...(scope ? { security: [{ bearer: [] }], 'x-scope': scope } : {}),
    ...(parameters.length > 0 ? { parameters: parameters.map((p) => ({ ...p, ...(example?.params?.[p.name] ?? example?.query?.[p.name] ? { example: example?.params?.[p.name] ?? example?.query?.[p.name] } : {}) })) } : {}),
    ...(bodySchema
      ? {
          requestBody: {
            required: true,
            ...(operation.requestBody?.description ? { description: operation.requestBody.description } : {}),
            content: { 'application/json': { schema: jsonSchema(bodySchema), ...(example?.body !== undefined ? { example: example.body } : {}) } },
          },
        }
      : {}),
    responses: Object.fromEntries(Object.entries(operation.responses).map(([status, answer]) => [status, response(answer)])),
  };
}

function response(answer: Answer): Record<string, unknown> {
  if ('problem' in answer) return { description: answer.description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  if (!answer.schema) return { description: answer.description };
  return { description: answer.description, content: { [answer.contentType ?? 'application/json']: { schema: jsonSchema(answer.schema) } } };
}

function objectShape(schema: z.ZodType | undefined): Record<string, z.ZodType> {
  return schema && 'shape' in schema ? (schema.shape as Record<string, z.ZodType>) : {};
}

function fieldSchema(schema: z.ZodType | undefined, name: string): Record<string, unknown> | undefined {
  const field = objectShape(schema)[name];
  return field ? jsonSchema(field) : undefined;
}
