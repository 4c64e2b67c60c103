-- Up Migration

-- A redelivered package brings its unreadable events again: they are kept once, like events.
ALTER TABLE dead_letters ADD COLUMN dedup_key text;
CREATE UNIQUE INDEX dead_letters_dedup ON dead_letters (provider, dedup_key);

-- Down Migration
DROP INDEX dead_letters_dedup;
ALTER TABLE dead_letters DROP COLUMN dedup_key;
