import { toCanonicalInstant } from '../../domain/instant.ts';
import type { DeliveryItem } from '../adapter.ts';
import { mappingOf } from './lifecycle-map.ts';
import { upvestEventSchema, upvestObjectSchemas } from './schemas.ts';

/**
 * One event of a package → one delivery item. Users and accounts are the connections
 * (`connection:upvest:<user or account id>`); activity names its account. Only ids and statuses
 * are kept: Upvest's objects carry personal data that has no business in the timeline.
 */
export function upvestItem(raw: unknown): DeliveryItem {
  const envelope = upvestEventSchema.safeParse(raw);
  if (!envelope.success) return { kind: 'malformed', reason: issues(envelope.error), body: raw };
  const event = envelope.data;

  const mapping = mappingOf(event.type);
  if (!mapping) return { kind: 'ignored', eventId: event.id, eventType: event.type, body: raw };

  const occurredAt = toCanonicalInstant(event.created_at);
  if (!occurredAt) return { kind: 'malformed', reason: `${event.type} ${event.id}: created_at is not an ISO 8601 instant with an offset`, body: raw };

  const invalid = (error: ZodIssues): DeliveryItem => ({ kind: 'malformed', reason: `${event.type} ${event.id}: ${issues(error, 'object')}`, body: raw });
  const routed = (ids: { userId: string; connectionId: string; accountId?: string }, objectId: string | undefined, status: string | undefined): DeliveryItem => ({
    kind: 'event',
    event: {
      provider: 'upvest',
      eventId: event.id,
      type: mapping.type,
      occurredAt,
      ...ids,
      detail: { providerEventType: event.type, webhookId: event.webhook_id, ...(objectId ? { objectId } : {}), ...(status ? { status } : {}) },
    },
  });

  switch (mapping.route) {
    case 'user': {
      const parsed = upvestObjectSchemas.user.safeParse(event.object);
      if (!parsed.success) return invalid(parsed.error);
      const user = parsed.data;
      return routed({ userId: user.id, connectionId: user.id }, user.id, user.status);
    }
    case 'user_check': {
      const parsed = upvestObjectSchemas.user_check.safeParse(event.object);
      if (!parsed.success) return invalid(parsed.error);
      const check = parsed.data;
      return routed({ userId: check.user_id, connectionId: check.user_id }, check.id, check.status);
    }
    case 'account': {
      const parsed = upvestObjectSchemas.account.safeParse(event.object);
      if (!parsed.success) return invalid(parsed.error);
      const account = parsed.data;
      return routed({ userId: account.user_id, connectionId: account.id, accountId: account.id }, account.id, account.status);
    }
    case 'account_activity': {
      const parsed = upvestObjectSchemas.account_activity.safeParse(event.object);
      if (!parsed.success) return invalid(parsed.error);
      const activity = parsed.data;
      return routed({ userId: activity.user_id, connectionId: activity.account_id, accountId: activity.account_id }, activity.id, activity.status);
    }
  }
}

interface ZodIssues {
  issues: readonly { path: PropertyKey[]; message: string }[];
}

function issues(error: ZodIssues, prefix?: string): string {
  return error.issues
    .map((issue) => `${[prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(event)'}: ${issue.message}`)
    .join('; ');
}
