import { ApplicationFailure } from '@temporalio/activity';
import type { z } from 'zod';
import type { Alerter } from '../src/alerts/alerter.ts';
import type { Pool } from '../src/db/pool.ts';
import type { ConnectionEvent } from '../src/domain/connection-event.ts';
import type { ConnectionRef } from '../src/domain/connection-ref.ts';
import type { AlertKind } from '../src/domain/connection-state.ts';
import { alertNoticeSchema, maintenanceNoticeSchema, type MaintenanceNotice } from '../src/domain/provider-notice.ts';
import { recordMaintenanceHold } from '../src/holds/maintenance.ts';

export interface AlertActivityDeps {
  pool: Pool;
  alerter: Alerter;
}

/** One notice per announced window, however many events announce it. */
const maintenanceScope = (event: ConnectionEvent, notice: MaintenanceNotice) => `${event.provider}:${notice.startsAt}/${notice.endsAt}`;

/** Alerts about one connection are scoped to it, so each connection has at most one open per kind. */
const scopeOf = (ref: Pick<ConnectionRef, 'provider' | 'connectionId'>) => `${ref.provider}:${ref.connectionId}`;

/**
 * Ops alerts, about one connection or a whole provider (its notices, a maintenance hold included).
 * Each step is idempotent (the hold is keyed by its event, an alert is one open row per kind and
 * scope), so retries and repeated deliveries change nothing.
 */
export function createAlertActivities(deps: AlertActivityDeps) {
  return {
    async raiseConnectionAlert(ref: ConnectionRef, kind: AlertKind, message: string): Promise<void> {
      await deps.alerter.raise(kind, scopeOf(ref), message);
    },
    async resolveConnectionAlert(ref: ConnectionRef, kind: AlertKind): Promise<void> {
      await deps.alerter.resolve(kind, scopeOf(ref));
    },
    /**
     * Holds user prompts over the announced window and tells ops once. Returns when the window
     * ends (epoch ms), or null when it is already over: then there is nothing to tell.
     */
    async beginMaintenance(event: ConnectionEvent): Promise<number | null> {
      const notice = parse(maintenanceNoticeSchema, event);
      await recordMaintenanceHold(deps.pool, event.provider, event.eventId, notice);
      const endsAt = Date.parse(notice.endsAt);
      if (endsAt <= Date.now()) return null;
      const what = notice.description ? `: ${notice.description}` : '';
      await deps.alerter.raise(
        'provider_maintenance',
        maintenanceScope(event, notice),
        `maintenance from ${notice.startsAt} to ${notice.endsAt}${what}. User prompts and outage alerts are held until it ends.`,
        'info',
      );
      return endsAt;
    },
    async endMaintenance(event: ConnectionEvent): Promise<void> {
      await deps.alerter.resolve('provider_maintenance', maintenanceScope(event, parse(maintenanceNoticeSchema, event)));
    },
    /** At the provider's own level; one open alert per title, repeats only counted. */
    async raiseProviderAlert(event: ConnectionEvent): Promise<void> {
      const notice = parse(alertNoticeSchema, event);
      await deps.alerter.raise('provider_alert', `${event.provider}:${notice.title}`, `${notice.title}: ${notice.message}`, notice.level);
    },
  };
}

/** The adapter wrote this detail through the same schema; a mismatch is a bug no retry fixes. */
function parse<S extends z.ZodType>(schema: S, event: ConnectionEvent): z.infer<S> {
  const result = schema.safeParse(event.detail);
  if (!result.success) throw ApplicationFailure.nonRetryable(`${event.type} ${event.eventId} carries no notice`, 'InvalidProviderNotice');
  return result.data;
}

export type AlertActivities = ReturnType<typeof createAlertActivities>;
