import type { z } from 'zod';

/** What a route reads, as one zod object of `params`, `query` and `body` (each optional). */
export type RouteInputSchema = z.ZodType<{ params?: unknown; query?: unknown; body?: unknown }>;

/**
 * The handlers and middleware of the live router carry what the OpenAPI document says about them:
 * the schema a handler validates its input with, the scope an authenticator demands. Recorded
 * where the route is built, so the document cannot describe a schema the route does not use.
 */
const inputs = new WeakMap<object, RouteInputSchema>();
const scopes = new WeakMap<object, string>();

export function documentInput<H extends object>(handler: H, schema: RouteInputSchema): H {
  inputs.set(handler, schema);
  return handler;
}

export function documentScope<H extends object>(middleware: H, scope: string): H {
  scopes.set(middleware, scope);
  return middleware;
}

export const inputSchemaOf = (handler: object): RouteInputSchema | undefined => inputs.get(handler);
export const scopeOf = (middleware: object): string | undefined => scopes.get(middleware);
