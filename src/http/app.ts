import express, { type NextFunction, type Request, type Response } from 'express';
import type { TrustProxy } from '../config/network-config.ts';
import { isCausedByInput, isDatabaseUnavailable } from '../db/errors.ts';
import { createJournalWriter, type JournalWriter } from '../db/journal-group-commit.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { ProviderAdapter } from '../providers/adapter.ts';
import type { Dispatcher } from '../temporal/dispatcher.ts';
import { healthRoutes } from './health-routes.ts';
import { sendProblem } from './problem.ts';
import type { ConnectionsClient } from '../client/connections-client.ts';
import { actionRoutes } from './action-routes.ts';
import { attemptRoutes } from './attempt-routes.ts';
import { createAuthenticator, type AuthOptions } from './auth.ts';
import { codecRoutes, type CodecRouteOptions } from './codec-routes.ts';
import { metricsRoute } from './metrics-route.ts';
import { openApiDocument } from './openapi/document.ts';
import { readRoutes } from './read-routes.ts';
import { userRoutes } from './user-routes.ts';
import { userWorkflowsRoute } from './user-workflows-route.ts';
import type { CredentialCipher } from '../security/credential-cipher.ts';
import { requestId } from './request-id.ts';
import { webhookRoute } from './webhook-route.ts';

export interface AppDeps {
  pool: Pool;
  /** Journals deliveries before their ack; group-committed on the pool unless given. */
  journal?: JournalWriter;
  adapters: readonly ProviderAdapter[];
  dispatcher: Pick<Dispatcher, 'dispatchNow'>;
  auth: AuthOptions;
  metrics?: Metrics | undefined;
  /** A scraper of /metrics must send it as a bearer token, when set. */
  metricsToken?: string | undefined;
  /** Backend-driven workflows (attempts); absent in tests that only exercise the webhook path. */
  connections?: ConnectionsClient | undefined;
  /** Present when payloads are encrypted: the codec endpoint for the Web UI. */
  codec?: Omit<CodecRouteOptions, 'authenticate'> | undefined;
  logger: Logger;
  temporalReachable: () => Promise<void>;
  /** Which X-Forwarded-For entries name the client (TRUST_PROXY: hop count or the proxies' addresses). */
  trustProxy?: TrustProxy;
  /** Encrypts provider credentials backends register; without it they cannot be stored. */
  credentialCipher?: CredentialCipher | undefined;
  /** False until the schema is migrated (the process started before Postgres answered); absent: ready. */
  databaseReady?: () => boolean;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use(requestId);
  const databaseReady = deps.databaseReady ?? (() => true);
  app.use(healthRoutes({ pool: deps.pool, temporalReachable: deps.temporalReachable, databaseReady }));
  if (deps.metrics) app.use(metricsRoute(deps.metrics, deps.metricsToken));
  // Until the schema exists nothing but health and metrics can be answered; the provider retries a 503.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (databaseReady()) return next();
    res.setHeader('retry-after', '30');
    sendProblem(res, 503, 'Database unavailable', 'The service is starting and waits for its database.', { requestId: req.requestId });
  });
  const journal = deps.journal ?? createJournalWriter(deps.pool);
  for (const adapter of deps.adapters) app.use(webhookRoute(adapter, { ...deps, journal }));
  const authenticate = createAuthenticator(deps.auth);
  // Before the read routes: /connections/attempts/:id would otherwise read as /connections/:provider/:id.
  if (deps.connections) {
    app.use(attemptRoutes(deps.connections, authenticate), actionRoutes(deps.connections, deps.pool, authenticate), userWorkflowsRoute(deps.connections, authenticate));
  }
  app.use(readRoutes(deps.pool, authenticate));
  app.use(userRoutes(deps.pool, authenticate, deps.credentialCipher));
  if (deps.codec) app.use(codecRoutes({ ...deps.codec, authenticate: authenticate('ops:admin') }));

  // Built from the routes above on first request, so it describes exactly what this receiver serves.
  let contract: Record<string, unknown> | undefined;
  app.get('/openapi.json', (_req: Request, res: Response) => {
    contract ??= openApiDocument(app);
    res.json(contract);
  });

  app.use((_req: Request, res: Response) => sendProblem(res, 404, 'Not found'));
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    // body-parser marks what the client got wrong (oversize, bad encoding) with a 4xx status.
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const title = status === 413 ? 'Payload too large' : 'Bad request';
      const limit = (error as { limit?: unknown }).limit;
      const detail = status === 413 ? `Bodies here are limited to ${typeof limit === 'number' ? limit : 'a fixed number of'} bytes.` : (error as Error).message;
      sendProblem(res, status, title, detail, { requestId: req.requestId });
      return;
    }
    if (isCausedByInput(error)) {
      sendProblem(res, 400, 'Bad request', 'The request holds values that cannot be stored or looked up.', { requestId: req.requestId });
      return;
    }
    if (isDatabaseUnavailable(error)) {
      res.setHeader('retry-after', '30');
      sendProblem(res, 503, 'Database unavailable', undefined, { requestId: req.requestId });
      return;
    }
    deps.logger.error({ requestId: req.requestId, err: error instanceof Error ? error.message : String(error) }, 'unhandled error');
    sendProblem(res, 500, 'Internal error', undefined, { requestId: req.requestId });
  });
  return app;
}
