import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { isCausedByInput, isDatabaseUnavailable } from '../db/errors.ts';
import { insertDeadLetter } from '../db/journal.ts';
import type { JournalWriter } from '../db/journal-group-commit.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import type { Metrics, WebhookOutcome } from '../metrics/metrics.ts';
import type { AdapterVerdict, OversizeBody, ProviderAdapter } from '../providers/adapter.ts';
import { redactText } from '../providers/redact.ts';
import type { Dispatcher } from '../temporal/dispatcher.ts';
import { overflowingRawBody } from './overflowing-body.ts';
import { sendProblem } from './problem.ts';

export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export interface WebhookRouteDeps {
  pool: Pool;
  journal: JournalWriter;
  dispatcher: Pick<Dispatcher, 'dispatchNow'>;
  logger: Logger;
  metrics?: Metrics | undefined;
}

/**
 * POST /webhooks/<provider>: verify → journal → acknowledge → dispatch. The ack waits only for the
 * journal commit; Temporal is reached after the answer, so its latency or absence never costs a
 * provider retry.
 */
export function webhookRoute(adapter: ProviderAdapter, deps: WebhookRouteDeps): Router {
  const router = express.Router();
  router.post(
    `/webhooks/${adapter.provider}`,
    (_req: Request, res: Response, next: NextFunction) => {
      // Registered before the body parser, so oversize (413) and unreadable bodies are counted too.
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const outcome = (res.locals.outcome as WebhookOutcome | undefined) ?? `status_${res.statusCode}`;
        deps.metrics?.webhook(adapter.provider, outcome, Number(process.hrtime.bigint() - started) / 1e9);
      });
      next();
    },
    adapter.readThroughBytes
      ? overflowingRawBody(adapter.maxBodyBytes ?? MAX_WEBHOOK_BYTES, adapter.readThroughBytes)
      : express.raw({ type: () => true, limit: adapter.maxBodyBytes ?? MAX_WEBHOOK_BYTES }),
    async (req: Request, res: Response) => {
      const log = deps.logger.child({ requestId: req.requestId, provider: adapter.provider });
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verdict = await judge(adapter, {
        rawBody,
        headers: req.headers,
        // req.ip honours the app's `trust proxy` setting (TRUST_PROXY): X-Forwarded-For only when told.
        remoteAddress: req.ip,
        method: req.method,
        target: req.originalUrl,
        ...(res.locals.oversize ? { oversize: res.locals.oversize as OversizeBody } : {}),
      });

      try {
        if (verdict.kind === 'rejected') {
          if (verdict.deadLetter) {
            await insertDeadLetter(deps.pool, adapter.provider, verdict.detail, verdict.deadLetter.body, req.requestId, verdict.deadLetter.authenticated ?? true);
          }
          log.info({ status: verdict.status, reason: verdict.title, deadLettered: Boolean(verdict.deadLetter) }, 'webhook rejected');
          if (verdict.status === 503) res.setHeader('retry-after', '30');
          sendProblem(res, verdict.status, verdict.title, verdict.detail, { requestId: req.requestId });
          return;
        }

        const items = verdict.items.map((item) => (item.kind === 'event' ? { ...item, event: { ...item.event, requestId: req.requestId } } : item));
        const journaled = await deps.journal.journal(adapter.provider, items, req.requestId);
        const events = journaled.fresh.length;
        log.info({ events, duplicates: journaled.duplicates, ignored: journaled.ignored, deadLettered: journaled.deadLettered }, 'webhook journaled');
        if (events === 0 && journaled.ignored === 0 && journaled.duplicates > 0) {
          res.locals.outcome = 'duplicate';
          res.status(200).json({ received: true, duplicate: true });
        } else if (events === 0 && journaled.ignored > 0) {
          res.locals.outcome = 'ignored';
          res.status(adapter.ignoredStatus ?? 202).json({ received: true, ignored: true });
        } else {
          res.locals.outcome = 'accepted';
          res.status(200).json({ received: true, events, duplicates: journaled.duplicates, deadLettered: journaled.deadLettered });
        }
        if (events > 0) deps.dispatcher.dispatchNow(journaled.fresh);
      } catch (error) {
        if (isDatabaseUnavailable(error)) {
          log.error({ err: (error as Error).message }, 'journal unavailable; asking the provider to retry');
          res.setHeader('retry-after', '30');
          sendProblem(res, 503, 'Journal unavailable', 'The webhook was not recorded; retry later.', { requestId: req.requestId });
          return;
        }
        if (isCausedByInput(error)) {
          log.info({ err: (error as Error).message }, 'webhook content could not be stored');
          sendProblem(res, 400, 'Webhook could not be stored', 'Its content holds values the journal cannot keep.', { requestId: req.requestId });
          return;
        }
        throw error;
      }
    },
  );
  return router;
}

/**
 * Adapters answer their own I/O failures with a verdict (503), except Postgres being unreachable
 * (the receipt ledger), which is a 503 as for the journal. Anything else they throw comes from the
 * input (JSON nested past the stack's depth, say): it is the client's problem, answered 400, and
 * kept scrubbed for inspection.
 */
async function judge(adapter: ProviderAdapter, webhook: Parameters<ProviderAdapter['receive']>[0]): Promise<AdapterVerdict> {
  try {
    return await adapter.receive(webhook);
  } catch (error) {
    if (isDatabaseUnavailable(error)) {
      return { kind: 'rejected', status: 503, title: 'Journal unavailable', detail: 'The webhook was not recorded; retry later.' };
    }
    return {
      kind: 'rejected',
      status: 400,
      title: 'Webhook could not be processed',
      detail: error instanceof Error ? error.message.slice(0, 200) : 'unprocessable input',
      deadLetter: { body: redactText(webhook.rawBody.toString('utf8'), adapter.secrets), authenticated: false },
    };
  }
}
