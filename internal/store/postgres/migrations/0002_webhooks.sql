-- Webhooks (issue #5), PostgreSQL. Keep in step with store/sqlite/migrations.

-- fanned_out marks an outbox event whose deliveries exist. A per-event flag,
-- not a high-water mark: on PostgreSQL seq is assigned at insert, not at
-- commit, so events become visible out of seq order. Events written before
-- webhooks existed had no endpoint to go to.
ALTER TABLE events ADD COLUMN fanned_out BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE events SET fanned_out = TRUE;
CREATE INDEX events_to_fan_out ON events (seq) WHERE fanned_out = FALSE;

-- secret and prev_secret are sealed (secret.Keyring, AAD naming the row).
CREATE TABLE webhook_endpoints (
    id                TEXT PRIMARY KEY CHECK (id <> ''),
    merchant_id       TEXT NOT NULL REFERENCES merchants (id),
    mode              TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    url               TEXT NOT NULL CHECK (url <> ''),
    event_types       TEXT NOT NULL CHECK (event_types <> ''),
    description       TEXT NOT NULL,
    secret            BYTEA NOT NULL CHECK (length(secret) > 0),
    prev_secret       BYTEA NOT NULL,
    prev_secret_until BIGINT NOT NULL,
    enabled           BOOLEAN NOT NULL,
    disabled_reason   TEXT NOT NULL,
    failure_count     INTEGER NOT NULL CHECK (failure_count >= 0),
    failing_since     BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_merchant ON webhook_endpoints (merchant_id, mode, created_at);

-- One row per event and endpoint: the UNIQUE makes fan-out idempotent.
-- claimed_until/claim_token are a dispatcher's lease on an attempt in flight.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY CHECK (id <> ''),
    event_id        TEXT NOT NULL REFERENCES events (id),
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id),
    merchant_id     TEXT NOT NULL,
    mode            TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    event_type      TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed', 'disabled')),
    manual          BOOLEAN NOT NULL,
    attempts        INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT NOT NULL,
    claim_token     TEXT NOT NULL,
    last_attempt_at BIGINT NOT NULL,
    last_status     INTEGER NOT NULL,
    last_error      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CONSTRAINT webhook_deliveries_event_endpoint UNIQUE (event_id, endpoint_id)
);
-- The dispatcher's work list; the state matches ClaimWebhookDeliveries' literal.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);

-- The delivery log: one row per HTTP attempt. seq is insertion order.
CREATE TABLE webhook_attempts (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE CHECK (id <> ''),
    delivery_id     TEXT NOT NULL REFERENCES webhook_deliveries (id),
    endpoint_id     TEXT NOT NULL,
    attempt         INTEGER NOT NULL CHECK (attempt > 0),
    manual          BOOLEAN NOT NULL,
    started_at      BIGINT NOT NULL,
    status          INTEGER NOT NULL,
    latency_ms      BIGINT NOT NULL,
    error           TEXT NOT NULL,
    next_attempt_at BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, seq);
