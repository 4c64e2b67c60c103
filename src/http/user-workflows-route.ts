import express, { type Router } from 'express';
import { z } from 'zod';
import type { ConnectionsClient } from '../client/connections-client.ts';
import type { Authenticator } from './auth.ts';
import { sendProblem } from './problem.ts';

const paramsSchema = z.object({
  provider: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a provider name such as snaptrade'),
  userId: z.string().min(1).max(256),
});

/**
 * GET /users/:provider/:userId/workflows: the user's workflows in Temporal, found by the UserId
 * search attribute, which holds a keyed hash of the id when payloads are encrypted; the caller
 * names the user by the id it knows.
 */
export function userWorkflowsRoute(connections: ConnectionsClient, authenticate: Authenticator): Router {
  const router = express.Router();
  router.get('/users/:provider/:userId/workflows', authenticate('connections:read'), async (req, res) => {
    const parsed = paramsSchema.safeParse(req.params);
    if (!parsed.success) return sendProblem(res, 400, 'Invalid user', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    res.json({ workflows: await connections.workflowsOfUser(parsed.data.provider, parsed.data.userId) });
  });
  return router;
}
