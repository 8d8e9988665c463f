-- Key rotation and the audit log (issue #5), SQLite. Keep in step with store/postgres/migrations.

-- keyring_meta holds keyring material sealed under the keyring itself
-- (secret.Keyring, AAD "keyring:<name>"): "mac_root", the root of the MAC
-- peppers (API-key hashes, CSRF tokens, PAN fingerprints), pinned at first
-- start so a retired KEK does not change them. kasa keys rotate re-wraps it.
CREATE TABLE keyring_meta (
    name       TEXT PRIMARY KEY CHECK (name <> ''),
    sealed     BLOB NOT NULL CHECK (length(sealed) > 0),
    created_at BIGINT NOT NULL
);

-- The append-only audit log (API-6). pos is the row's place in one global
-- hash chain: hash = SHA-256(prev_hash || canonical row), see
-- store.AuditEvent.ChainHash. summary is redacted JSON (field names and
-- non-secret values only).
CREATE TABLE audit_events (
    pos           INTEGER PRIMARY KEY CHECK (pos > 0),
    id            TEXT NOT NULL UNIQUE CHECK (id <> ''),
    merchant_id   TEXT NOT NULL,
    mode          TEXT NOT NULL,
    actor_type    TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    action        TEXT NOT NULL CHECK (action <> ''),
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    summary       TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    client_ip     TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    prev_hash     BLOB NOT NULL,
    hash          BLOB NOT NULL
);
CREATE INDEX audit_events_merchant ON audit_events (merchant_id, pos DESC);

-- The chain head: the last pos and hash. Appends read it under the write
-- lock (IMMEDIATE transactions on SQLite), so the chain is serialised.
CREATE TABLE audit_chain_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    pos  BIGINT NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_chain_head (id, pos, hash) VALUES (1, 0, X'');

-- Append-only: the application never updates or deletes audit rows.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
