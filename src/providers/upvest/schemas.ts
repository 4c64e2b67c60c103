import { z } from 'zod';

/**
 * Upvest webhook packages: `{"payload":[event, …]}`, each event `{id, created_at, type, object,
 * webhook_id}`. The envelope and each event are parsed separately, so one bad event does not take
 * its siblings down with it.
 */
/** Bounded: ids end up in unique indexes, whose entries Postgres caps at a few kB. */
const id = z.string().min(1).max(256);
/** Statuses are recorded, not relied on, so an odd one is dropped rather than failing the event. */
const status = z.string().max(64).optional().catch(undefined);

export const upvestPackageSchema = z.object({ payload: z.array(z.unknown()) });

export const upvestEventSchema = z.object({
  id,
  created_at: z.string().min(1).max(64),
  type: z.string().min(1).max(128),
  object: z.record(z.string(), z.unknown()),
  webhook_id: id,
});

/** What each kind of event's `object` must carry for it to be routed to its connection. */
export const upvestObjectSchemas = {
  /** USER.*: the object is the user. */
  user: z.object({ id, status }),
  /** USER_CHECK.*: a check of a user. */
  user_check: z.object({ id: id.optional(), user_id: id, status }),
  /** ACCOUNT.*: the object is the account. */
  account: z.object({ id, user_id: id, status }),
  /** ORDER.*, EXECUTION.*, POSITION.*, CASH_BALANCE.*: something that happened on an account. */
  account_activity: z.object({ id: id.optional(), account_id: id, user_id: id, status }),
};

export type UpvestEvent = z.infer<typeof upvestEventSchema>;
export type UpvestRoute = keyof typeof upvestObjectSchemas;
