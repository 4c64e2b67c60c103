-- Up Migration

-- Concurrent evaluations of one outage each found no open hold and opened their own; one open
-- outage hold per brokerage from now on. Duplicates already open are cleared, the first one kept.
UPDATE prompt_holds AS duplicate SET cleared_at = now()
WHERE reason = 'outage' AND cleared_at IS NULL
  AND EXISTS (
    SELECT 1 FROM prompt_holds AS first
    WHERE first.reason = 'outage' AND first.cleared_at IS NULL
      AND first.provider = duplicate.provider AND first.brokerage_id = duplicate.brokerage_id AND first.id < duplicate.id
  );
CREATE UNIQUE INDEX prompt_holds_one_open_outage ON prompt_holds (provider, brokerage_id) WHERE reason = 'outage' AND cleared_at IS NULL;

-- Down Migration
DROP INDEX prompt_holds_one_open_outage;
