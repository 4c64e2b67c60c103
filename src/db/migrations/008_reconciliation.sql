-- Up Migration

-- One row per reconciliation run (one workflow execution chain, continued as new page after page,
-- keyed by its first run id): how many users it checked, how many could not be asked, and by kind
-- what it corrected.
CREATE TABLE reconciliation_runs (
  id bigserial PRIMARY KEY,
  provider text NOT NULL,
  workflow_id text NOT NULL,
  first_run_id text NOT NULL UNIQUE,
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  users_checked integer NOT NULL DEFAULT 0,
  users_failed integer NOT NULL DEFAULT 0,
  -- The last user whose page was counted, so a retried page is not counted twice.
  cursor text,
  corrections jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX reconciliation_runs_by_provider ON reconciliation_runs (provider, started_at DESC);

-- Each correction, committed with its journal row: keyed like the journal, so it belongs to the run
-- that found it first, however often a retried activity journals it again.
CREATE TABLE reconciliation_corrections (
  provider text NOT NULL,
  event_id text NOT NULL,
  run_id bigint NOT NULL REFERENCES reconciliation_runs (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('added', 'broken', 'fixed', 'deleted')),
  connection_id text NOT NULL,
  user_id text NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, event_id)
);
CREATE INDEX reconciliation_corrections_by_run ON reconciliation_corrections (run_id);

-- Down Migration
DROP TABLE reconciliation_corrections;
DROP TABLE reconciliation_runs;
