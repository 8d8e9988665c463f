-- End-of-day reconciliation reports (issue #5). Keep in step with store/postgres/migrations.
-- The report is JSON (internal/reconcile); the columns are what lists filter on.
-- pos_id is '' for a report over every POS of the merchant; origin is
-- 'api', 'scheduled' or 'cli'.
CREATE TABLE reconciliations (
    id          TEXT PRIMARY KEY CHECK (id <> ''),
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    mode        TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    day         TEXT NOT NULL CHECK (day <> ''),
    pos_id      TEXT NOT NULL,
    origin      TEXT NOT NULL CHECK (origin IN ('api', 'scheduled', 'cli')),
    payments    INTEGER NOT NULL CHECK (payments >= 0),
    mismatches  INTEGER NOT NULL CHECK (mismatches >= 0),
    unverified  INTEGER NOT NULL CHECK (unverified >= 0),
    report      BLOB NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX reconciliations_merchant ON reconciliations (merchant_id, mode, created_at DESC, id DESC);
-- The scheduler runs once per POS and day: a second node's run is refused.
CREATE UNIQUE INDEX reconciliations_scheduled ON reconciliations (pos_id, day) WHERE origin = 'scheduled';
