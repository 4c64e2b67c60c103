import express, { type Router } from 'express';
import { z } from 'zod';
import type { ConnectionsClient } from '../client/connections-client.ts';
import type { Authenticator } from './auth.ts';
import { providerName, userId, withInput } from './route-input.ts';

const getUserWorkflows = z.object({ params: z.object({ provider: providerName, userId }) });

/**
 * GET /users/:provider/:userId/workflows: the user's workflows in Temporal, found by the UserId
 * search attribute, which holds a keyed hash of the id when payloads are encrypted; the caller
 * names the user by the id it knows.
 */
export function userWorkflowsRoute(connections: ConnectionsClient, authenticate: Authenticator): Router {
  const router = express.Router();
  router.get(
    '/users/:provider/:userId/workflows',
    authenticate('connections:read'),
    withInput(getUserWorkflows, async ({ params }, _req, res) => {
      res.json({ workflows: await connections.workflowsOfUser(params.provider, params.userId) });
    }),
  );
  return router;
}
