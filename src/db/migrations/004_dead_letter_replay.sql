-- Up Migration

-- A body that could not even be authenticated (not JSON, for a provider whose secret sits in the
-- body) is kept for inspection, but replaying it needs an operator's explicit --force.
ALTER TABLE dead_letters
  ADD COLUMN authenticated boolean NOT NULL DEFAULT true,
  ADD COLUMN replay_request_id text;

-- Down Migration
ALTER TABLE dead_letters DROP COLUMN replay_request_id, DROP COLUMN authenticated;
