import express, { type Router } from 'express';
import { z } from 'zod';
import type { ConnectionsClient } from '../client/connections-client.ts';
import { durationMs } from '../config/duration.ts';
import type { Authenticator } from './auth.ts';
import { identifier } from '../domain/connection-event.ts';
import { sendProblem } from './problem.ts';
import { providerName, userId, withInput } from './route-input.ts';

const startAttempt = z.object({
  body: z.object({ provider: providerName, userId, brokerage: identifier(256).optional() }),
});

const getAttempt = z.object({
  // Only decoded, never stored: a forged id of any sane length is simply not found (404).
  params: z.object({ attemptId: z.string().min(1).max(8192) }),
  query: z.object({ wait: durationMs.optional() }),
});

/** Long polls are capped so a client cannot hold a request open indefinitely. */
const MAX_WAIT_MS = 60_000;

/**
 * The redirect back from a provider's portal proves nothing; these routes let the app's redirect
 * page ask what the provider's webhooks said instead.
 */
export function attemptRoutes(connections: ConnectionsClient, authenticate: Authenticator): Router {
  const router = express.Router();

  router.post(
    '/connections/attempts',
    authenticate('connections:write'),
    express.json({ limit: '16kb' }),
    withInput(startAttempt, async ({ body }, _req, res) => {
      const attempt = await connections.startAttempt({ provider: body.provider, userId: body.userId, brokerageId: body.brokerage ?? null });
      res.status(202).location(`/connections/attempts/${attempt.attemptId}`).json(attempt);
    }),
  );

  router.get(
    '/connections/attempts/:attemptId',
    authenticate('connections:read'),
    withInput(getAttempt, async ({ params, query }, _req, res) => {
      const attempt = await connections.getAttempt(params.attemptId, Math.min(query.wait ?? 0, MAX_WAIT_MS));
      if (!attempt) return sendProblem(res, 404, 'Attempt not found');
      res.json(attempt);
    }),
  );

  return router;
}
