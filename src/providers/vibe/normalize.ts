import type { AlertLevel } from '../../domain/alert-level.ts';
import type { ConnectionEvent } from '../../domain/connection-event.ts';
import { toCanonicalInstant } from '../../domain/instant.ts';
import type { AlertNotice, MaintenanceNotice } from '../../domain/provider-notice.ts';
import type { DeliveryItem } from '../adapter.ts';
import type { VibeEvent } from './schemas.ts';

/** Vibe's alert levels in ours; a level it adds later is worth a look, not a page. */
const levels: Readonly<Record<string, AlertLevel>> = {
  info: 'info',
  notice: 'info',
  warning: 'warning',
  warn: 'warning',
  error: 'error',
  critical: 'critical',
  emergency: 'critical',
};

/**
 * One Vibe event → one delivery item on the configured account's connection. Orders, positions
 * and balances are activity on it, kept as ids and statuses only (amounts have no business in the
 * timeline); system events are provider-wide notices that arrive on it.
 */
export function vibeItem(vibe: VibeEvent, accountId: string, eventId: string): DeliveryItem {
  const occurredAt = toCanonicalInstant(vibe.timestamp);
  if (!occurredAt) return malformed(vibe, 'timestamp: not an ISO 8601 instant with an offset');
  const event = (type: ConnectionEvent['type'], detail: ConnectionEvent['detail']): DeliveryItem => ({
    kind: 'event',
    event: { provider: 'vibe', eventId, type, occurredAt, userId: accountId, connectionId: accountId, accountId, detail: { ...detail, providerEventType: vibe.event } },
  });

  switch (vibe.event) {
    case 'order.created':
    case 'order.updated':
    case 'order.cancelled':
      return event('connection.updated', { objectId: vibe.data.orderId, status: vibe.data.status });
    case 'position.opened':
    case 'position.updated':
    case 'position.closed':
      return event('connection.updated', { symbol: vibe.data.symbol });
    case 'account.balance_updated':
      return event('connection.updated', { asset: vibe.data.asset });
    case 'account.deposit_received':
    case 'account.withdrawal_processed':
      return event('connection.updated', { objectId: vibe.data.transactionId, asset: vibe.data.asset, status: vibe.data.status ?? null });
    case 'system.maintenance': {
      const startsAt = toCanonicalInstant(vibe.data.startTime);
      const endsAt = toCanonicalInstant(vibe.data.endTime);
      if (!startsAt || !endsAt) return malformed(vibe, 'data.startTime, data.endTime: not ISO 8601 instants with an offset');
      if (endsAt <= startsAt) return malformed(vibe, 'data.endTime: not after data.startTime');
      const notice: MaintenanceNotice = { providerEventType: vibe.event, startsAt, endsAt, description: vibe.data.description?.slice(0, 1000) ?? null };
      return event('provider.maintenance_scheduled', notice);
    }
    case 'system.alert': {
      const notice: AlertNotice = {
        providerEventType: vibe.event,
        level: Object.hasOwn(levels, vibe.data.level.toLowerCase()) ? levels[vibe.data.level.toLowerCase()]! : 'warning',
        title: vibe.data.title.slice(0, 200),
        message: vibe.data.message.slice(0, 2000),
      };
      return event('provider.alert', notice);
    }
  }
}

function malformed(vibe: VibeEvent, reason: string): DeliveryItem {
  return { kind: 'malformed', reason: `${vibe.event}: ${reason}`, body: vibe };
}
