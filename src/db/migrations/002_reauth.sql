-- Up Migration

-- Episode bookkeeping (prompts sent, retries, open alerts) travels with the row, so a run that
-- starts after an earlier one closed picks up where it was; the exhausted flag is a column
-- because operators filter on it.
ALTER TABLE connections
  ADD COLUMN lifecycle jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN reauth_exhausted boolean NOT NULL DEFAULT false;

ALTER TABLE provider_users ADD COLUMN login_name text;

-- One row per connection entering `broken`; the outage detector counts them per brokerage.
CREATE TABLE breakages (
  provider text NOT NULL,
  brokerage_id text NOT NULL,
  connection_id text NOT NULL,
  episode integer NOT NULL,
  broke_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, connection_id, episode)
);
CREATE INDEX breakages_window ON breakages (provider, brokerage_id, broke_at);

-- Periods in which no user prompt goes out: announced maintenance, detected outages.
-- brokerage_id '*' holds the whole provider.
CREATE TABLE prompt_holds (
  id bigserial PRIMARY KEY,
  provider text NOT NULL,
  brokerage_id text NOT NULL,
  reason text NOT NULL CHECK (reason IN ('outage', 'maintenance')),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  cleared_at timestamptz,
  detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX prompt_holds_active ON prompt_holds (provider, brokerage_id, ends_at) WHERE cleared_at IS NULL;

CREATE TABLE user_contacts (
  provider text NOT NULL,
  user_id text NOT NULL,
  email text,
  time_zone text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, user_id)
);

-- Provider credentials a backend registered for a user (SnapTrade's userSecret), AES-256-GCM.
CREATE TABLE user_credentials (
  provider text NOT NULL,
  user_id text NOT NULL,
  key_id text NOT NULL,
  ciphertext text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, user_id)
);

-- The outbox: one row per notification and channel, its id derived from connection, episode and
-- attempt, so a retried activity finds the row and sends nothing twice.
CREATE TABLE notification_outbox (
  notification_id text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('webhook', 'email')),
  type text NOT NULL,
  provider text NOT NULL,
  connection_id text NOT NULL,
  user_id text,
  payload jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'sent', 'skipped')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  PRIMARY KEY (notification_id, channel)
);
CREATE INDEX notification_outbox_by_connection ON notification_outbox (provider, connection_id, created_at);

-- Ops alerts: at most one open per (kind, scope), updated rather than repeated.
CREATE TABLE alerts (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  scope text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'resolved')),
  message text NOT NULL,
  occurrences integer NOT NULL DEFAULT 1,
  opened_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz
);
CREATE UNIQUE INDEX alerts_one_open ON alerts (kind, scope) WHERE status = 'open';

-- Down Migration
DROP TABLE alerts;
DROP TABLE notification_outbox;
DROP TABLE user_credentials;
DROP TABLE user_contacts;
DROP TABLE prompt_holds;
DROP TABLE breakages;
ALTER TABLE provider_users DROP COLUMN login_name;
ALTER TABLE connections DROP COLUMN reauth_exhausted, DROP COLUMN lifecycle;
