import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { identifier } from '../domain/connection-event.ts';
import { documentInput } from './openapi/route-registry.ts';
import { sendProblem } from './problem.ts';

/**
 * Path and body fields are bounded and well-formed before anything looks them up: ids the way
 * events carry them (no U+0000, no lone surrogate, short enough for an index entry and a
 * workflow id), so client input is a 400, never a 500 from Postgres or Temporal.
 */
export const providerName = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a provider name such as snaptrade');
export const userId = identifier(256);
export const connectionId = identifier(256);

/** One schema per route over what it reads: `params`, `query`, `body`. */
export type RouteSchema = z.ZodType<{ params?: unknown; query?: unknown; body?: unknown }>;

/**
 * Parses the request against the route's schema; a mismatch is a 400 problem naming each field.
 * The handler gets the parsed, typed input.
 */
export function withInput<S extends RouteSchema>(
  schema: S,
  handler: (input: z.infer<S>, req: Request, res: Response) => Promise<unknown> | unknown,
): RequestHandler {
  // The OpenAPI document reads the route's parameters and body from this same schema.
  return documentInput(async (req: Request, res: Response, next: NextFunction) => {
    const parsed = schema.safeParse({ params: req.params, query: req.query, body: req.body ?? {} });
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ');
      sendProblem(res, 400, 'Invalid request', detail, { requestId: req.requestId });
      return;
    }
    try {
      await handler(parsed.data, req, res);
    } catch (error) {
      next(error);
    }
  }, schema);
}
