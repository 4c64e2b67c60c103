import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { constantTimeEqual } from '../providers/constant-time.ts';
import { sendProblem } from './problem.ts';

export const jsonPayloads = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).default({}), data: z.string().default('') })).max(1000),
});
type JsonPayloads = z.infer<typeof jsonPayloads>;

export interface CodecRouteOptions {
  codec: PayloadCodec;
  /** The Web UI's origin, allowed by CORS. An Origin header proves nothing: any local process can send one. */
  uiOrigin: string;
  /** TEMPORAL_CODEC_URL_TOKEN: the codec is also served at /codec/<token>/…, for a UI that cannot send a bearer. */
  urlToken?: string | undefined;
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
  const tokenInPath = (req: Request, res: Response, next: NextFunction) => {
    if (options.urlToken && constantTimeEqual(String(req.params.token), options.urlToken)) return next();
    sendProblem(res, 401, 'Unauthorized', 'Not a codec URL this receiver serves.');
  };

  for (const direction of ['decode', 'encode'] as const) {
    const serve = async (req: Request, res: Response) => {
      const parsed = jsonPayloads.safeParse(req.body);
      if (!parsed.success) return sendProblem(res, 400, 'Not a payloads document', parsed.error.issues[0]?.message);
      try {
        const result = await options.codec[direction](parsed.data.payloads.map(fromJson));
        res.json({ payloads: result.map(toJson) });
      } catch (error) {
        sendProblem(res, 400, `Payloads could not be ${direction}d`, error instanceof Error ? error.message : undefined);
      }
    };
    router.options(`/codec/${direction}`, cors);
    router.post(`/codec/${direction}`, cors, options.authenticate, express.json({ limit: '4mb' }), serve);
    if (options.urlToken) {
      router.options(`/codec/:token/${direction}`, cors);
      router.post(`/codec/:token/${direction}`, cors, tokenInPath, express.json({ limit: '4mb' }), serve);
    }
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
