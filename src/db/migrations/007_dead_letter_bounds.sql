-- Up Migration

-- A body that never proved where it came from is kept as a bounded prefix with the size and the
-- SHA-256 of the whole, so a flood of garbage cannot fill the disk yet can still be recognised.
ALTER TABLE dead_letters
  ADD COLUMN body_sha256 text,
  ADD COLUMN body_bytes integer,
  ADD COLUMN body_truncated boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE dead_letters DROP COLUMN body_truncated, DROP COLUMN body_bytes, DROP COLUMN body_sha256;
