import type { ConnectionAttempt } from '../domain/user-lifecycle.ts';
import { storableText } from './jsonb.ts';
import { inTransaction, type Pool } from './pool.ts';

export interface UserEventRecord {
  provider: string;
  userId: string;
  registeredAt: string | null;
  attempt?: ConnectionAttempt | undefined;
}

/** Idempotent: attempts are keyed by event id, the user row converges on the earliest registration. */
export async function saveUserEvent(pool: Pool, record: UserEventRecord): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO provider_users (provider, user_id, registered_at) VALUES ($1, $2, $3)
       ON CONFLICT (provider, user_id) DO UPDATE SET
         registered_at = LEAST(provider_users.registered_at, EXCLUDED.registered_at), updated_at = now()`,
      [record.provider, record.userId, record.registeredAt],
    );
    const attempt = record.attempt;
    if (attempt) {
      await client.query(
        `INSERT INTO connection_attempts (provider, event_id, user_id, occurred_at, result, succeeded, brokerage_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (provider, event_id) DO NOTHING`,
        [record.provider, storableText(attempt.eventId), record.userId, attempt.occurredAt, attempt.result, attempt.succeeded, attempt.brokerageId],
      );
    }
  });
}
