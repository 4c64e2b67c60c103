import { z } from 'zod';

/** What a provider told us about a connection, in words no provider owns. */
export const connectionEventTypes = [
  'user.registered',
  'connection.attempted',
  'connection.failed',
  'connection.added',
  'connection.broken',
  'connection.fixed',
  'connection.updated',
  'connection.deleted',
  /** A provider sync finished; the connection works. */
  'connection.sync_succeeded',
  /** A provider sync failed; `detail.failure` says whose move it is (see SyncFailure). */
  'connection.sync_failed',
  'account.added',
  'account.removed',
  'account.transactions_initial',
  'account.transactions_updated',
  'account.trades_placed',
  /** The provider has new holdings for an account (or for the connection's accounts). */
  'account.holdings_updated',
  /**
   * Provider-wide notices that arrive on a connection's subscription: they say nothing about the
   * connection itself, so they never move it.
   */
  'provider.maintenance_scheduled',
  'provider.alert',
] as const;

export const connectionEventTypeSchema = z.enum(connectionEventTypes);

/**
 * Why a sync failed, in terms of who must act: the user (reconnect), nobody (it retries), or the
 * provider (escalate to ops).
 */
export const syncFailures = ['user_action', 'temporary', 'provider'] as const;
export type SyncFailure = (typeof syncFailures)[number];

const detailValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * Ids end up in Postgres text columns and workflow ids: bounded, never U+0000 (Postgres refuses it)
 * and never a lone surrogate (not UTF-8, so gRPC refuses the workflow id).
 */
export const identifier = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\u0000]*$/, 'no U+0000')
    .regex(/^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/, 'no lone surrogate');

export const connectionEventSchema = z.object({
  provider: identifier(32),
  eventId: identifier(512),
  type: connectionEventTypeSchema,
  /** Canonical UTC instant (see instant.ts), so string order is time order. */
  occurredAt: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
  userId: identifier(256),
  connectionId: identifier(256).optional(),
  accountId: identifier(256).optional(),
  brokerageId: identifier(256).optional(),
  /** Provider facts worth keeping (result codes, client ids); never credentials. */
  detail: z.record(z.string(), detailValue),
  /** The receiving request's id, so logs follow an event from receipt to the activity that applied it. */
  requestId: z.string().max(128).optional(),
  /**
   * Absent for what a provider sent; `reconciliation` for what a comparison with the provider's API
   * found missing. The lifecycle treats both alike; operators see which it was.
   */
  source: z.literal('reconciliation').optional(),
});

export type ConnectionEventType = z.infer<typeof connectionEventTypeSchema>;
export type ConnectionEvent = z.infer<typeof connectionEventSchema>;
