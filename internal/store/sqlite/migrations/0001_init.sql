-- Kasa schema, SQLite. Keep in step with store/postgres/migrations: the two
-- texts differ only in types (BLOB/BYTEA, INTEGER PRIMARY KEY/BIGSERIAL).
-- Times are BIGINT unix microseconds UTC, 0 meaning "not yet".

CREATE TABLE merchants (
    id         TEXT PRIMARY KEY CHECK (id <> ''),
    name       TEXT NOT NULL,
    return_domains TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY CHECK (id <> ''),
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    mode        TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    prefix      TEXT NOT NULL,
    hash        BLOB NOT NULL UNIQUE CHECK (length(hash) > 0),
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_merchant ON api_keys (merchant_id, created_at);

CREATE TABLE pos (
    id            TEXT PRIMARY KEY CHECK (id <> ''),
    merchant_id   TEXT NOT NULL REFERENCES merchants (id),
    mode          TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    protocol      TEXT NOT NULL,
    bank          TEXT NOT NULL,
    name          TEXT NOT NULL,
    environment   TEXT NOT NULL,
    api_url       TEXT NOT NULL,
    three_d_url   TEXT NOT NULL,
    credentials   BLOB NOT NULL,
    currencies    TEXT NOT NULL,
    batch_cutoff  TEXT NOT NULL,
    three_d_model TEXT NOT NULL,
    allow_attempted_3d BOOLEAN NOT NULL DEFAULT FALSE,
    routing       BLOB NOT NULL DEFAULT x'',
    enabled       BOOLEAN NOT NULL,
    priority      INTEGER NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX pos_merchant ON pos (merchant_id, created_at);

-- A merchant may retry one order id, so (merchant, order_id) is not unique;
-- the bank order id is, since banks reject a reused one.
CREATE TABLE payments (
    id                TEXT PRIMARY KEY CHECK (id <> ''),
    merchant_id       TEXT NOT NULL REFERENCES merchants (id),
    mode              TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    pos_id            TEXT NOT NULL,
    order_id          TEXT NOT NULL,
    bank_order_id     TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status <> ''),
    amount            BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    installments      INTEGER NOT NULL CHECK (installments >= 0),
    capture           BOOLEAN NOT NULL,
    authorized_amount BIGINT NOT NULL,
    captured_amount   BIGINT NOT NULL,
    refunded_amount   BIGINT NOT NULL,
    card_bin          TEXT NOT NULL,
    card_last4        TEXT NOT NULL,
    card_brand        TEXT NOT NULL,
    card_bank_code    TEXT NOT NULL DEFAULT '',
    card_bank_name    TEXT NOT NULL DEFAULT '',
    card_type         TEXT NOT NULL DEFAULT '',
    card_program      TEXT NOT NULL DEFAULT '',
    card_commercial   BOOLEAN NOT NULL DEFAULT FALSE,
    installment_fee   BIGINT NOT NULL DEFAULT 0 CHECK (installment_fee >= 0),
    card_holder       TEXT NOT NULL,
    description       TEXT NOT NULL,
    customer_email    TEXT NOT NULL,
    customer_ip       TEXT NOT NULL,
    bank_code         TEXT NOT NULL,
    bank_message      TEXT NOT NULL,
    decline_reason    TEXT NOT NULL,
    auth_code         TEXT NOT NULL,
    host_ref          TEXT NOT NULL,
    trans_id          TEXT NOT NULL,
    three_d_model     TEXT NOT NULL,
    md_status         TEXT NOT NULL,
    return_url        TEXT NOT NULL,
    routing_reason    TEXT NOT NULL,
    checkout_session_id TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    -- The money ledger's invariants, enforced even if the code is wrong.
    CONSTRAINT payments_amount_positive CHECK (amount > 0),
    CONSTRAINT payments_amounts_nonnegative
        CHECK (authorized_amount >= 0 AND captured_amount >= 0 AND refunded_amount >= 0),
    CONSTRAINT payments_captured_le_authorized CHECK (captured_amount <= authorized_amount),
    CONSTRAINT payments_refunded_le_captured CHECK (refunded_amount <= captured_amount)
);
CREATE UNIQUE INDEX payments_bank_order ON payments (bank_order_id) WHERE bank_order_id <> '';
-- Keyset pagination (ListPayments) and its filters.
CREATE INDEX payments_list ON payments (merchant_id, mode, created_at DESC, id DESC);
CREATE INDEX payments_list_order ON payments (merchant_id, mode, order_id, created_at DESC, id DESC);
CREATE INDEX payments_list_last4 ON payments (merchant_id, mode, card_last4, created_at DESC, id DESC);
CREATE INDEX payments_list_status ON payments (merchant_id, mode, status, created_at DESC, id DESC);
-- A checkout session's attempts, and through it a payment link's payments.
CREATE INDEX payments_checkout_session ON payments (checkout_session_id, created_at DESC, id DESC)
    WHERE checkout_session_id <> '';
-- The resolver's work list; the statuses match PaymentsToResolve's literal.
CREATE INDEX payments_to_resolve ON payments (updated_at, id) WHERE status IN ('processing', 'unknown');

-- seq is insertion order, breaking created_at ties in the timeline.
CREATE TABLE transactions (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE CHECK (id <> ''),
    payment_id      TEXT NOT NULL REFERENCES payments (id),
    merchant_id     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    amount          BIGINT NOT NULL CHECK (amount >= 0),
    currency        TEXT NOT NULL,
    bank_code       TEXT NOT NULL,
    bank_error_code TEXT NOT NULL,
    bank_message    TEXT NOT NULL,
    decline_reason  TEXT NOT NULL,
    auth_code       TEXT NOT NULL,
    host_ref        TEXT NOT NULL,
    trans_id        TEXT NOT NULL,
    error           TEXT NOT NULL,
    latency_ms      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    completed_at    BIGINT NOT NULL
);
CREATE INDEX transactions_payment ON transactions (payment_id, created_at, seq);
-- Bank calls whose outcome is not known yet (PaymentsToResolve's second half).
CREATE INDEX transactions_unresolved ON transactions (created_at) WHERE status IN ('pending', 'unknown');

-- Transactional outbox. payload keeps the exact bytes: webhooks sign them.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE CHECK (id <> ''),
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    mode        TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    type        TEXT NOT NULL,
    payment_id  TEXT NOT NULL,
    payload     BLOB NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX events_payment ON events (payment_id, created_at, seq);

CREATE TABLE idempotency_keys (
    merchant_id     TEXT NOT NULL REFERENCES merchants (id),
    idem_key        TEXT NOT NULL CHECK (idem_key <> ''),
    fingerprint     TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
    response_status INTEGER NOT NULL,
    response_body   BLOB NOT NULL,
    resource_id     TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- 3D Secure's short-lived, sealed card and bank-session data (PCI-1): at most
-- 30 minutes, deleted with the payment's terminal state.
CREATE TABLE card_vault (
    payment_id TEXT PRIMARY KEY REFERENCES payments (id),
    sealed     BLOB NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX card_vault_expires ON card_vault (expires_at);

-- Hosted checkout. A session's terms are fixed at creation; payment_id is its
-- latest attempt (payments.checkout_session_id lists them all). "expired" is
-- not a stored status: an open session past expires_at is expired.
CREATE TABLE payment_links (
    id           TEXT PRIMARY KEY CHECK (id <> ''),
    merchant_id  TEXT NOT NULL REFERENCES merchants (id),
    mode         TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    amount       BIGINT NOT NULL CHECK (amount > 0),
    currency     TEXT NOT NULL,
    description  TEXT NOT NULL,
    single_use   BOOLEAN NOT NULL,
    active       BOOLEAN NOT NULL,
    return_url   TEXT NOT NULL,
    installments TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX payment_links_list ON payment_links (merchant_id, mode, created_at DESC, id DESC);

CREATE TABLE checkout_sessions (
    id              TEXT PRIMARY KEY CHECK (id <> ''),
    merchant_id     TEXT NOT NULL REFERENCES merchants (id),
    mode            TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    payment_link_id TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'complete')),
    amount          BIGINT NOT NULL CHECK (amount > 0),
    currency        TEXT NOT NULL,
    order_id        TEXT NOT NULL,
    description     TEXT NOT NULL,
    return_url      TEXT NOT NULL,
    capture         BOOLEAN NOT NULL,
    installments    TEXT NOT NULL,
    pos_id          TEXT NOT NULL,
    three_d         TEXT NOT NULL,
    payment_id      TEXT NOT NULL,
    expires_at      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
-- A link's newest open session (OpenCheckoutSessionOfLink) and its payments.
CREATE INDEX checkout_sessions_link ON checkout_sessions (payment_link_id, created_at DESC, id DESC)
    WHERE payment_link_id <> '';

-- The imported BIN table (tr-bins.csv format); replaced whole on import.
CREATE TABLE bins (
    prefix     TEXT PRIMARY KEY CHECK (length(prefix) BETWEEN 6 AND 8),
    bank_code  TEXT NOT NULL,
    bank_name  TEXT NOT NULL,
    brand      TEXT NOT NULL,
    card_type  TEXT NOT NULL,
    commercial BOOLEAN NOT NULL,
    program    TEXT NOT NULL
);
