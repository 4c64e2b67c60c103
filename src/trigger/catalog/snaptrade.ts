import { randomUUID } from 'node:crypto';
import type { SnapTradeAppEventType } from '../../providers/snaptrade/app-dialect-schemas.ts';
import type { SnapTradeEventType } from '../../providers/snaptrade/schemas.ts';
import type { EventTemplate, Subject } from '../event-template.ts';

type Scope = 'user' | 'connection' | 'account';

/** The fields each of SnapTrade's reference payloads carries beyond the common ones. */
function reference(name: string, eventType: SnapTradeEventType, scope: Scope, effect: string, extra: (s: Subject) => Record<string, unknown> = () => ({})): EventTemplate {
  return {
    name,
    providerType: eventType,
    effect,
    build(subject, now) {
      const webhookId = randomUUID();
      const body: Record<string, unknown> = { webhookId, clientId: 'DEV-CLIENT', eventTimestamp: now.toISOString(), userId: subject.user, eventType };
      if (scope !== 'user') body.brokerageAuthorizationId = subject.connection;
      if (scope === 'account') body.accountId = subject.account;
      Object.assign(body, extra(subject));
      return scope === 'user' ? { body } : { body, connectionId: subject.connection };
    },
  };
}

function app(name: string, type: SnapTradeAppEventType, effect: string, withAccount = false): EventTemplate {
  return {
    name,
    providerType: type,
    effect,
    dialect: 'app',
    build: (subject) => ({
      body: { type, userId: subject.user, authorizationId: subject.connection, ...(withAccount ? { accountId: subject.account } : {}) },
      connectionId: subject.connection,
    }),
  };
}

const brokerage = (s: Subject) => ({ brokerageId: s.brokerage });

/** SnapTrade's 13 reference event types, then the app dialect's five (prefixed `app-`). */
export const snapTradeEvents: readonly EventTemplate[] = [
  reference('registered', 'USER_REGISTERED', 'user', 'records the user'),
  reference('attempted', 'CONNECTION_ATTEMPTED', 'user', 'records a portal attempt (SUCCESS)', (s) => ({ connectionAttemptedResult: 'SUCCESS', ...brokerage(s) })),
  reference('attempt-failed', 'CONNECTION_ATTEMPTED', 'user', 'records a failed portal attempt', (s) => ({ connectionAttemptedResult: 'FAILED', ...brokerage(s) })),
  reference('failed', 'CONNECTION_FAILED', 'user', 'settles the user’s attempt as failed'),
  reference('added', 'CONNECTION_ADDED', 'connection', 'connection → active', brokerage),
  reference('broken', 'CONNECTION_BROKEN', 'connection', 'connection → broken; prompt after the grace period'),
  reference('fixed', 'CONNECTION_FIXED', 'connection', 'connection → active; pending prompts cancelled'),
  reference('updated', 'CONNECTION_UPDATED', 'connection', 'activity (implies active)'),
  reference('deleted', 'CONNECTION_DELETED', 'connection', 'connection → deleted (terminal)', brokerage),
  reference('account-added', 'NEW_ACCOUNT_AVAILABLE', 'account', 'account recorded on the connection'),
  reference('transactions-initial', 'ACCOUNT_TRANSACTIONS_INITIAL_UPDATE', 'account', 'account activity'),
  reference('transactions-updated', 'ACCOUNT_TRANSACTIONS_UPDATED', 'account', 'account activity'),
  reference('account-removed', 'ACCOUNT_REMOVED', 'account', 'account removed from the connection'),
  reference('trades-placed', 'TRADES_PLACED', 'account', 'account activity', brokerage),
  app('app-created', 'CONNECTION.CREATED', 'connection → active (app dialect)'),
  app('app-broken', 'CONNECTION.BROKEN', 'connection → broken (app dialect)'),
  app('app-refreshed', 'CONNECTION.REFRESHED', 'successful sync (app dialect)'),
  app('app-holdings-updated', 'ACCOUNT_HOLDINGS_UPDATED', 'account activity; holdings fetched (app dialect)', true),
  app('app-transactions-updated', 'TRANSACTIONS_UPDATED', 'account activity (app dialect)', true),
];
