import type { Alerter } from '../src/alerts/alerter.ts';
import { saveBreakage } from '../src/db/connection-store.ts';
import type { Pool } from '../src/db/pool.ts';
import type { OutageDetector } from '../src/holds/outage-detector.ts';
import type { PromptGateService, PromptTarget } from '../src/holds/prompt-gate.ts';
import type { NotificationRequest } from '../src/notifications/notification.ts';
import type { Notifier } from '../src/notifications/notifier.ts';
import type { ProviderActionsRegistry } from '../src/providers/provider-actions.ts';
import type { AlertKind } from '../workflows/lifecycle.ts';
import { withProvider } from './provider-call.ts';
import type { LifecyclePolicy, PromptGate } from '../workflows/lifecycle-timers.ts';

export interface ReauthActivityDeps {
  pool: Pool;
  policy: LifecyclePolicy;
  promptGate: PromptGateService;
  outages: OutageDetector;
  notifier: Notifier;
  alerter: Alerter;
  providers: ProviderActionsRegistry;
}

export interface ConnectionRef {
  provider: string;
  connectionId: string;
  brokerageId: string | null;
  userId: string | null;
}

/** Alerts about one connection are scoped to it, so each connection has at most one open per kind. */
const scopeOf = (ref: Pick<ConnectionRef, 'provider' | 'connectionId'>) => `${ref.provider}:${ref.connectionId}`;

export function createReauthActivities(deps: ReauthActivityDeps) {
  return {
    /** The durations the lifecycle runs on, read once per workflow run from the worker's configuration. */
    async lifecyclePolicy(): Promise<LifecyclePolicy> {
      return deps.policy;
    },
    /** Whether a prompt to the user may go out now: maintenance, an outage, quiet hours. */
    async checkPromptGate(target: PromptTarget): Promise<PromptGate> {
      return { deferUntil: await deps.promptGate.deferUntil(target, Date.now()) };
    },
    /** Counts the breakage towards its brokerage, and opens an outage hold when there are too many. */
    async recordBreakage(ref: ConnectionRef, episode: number): Promise<void> {
      await saveBreakage(deps.pool, ref, episode);
      await deps.outages.evaluate(ref.provider, ref.brokerageId ?? '*', Date.now());
    },
    async sendNotification(request: NotificationRequest): Promise<{ notificationId: string; sent: string[] }> {
      return deps.notifier.send(request);
    },
    async raiseConnectionAlert(ref: ConnectionRef, kind: AlertKind, message: string): Promise<void> {
      await deps.alerter.raise(kind, scopeOf(ref), message);
    },
    async resolveConnectionAlert(ref: ConnectionRef, kind: AlertKind): Promise<void> {
      await deps.alerter.resolve(kind, scopeOf(ref));
    },
    /** Asks the provider, through its SDK, to sync again; false when it cannot be asked. */
    async requestProviderSync(ref: ConnectionRef): Promise<boolean> {
      return withProvider(deps.providers, ref, (actions) => actions.requestSync(ref));
    },
    /** Removes the connection at the provider through its SDK; false when it cannot be asked (no credentials). */
    async removeAtProvider(ref: ConnectionRef): Promise<boolean> {
      return withProvider(deps.providers, ref, (actions) => actions.removeConnection(ref));
    },
  };
}

export type ReauthActivities = ReturnType<typeof createReauthActivities>;

