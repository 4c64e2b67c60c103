-- Up Migration

-- What the provider's API says about an account, beside what its webhooks implied. Account
-- numbers are left out on purpose: nothing here needs them.
ALTER TABLE accounts
  ADD COLUMN name text,
  ADD COLUMN institution_name text,
  ADD COLUMN account_type text,
  ADD COLUMN holdings_as_of timestamptz;

-- One row per instrument an account holds, replaced as a whole on every refresh of the account.
-- Quantities and prices stay decimal: a float would round a crypto quantity.
CREATE TABLE holdings (
  provider text NOT NULL,
  account_id text NOT NULL,
  instrument_id text NOT NULL,
  symbol text NOT NULL,
  description text,
  instrument_kind text NOT NULL,
  units numeric,
  price numeric,
  cost_basis numeric,
  currency text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, account_id, instrument_id),
  FOREIGN KEY (provider, account_id) REFERENCES accounts (provider, account_id) ON DELETE CASCADE
);

-- A hold announced by a provider event (Vibe's system.maintenance) names that event, so a retried
-- activity or a second delivery finds its row instead of adding another.
ALTER TABLE prompt_holds ADD COLUMN event_id text;
CREATE UNIQUE INDEX prompt_holds_by_event ON prompt_holds (provider, event_id) WHERE event_id IS NOT NULL;

-- Provider alerts come with a severity (Vibe's system.alert `level`); what we raise ourselves is an error.
ALTER TABLE alerts ADD COLUMN level text NOT NULL DEFAULT 'error' CHECK (level IN ('info', 'warning', 'error', 'critical'));

-- Down Migration
ALTER TABLE alerts DROP COLUMN level;
DROP INDEX prompt_holds_by_event;
ALTER TABLE prompt_holds DROP COLUMN event_id;
DROP TABLE holdings;
ALTER TABLE accounts DROP COLUMN holdings_as_of, DROP COLUMN account_type, DROP COLUMN institution_name, DROP COLUMN name;
