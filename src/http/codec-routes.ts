import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { documentScope, scopeOf } from './openapi/route-registry.ts';
import { sendProblem } from './problem.ts';

export const jsonPayloads = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).default({}), data: z.string().default('') })).max(1000),
});
type JsonPayloads = z.infer<typeof jsonPayloads>;

export interface CodecRouteOptions {
  codec: PayloadCodec;
  /** The Web UI's origin: allowed by CORS, and trusted without a token when `trustUiOrigin`. */
  uiOrigin: string;
  /** Only the embedded dev stack, whose UI listens on loopback, sets this. */
  trustUiOrigin: boolean;
  authenticate: (req: Request, res: Response, next: NextFunction) => void;
}

/**
 * Temporal's codec-server protocol, so the Web UI shows decrypted payloads to operators allowed
 * to see them; everyone else with UI access sees ciphertext.
 */
export function codecRoutes(options: CodecRouteOptions): Router {
  const router = express.Router();
  const cors = (req: Request, res: Response, next: NextFunction) => {
    if (req.header('origin') === options.uiOrigin) {
      res.setHeader('access-control-allow-origin', options.uiOrigin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      res.setHeader('vary', 'origin');
    }
    if (req.method === 'OPTIONS') return void res.status(204).end();
    next();
  };
  const guard = (req: Request, res: Response, next: NextFunction) => {
    if (options.trustUiOrigin && req.header('origin') === options.uiOrigin) return next();
    options.authenticate(req, res, next);
  };
  // The guard demands what its authenticator demands; the OpenAPI document says so.
  const scope = scopeOf(options.authenticate);
  if (scope) documentScope(guard, scope);

  for (const direction of ['decode', 'encode'] as const) {
    router.options(`/codec/${direction}`, cors);
    router.post(`/codec/${direction}`, cors, guard, express.json({ limit: '4mb' }), async (req, res) => {
      const parsed = jsonPayloads.safeParse(req.body);
      if (!parsed.success) return sendProblem(res, 400, 'Not a payloads document', parsed.error.issues[0]?.message);
      try {
        const result = await options.codec[direction](parsed.data.payloads.map(fromJson));
        res.json({ payloads: result.map(toJson) });
      } catch (error) {
        sendProblem(res, 400, `Payloads could not be ${direction}d`, error instanceof Error ? error.message : undefined);
      }
    });
  }
  return router;
}

function fromJson(payload: JsonPayloads['payloads'][number]): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data, 'base64'),
  };
}

function toJson(payload: Payload) {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? []).toString('base64')])),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
}
