import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import {
  ConnectionActionRefused,
  ConnectionActionUnavailable,
  ConnectionNotRunning,
  ProviderActionFailed,
  type ActionProgress,
  type ConnectionsClient,
} from '../client/connections-client.ts';
import { durationMs } from '../config/duration.ts';
import type { ConnectionAction } from '../domain/connection-actions.ts';
import type { Pool } from '../db/pool.ts';
import type { Authenticator } from './auth.ts';
import { sendProblem } from './problem.ts';
import { connectionId, providerName, withInput } from './route-input.ts';

const connectionAction = z.object({ params: z.object({ provider: providerName, connectionId }) });

const actionOutcome = z.object({
  // Only decoded, never stored: a forged id of any sane length is simply not found (404).
  params: z.object({ provider: providerName, connectionId, actionId: z.string().min(1).max(256) }),
  query: z.object({ wait: durationMs.optional() }),
});

/** A client asking for an outcome may wait, but not indefinitely. */
const MAX_WAIT_MS = 60_000;

/**
 * Actions on a connection, carried out by its workflow as Temporal updates. Each answer says what
 * happened: `409` only when the connection's state refuses the action, `502` when the provider
 * failed it, `501`/`424` when this deployment cannot ask the provider (no client, no credentials),
 * and `202` with a Location when the provider is still at it after ACTION_WAIT.
 */
export function actionRoutes(connections: ConnectionsClient, pool: Pool, authenticate: Authenticator): Router {
  const router = express.Router();

  async function fail(res: Response, error: unknown, provider: string, connectionId: string): Promise<void> {
    if (error instanceof ConnectionActionRefused) return sendProblem(res, 409, 'Not allowed in this state', error.message);
    if (error instanceof ProviderActionFailed) {
      return sendProblem(res, 502, 'The provider failed the call', error.message, { provider: error.provider, providerStatus: error.providerStatus });
    }
    if (error instanceof ConnectionActionUnavailable) {
      return error.reason === 'no-provider-client'
        ? sendProblem(res, 501, 'Not configured for this provider', error.message, { provider })
        : sendProblem(res, 424, 'Credentials missing', error.message, { provider });
    }
    if (!(error instanceof ConnectionNotRunning)) throw error;
    const { rows } = await pool.query<{ state: string }>(`SELECT state FROM connections WHERE provider = $1 AND connection_id = $2`, [provider, connectionId]);
    if (rows[0]) return sendProblem(res, 409, 'Not allowed in this state', `the connection is ${rows[0].state}`);
    sendProblem(res, 404, 'Connection not found', `No ${provider} connection ${connectionId} is known.`);
  }

  function answer(res: Response, progress: ActionProgress, provider: string, connectionId: string): void {
    if (progress.status === 'done') {
      res.json(progress.result);
      return;
    }
    const location = `/connections/${encodeURIComponent(provider)}/${encodeURIComponent(connectionId)}/actions/${progress.actionId}`;
    res.status(202).location(location).json({
      status: 'pending',
      actionId: progress.actionId,
      location,
      detail: `The provider has not answered yet; GET ${location}?wait=30s for the outcome.`,
    });
  }

  const act = (action: ConnectionAction) =>
    withInput(connectionAction, async ({ params: { provider, connectionId } }, _req, res) => {
      try {
        answer(res, await connections.startAction(action, provider, connectionId), provider, connectionId);
      } catch (error) {
        await fail(res, error, provider, connectionId);
      }
    });

  const write = authenticate('connections:write');
  router.post('/connections/:provider/:connectionId/refresh', write, act('refresh'));
  router.post('/connections/:provider/:connectionId/remind', write, act('remind'));
  router.delete('/connections/:provider/:connectionId', write, act('delete'));

  router.get(
    '/connections/:provider/:connectionId/actions/:actionId',
    authenticate('connections:read'),
    withInput(actionOutcome, async ({ params: { provider, connectionId, actionId }, query }, _req, res) => {
      try {
        const progress = await connections.actionProgress(provider, connectionId, actionId, Math.min(query.wait ?? 0, MAX_WAIT_MS));
        if (!progress) return sendProblem(res, 404, 'Action not found', `No action ${actionId} on ${provider} connection ${connectionId}.`);
        answer(res, progress, provider, connectionId);
      } catch (error) {
        await fail(res, error, provider, connectionId);
      }
    }),
  );
  return router;
}
