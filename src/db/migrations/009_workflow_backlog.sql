-- Up Migration

-- Events a workflow had queued but not applied when it continued as new. Handed over here instead
-- of in the next run's input (which Temporal caps at 2 MB); the next run takes them back in batches.
-- `taken_by` names the take that handed a row to a run: a retried take returns the same rows.
CREATE TABLE workflow_backlog (
  id bigserial PRIMARY KEY,
  workflow_id text NOT NULL,
  event_id text NOT NULL,
  event jsonb NOT NULL,
  taken_by text,
  deferred_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workflow_id, event_id)
);

-- Down Migration
DROP TABLE workflow_backlog;
