-- Up Migration

-- Vezgo and the app dialect send neither id nor timestamp: a hook is a redelivery when its body is
-- the one last accepted for its account within the window. One row per account says which that was.
CREATE TABLE receipt_ledger (
  provider text NOT NULL,
  -- SHA-256 of the account (or connection) id the hooks are about.
  scope text NOT NULL,
  body_digest text NOT NULL,
  event_id text NOT NULL,
  accepted_at timestamptz NOT NULL,
  PRIMARY KEY (provider, scope)
);

-- Down Migration
DROP TABLE receipt_ledger;
