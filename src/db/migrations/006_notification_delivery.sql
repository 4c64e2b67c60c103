-- Up Migration
-- Every outbox row is delivered or ends by an explicit rule: `next_attempt_at` is when a pending
-- row is due again (for a `sending` row, when its holder's lease ends), `failed` is a notification
-- not delivered within NOTIFY_RETRY_MAX_AGE (or refused for good), `cancelled` one that became moot
-- before it went out. `attempted_at` is written before each attempt starts. Rows pending from
-- before this migration are due at once.
ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_status_check;
ALTER TABLE notification_outbox
  ADD CONSTRAINT notification_outbox_status_check CHECK (status IN ('pending', 'sending', 'sent', 'skipped', 'failed', 'cancelled')),
  ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN attempted_at timestamptz;
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX notification_outbox_by_status ON notification_outbox (status, created_at);

-- Down Migration
DROP INDEX notification_outbox_by_status;
DROP INDEX notification_outbox_due;
UPDATE notification_outbox SET status = 'pending' WHERE status IN ('sending', 'failed', 'cancelled');
ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_status_check;
ALTER TABLE notification_outbox
  DROP COLUMN attempted_at, DROP COLUMN next_attempt_at,
  ADD CONSTRAINT notification_outbox_status_check CHECK (status IN ('pending', 'sent', 'skipped'));
