import type { ConnectionEventType } from '../../domain/connection-event.ts';
import type { UpvestRoute } from './schemas.ts';

/**
 * How Upvest's statuses move a connection (a user or an account): the one place this is decided.
 * Onboarding steps map to `connection.attempted`, which records the step and leaves the
 * connection `connecting`; only activation makes it `active`. Check outcomes other than a failure
 * are steps too: Upvest activates the user itself once every check has passed.
 */
export const upvestStatusTable = {
  'USER.CREATED': 'connection.attempted',
  'USER.ACTIVATED': 'connection.added',
  'USER.DEACTIVATED': 'connection.broken',
  'USER.DATA_CHANGED': 'connection.updated',
  'USER.DATA_CHANGE_FAILED': 'connection.updated',
  'USER.OFFBOARDING_INITIATED': 'connection.updated',
  'USER.OFFBOARDED': 'connection.deleted',
  'USER_CHECK.CREATED': 'connection.attempted',
  'USER_CHECK.PASSED': 'connection.attempted',
  'USER_CHECK.FAILED': 'connection.broken',
  'ACCOUNT.CREATED': 'connection.attempted',
  'ACCOUNT.ACTIVATED': 'connection.added',
  'ACCOUNT.UPDATED': 'connection.updated',
  'ACCOUNT.LOCKED': 'connection.broken',
  'ACCOUNT.CLOSING_INITIATED': 'connection.updated',
  'ACCOUNT.CLOSED': 'connection.deleted',
} as const satisfies Record<string, ConnectionEventType>;

/** Categories whose every event is activity on its account: recorded, never a transition. */
const activityCategories: ReadonlySet<string> = new Set(['ORDER', 'EXECUTION', 'POSITION', 'CASH_BALANCE']);

const routeOfCategory: Readonly<Record<string, UpvestRoute>> = { USER: 'user', USER_CHECK: 'user_check', ACCOUNT: 'account' };

export interface UpvestMapping {
  route: UpvestRoute;
  type: ConnectionEventType;
}

/** undefined: a type we do not orchestrate (journaled as ignored). */
export function mappingOf(eventType: string): UpvestMapping | undefined {
  const category = eventType.split('.')[0]!;
  if (activityCategories.has(category)) return { route: 'account_activity', type: 'connection.updated' };
  // Own keys only: a type named `constructor` must not find Object.prototype's.
  const type = Object.hasOwn(upvestStatusTable, eventType) ? (upvestStatusTable as Readonly<Record<string, ConnectionEventType>>)[eventType] : undefined;
  const route = Object.hasOwn(routeOfCategory, category) ? routeOfCategory[category] : undefined;
  return type && route ? { route, type } : undefined;
}
