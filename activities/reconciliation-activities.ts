import { activityInfo, ApplicationFailure, heartbeat, sleep } from '@temporalio/activity';
import type { Alerter } from '../src/alerts/alerter.ts';
import type { PendingDispatch } from '../src/db/journal.ts';
import type { Pool } from '../src/db/pool.ts';
import { beginRun, finishRun, heldConnections, journalCorrections, recordPage, usersToReconcile } from '../src/db/reconciliation-store.ts';
import { canonicalNow } from '../src/domain/instant.ts';
import { missingFromListing, reconcileUser, type ReconciliationRun } from '../src/domain/reconciliation.ts';
import type { Logger } from '../src/logger.ts';
import type { ConnectionListing, ConnectionListings, Pace } from '../src/providers/connection-listing.ts';
import { ProviderCallFailed } from '../src/providers/provider-actions.ts';

export interface ReconciliationActivityDeps {
  pool: Pool;
  logger: Logger;
  alerter: Alerter;
  listings: ConnectionListings;
  /** Signals a journaled correction to its workflow, as the receiver does after a webhook's ack. */
  deliver(item: PendingDispatch): Promise<boolean>;
}

export interface PageInput {
  provider: string;
  runId: string;
  /** The last user id of the previous page ('' for the first). */
  after: string;
  pageSize: number;
  maxRps: number;
  /** Epoch ms before which no call may start: the pace carries over from page to page. */
  notBefore: number;
}

export interface PageResult {
  checked: number;
  failed: number;
  corrections: number;
  last: string;
  done: boolean;
  notBefore: number;
}

/** What a retried attempt of the page resumes from: heartbeats carry it. */
interface Progress {
  cursor: string;
  checked: number;
  failed: number;
  corrections: number;
  notBefore: number;
}

/** This many users in a row failing with errors a retry may fix is the provider failing, not its users. */
const PROVIDER_DOWN_AFTER = 3;

const unavailable = (provider: string) => ['reconciliation_provider_unavailable', provider] as const;
const incomplete = (provider: string) => ['reconciliation_incomplete', provider] as const;

/**
 * Reconciliation: pages of users compared with what the provider's API lists, every call paced to
 * the configured rate. Corrections go through the journal and the dispatch a webhook takes.
 */
export function createReconciliationActivities(deps: ReconciliationActivityDeps) {
  const { pool, logger, alerter } = deps;

  function listingFor(provider: string): ConnectionListing {
    const listing = deps.listings[provider];
    if (!listing) throw ApplicationFailure.nonRetryable(`no API client configured for ${provider}`, 'NoProviderClient');
    return listing;
  }

  return {
    /** The run's row, keyed by the workflow's first run id: a retried activity finds the same. */
    async beginReconciliationRun(provider: string, workflow: { workflowId: string; firstRunId: string }): Promise<string> {
      return beginRun(pool, provider, workflow);
    },

    async reconcilePage(input: PageInput): Promise<PageResult> {
      const listing = listingFor(input.provider);
      const requestId = `reconciliation-${input.runId}`;
      let progress: Progress = (activityInfo().heartbeatDetails as Progress | undefined) ?? {
        cursor: input.after,
        checked: 0,
        failed: 0,
        corrections: 0,
        notBefore: input.notBefore,
      };
      const intervalMs = 1000 / input.maxRps;
      const pace: Pace = async () => {
        const wait = progress.notBefore - Date.now();
        if (wait > 0) {
          heartbeat(progress);
          await sleep(wait);
        }
        progress = { ...progress, notBefore: Math.max(Date.now(), progress.notBefore) + intervalMs };
      };

      const page = await usersToReconcile(pool, input.provider, input.after, input.pageSize);
      const users = page.filter((userId) => userId > progress.cursor);
      // Users failing with errors a retry may fix, not yet counted: if the provider is down, the
      // retried page asks them again; if the next user works, they count as failed.
      let unsettled = 0;
      let attempted = 0;
      const settle = (userId: string, change: Partial<Pick<Progress, 'checked' | 'failed' | 'corrections'>>) => {
        progress = {
          ...progress,
          cursor: userId,
          checked: progress.checked + (change.checked ?? 0),
          failed: progress.failed + unsettled + (change.failed ?? 0),
          corrections: progress.corrections + (change.corrections ?? 0),
        };
        unsettled = 0;
        heartbeat(progress);
      };
      const providerDown = async (error: ProviderCallFailed): Promise<never> => {
        heartbeat(progress);
        await alerter.raise(...unavailable(input.provider), `reconciliation cannot reach the ${input.provider} API (${error.message}); retrying with backoff`);
        throw ApplicationFailure.retryable(`${input.provider} API unavailable: ${error.message}`, 'ProviderUnavailable');
      };

      for (const userId of users) {
        attempted += 1;
        try {
          settle(userId, { checked: 1, corrections: await reconcileOne(listing, input.provider, userId, pace, input.runId, requestId) });
        } catch (error) {
          if (!(error instanceof ProviderCallFailed)) throw error;
          logger.warn({ provider: input.provider, userId, err: error.message }, 'reconciliation could not check a user');
          if (!error.retryable) settle(userId, { failed: 1 });
          else if (++unsettled >= PROVIDER_DOWN_AFTER) await providerDown(error);
        }
      }
      const last = page.at(-1) ?? input.after;
      if (unsettled > 0) {
        if (unsettled === attempted) await providerDown(new ProviderCallFailed(`${unsettled} calls failed`, true));
        settle(last, {});
      }
      await alerter.resolve(...unavailable(input.provider));

      await recordPage(pool, input.runId, { after: input.after, last, checked: progress.checked, failed: progress.failed });
      return { checked: progress.checked, failed: progress.failed, corrections: progress.corrections, last, done: page.length < input.pageSize, notBefore: progress.notBefore };
    },

    async finishReconciliationRun(runId: string): Promise<ReconciliationRun> {
      const run = await finishRun(pool, runId);
      if (run.usersFailed > 0) {
        await alerter.raise(...incomplete(run.provider), `${run.usersFailed} of ${run.usersChecked + run.usersFailed} users could not be checked (see the worker's logs)`, 'warning');
      } else {
        await alerter.resolve(...incomplete(run.provider));
      }
      logger.info({ ...run }, 'reconciliation run finished');
      return run;
    },
  };

  /**
   * One user: Postgres is read before the provider is asked, so a connection added in between is
   * listed by the provider rather than taken for deleted. Returns the corrections journaled.
   */
  async function reconcileOne(listing: ConnectionListing, provider: string, userId: string, pace: Pace, runId: string, requestId: string): Promise<number> {
    const held = await heldConnections(pool, provider, userId);
    const observedAt = canonicalNow();
    const listed = await listing.list(userId, pace);
    if (listed === null) throw new ProviderCallFailed(`${provider}: no credentials for the user any more`, false);
    const confirmedGone = new Set<string>();
    for (const connectionId of missingFromListing(held, listed)) {
      if (!(await listing.exists(userId, connectionId, pace))) confirmedGone.add(connectionId);
    }
    const corrections = reconcileUser({ provider, userId, held, listed, confirmedGone, observedAt }).map((c) => ({ ...c, event: { ...c.event, requestId } }));
    const fresh = await journalCorrections(pool, runId, provider, corrections, requestId);
    for (const item of fresh) {
      await deps.deliver(item);
      logger.info({ requestId, provider, userId, connectionId: item.event.connectionId, type: item.event.type, eventId: item.event.eventId }, 'reconciliation correction');
    }
    return fresh.length;
  }
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
