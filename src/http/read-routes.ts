import express, { type Router } from 'express';
import { readConnection, readUserConnections } from '../db/connection-reads.ts';
import type { Pool } from '../db/pool.ts';
import type { Authenticator } from './auth.ts';
import { z } from 'zod';
import { sendProblem } from './problem.ts';
import { connectionId, providerName, userId, withInput } from './route-input.ts';

const getConnection = z.object({ params: z.object({ provider: providerName, connectionId }) });
const getUserConnections = z.object({ params: z.object({ provider: providerName, userId }) });

export function readRoutes(pool: Pool, authenticate: Authenticator): Router {
  const router = express.Router();
  const auth = authenticate('connections:read');

  router.get(
    '/connections/:provider/:connectionId',
    auth,
    withInput(getConnection, async ({ params }, _req, res) => {
      const connection = await readConnection(pool, params.provider, params.connectionId);
      if (!connection) return sendProblem(res, 404, 'Connection not found', `No ${params.provider} connection ${params.connectionId} is known.`);
      res.json(connection);
    }),
  );

  router.get(
    '/users/:provider/:userId/connections',
    auth,
    withInput(getUserConnections, async ({ params }, _req, res) => {
      res.json({ connections: await readUserConnections(pool, params.provider, params.userId) });
    }),
  );

  return router;
}
