import express, { type Router } from 'express';
import { readConnection, readUserConnections } from '../db/connection-reads.ts';
import type { Pool } from '../db/pool.ts';
import type { Authenticator } from './auth.ts';
import { sendProblem } from './problem.ts';

export function readRoutes(pool: Pool, authenticate: Authenticator): Router {
  const router = express.Router();
  const auth = authenticate('connections:read');

  router.get('/connections/:provider/:connectionId', auth, async (req, res) => {
    const { provider, connectionId } = req.params as { provider: string; connectionId: string };
    const connection = await readConnection(pool, provider, connectionId);
    if (!connection) {
      sendProblem(res, 404, 'Connection not found', `No ${provider} connection ${connectionId} is known.`);
      return;
    }
    res.json(connection);
  });

  router.get('/users/:provider/:userId/connections', auth, async (req, res) => {
    const { provider, userId } = req.params as { provider: string; userId: string };
    res.json({ connections: await readUserConnections(pool, provider, userId) });
  });

  return router;
}
