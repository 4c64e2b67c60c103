import express, { type Router } from 'express';
import { z } from 'zod';
import { ConnectionActionRefused, ConnectionNotRunning, type ConnectionsClient } from '../client/connections-client.ts';
import type { Pool } from '../db/pool.ts';
import type { Authenticator } from './auth.ts';
import { sendProblem } from './problem.ts';
import { connectionId, providerName, withInput } from './route-input.ts';

const connectionAction = z.object({ params: z.object({ provider: providerName, connectionId }) });

/**
 * Actions on a connection, carried out by its workflow as Temporal updates: the workflow's
 * validator decides whether the state allows them, and a refusal is a 409 with its reason.
 */
export function actionRoutes(connections: ConnectionsClient, pool: Pool, authenticate: Authenticator): Router {
  const router = express.Router();
  const write = authenticate('connections:write');

  const act = (action: (provider: string, connectionId: string) => Promise<unknown>) =>
    withInput(connectionAction, async ({ params: { provider, connectionId } }, _req, res) => {
      try {
        res.json(await action(provider, connectionId));
      } catch (error) {
        if (error instanceof ConnectionActionRefused) return sendProblem(res, 409, 'Not allowed in this state', error.message);
        if (!(error instanceof ConnectionNotRunning)) throw error;
        const { rows } = await pool.query<{ state: string }>(`SELECT state FROM connections WHERE provider = $1 AND connection_id = $2`, [provider, connectionId]);
        if (rows[0]) return sendProblem(res, 409, 'Not allowed in this state', `the connection is ${rows[0].state}`);
        sendProblem(res, 404, 'Connection not found', `No ${provider} connection ${connectionId} is known.`);
      }
    });

  router.post('/connections/:provider/:connectionId/refresh', write, act((p, c) => connections.refresh(p, c)));
  router.post('/connections/:provider/:connectionId/remind', write, act((p, c) => connections.remind(p, c)));
  router.delete('/connections/:provider/:connectionId', write, act((p, c) => connections.delete(p, c)));
  return router;
}
