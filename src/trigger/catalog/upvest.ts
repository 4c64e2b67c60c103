import { randomUUID } from 'node:crypto';
import type { ConnectionEventType } from '../../domain/connection-event.ts';
import { upvestStatusTable } from '../../providers/upvest/lifecycle-map.ts';
import type { EventTemplate, Subject } from '../event-template.ts';

/** A fixed subscription id: every dev delivery comes from the same pretend subscription. */
const DEV_WEBHOOK_ID = '00000000-0000-4000-8000-00000000d3e5';

/** Activity categories have open-ended types; these are the ones a developer most likely wants. */
const activityTypes = ['ORDER.CREATED', 'ORDER.FILLED', 'ORDER.CANCELLED', 'EXECUTION.SETTLED', 'POSITION.UPDATED', 'CASH_BALANCE.UPDATED'];

const shortName = (type: string) => type.toLowerCase().replace(/[._]/g, '-');

const effects: Readonly<Partial<Record<ConnectionEventType, string>>> = {
  'connection.attempted': 'onboarding step (stays connecting)',
  'connection.added': 'connection → active',
  'connection.broken': 'connection → broken',
  'connection.updated': 'activity (implies active)',
  'connection.deleted': 'connection → deleted (terminal)',
};

/** Users are connections of their own; accounts, and what happens on them, belong to the account. */
function objectOf(type: string, subject: Subject): { object: Record<string, unknown>; connectionId: string } {
  const category = type.split('.')[0];
  if (category === 'USER') return { object: { id: subject.user }, connectionId: subject.user };
  if (category === 'USER_CHECK') return { object: { id: randomUUID(), user_id: subject.user }, connectionId: subject.user };
  if (category === 'ACCOUNT') return { object: { id: subject.connection, user_id: subject.user }, connectionId: subject.connection };
  return { object: { id: randomUUID(), account_id: subject.connection, user_id: subject.user }, connectionId: subject.connection };
}

function event(type: string, effect: string): EventTemplate {
  return {
    name: shortName(type),
    providerType: type,
    effect,
    build(subject, now) {
      const { object, connectionId } = objectOf(type, subject);
      const status = type.split('.')[1];
      const payload = [{ id: randomUUID(), created_at: now.toISOString(), type, object: { ...object, status }, webhook_id: DEV_WEBHOOK_ID }];
      return { body: { payload }, connectionId };
    },
  };
}

/** Every status the lifecycle table maps, then common activity; one event per package. */
export const upvestEvents: readonly EventTemplate[] = [
  ...Object.entries(upvestStatusTable).map(([type, neutral]) => event(type, effects[neutral] ?? neutral)),
  ...activityTypes.map((type) => event(type, 'activity on the account')),
];
