-- Up Migration

-- Every authentic delivery, recorded before it is acknowledged. (provider, event_id) is the
-- dedup key: a redelivery finds its row and goes no further.
CREATE TABLE webhook_journal (
  id bigserial PRIMARY KEY,
  provider text NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'dispatched', 'ignored')),
  workflow_id text,
  event jsonb,
  body jsonb,
  request_id text,
  received_at timestamptz NOT NULL DEFAULT now(),
  dispatched_at timestamptz,
  dispatch_attempts integer NOT NULL DEFAULT 0,
  next_dispatch_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  UNIQUE (provider, event_id)
);
CREATE INDEX webhook_journal_undispatched ON webhook_journal (next_dispatch_at) WHERE status = 'pending';

-- Authentic-looking but unprocessable input, kept (secret-stripped) for inspection and replay.
CREATE TABLE dead_letters (
  id bigserial PRIMARY KEY,
  provider text NOT NULL,
  reason text NOT NULL,
  body jsonb NOT NULL,
  request_id text,
  received_at timestamptz NOT NULL DEFAULT now(),
  replayed_at timestamptz
);

CREATE TABLE connections (
  provider text NOT NULL,
  connection_id text NOT NULL,
  user_id text,
  brokerage_id text,
  state text NOT NULL,
  state_since timestamptz,
  last_transition_at timestamptz,
  last_event_at timestamptz,
  revision integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, connection_id)
);
CREATE INDEX connections_by_user ON connections (provider, user_id);
CREATE INDEX connections_by_state ON connections (state);

CREATE TABLE connection_events (
  provider text NOT NULL,
  event_id text NOT NULL,
  connection_id text NOT NULL,
  event_type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  outcome text NOT NULL,
  account_id text,
  detail jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, event_id)
);
CREATE INDEX connection_events_timeline ON connection_events (provider, connection_id, occurred_at DESC);

CREATE TABLE accounts (
  provider text NOT NULL,
  account_id text NOT NULL,
  connection_id text NOT NULL,
  changed_at timestamptz,
  last_activity_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, account_id)
);
CREATE INDEX accounts_by_connection ON accounts (provider, connection_id);

CREATE TABLE provider_users (
  provider text NOT NULL,
  user_id text NOT NULL,
  registered_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, user_id)
);

CREATE TABLE connection_attempts (
  provider text NOT NULL,
  event_id text NOT NULL,
  user_id text NOT NULL,
  occurred_at timestamptz NOT NULL,
  result text NOT NULL,
  succeeded boolean NOT NULL,
  brokerage_id text,
  PRIMARY KEY (provider, event_id)
);
CREATE INDEX connection_attempts_by_user ON connection_attempts (provider, user_id, occurred_at DESC);

-- Down Migration
DROP TABLE connection_attempts;
DROP TABLE provider_users;
DROP TABLE accounts;
DROP TABLE connection_events;
DROP TABLE connections;
DROP TABLE dead_letters;
DROP TABLE webhook_journal;
