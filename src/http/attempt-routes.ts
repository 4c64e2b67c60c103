import express, { type Router } from 'express';
import { z } from 'zod';
import type { ConnectionsClient } from '../client/connections-client.ts';
import { durationMs } from '../config/duration.ts';
import type { Authenticator } from './auth.ts';
import { sendProblem } from './problem.ts';

const startSchema = z.object({
  provider: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a provider name such as snaptrade'),
  userId: z.string().min(1).max(256),
  brokerage: z.string().min(1).max(256).optional(),
});

/** Long polls are capped so a client cannot hold a request open indefinitely. */
const MAX_WAIT_MS = 60_000;

/**
 * The redirect back from a provider's portal proves nothing; these routes let the app's redirect
 * page ask what the provider's webhooks said instead.
 */
export function attemptRoutes(connections: ConnectionsClient, authenticate: Authenticator): Router {
  const router = express.Router();

  router.post('/connections/attempts', authenticate('connections:write'), express.json({ limit: '16kb' }), async (req, res) => {
    const parsed = startSchema.safeParse(req.body ?? {});
    if (!parsed.success) return sendProblem(res, 400, 'Invalid attempt', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const attempt = await connections.startAttempt({ provider: parsed.data.provider, userId: parsed.data.userId, brokerageId: parsed.data.brokerage ?? null });
    res.status(202).location(`/connections/attempts/${attempt.attemptId}`).json(attempt);
  });

  router.get('/connections/attempts/:attemptId', authenticate('connections:read'), async (req, res) => {
    const wait = req.query.wait === undefined ? { success: true as const, data: 0 } : durationMs.safeParse(String(req.query.wait));
    if (!wait.success) return sendProblem(res, 400, 'Invalid wait', 'wait is a duration such as 20s');
    const attempt = await connections.getAttempt(String(req.params.attemptId), Math.min(wait.data, MAX_WAIT_MS));
    if (!attempt) return sendProblem(res, 404, 'Attempt not found');
    res.json(attempt);
  });

  return router;
}
