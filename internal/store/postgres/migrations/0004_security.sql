-- Key rotation and the audit log (issue #5), PostgreSQL. Keep in step with store/sqlite/migrations.

-- keyring_meta holds keyring material sealed under the keyring itself
-- (secret.Keyring, AAD "keyring:<name>"): "mac_root", the root of the MAC
-- peppers (API-key hashes, CSRF tokens, PAN fingerprints), pinned at first
-- start so a retired KEK does not change them. kasa keys rotate re-wraps it.
CREATE TABLE keyring_meta (
    name       TEXT PRIMARY KEY CHECK (name <> ''),
    sealed     BYTEA NOT NULL CHECK (length(sealed) > 0),
    created_at BIGINT NOT NULL
);

-- The append-only audit log (API-6). pos is the row's place in one global
-- hash chain: hash = SHA-256(prev_hash || canonical row), see
-- store.AuditEvent.ChainHash. summary is redacted JSON (field names and
-- non-secret values only).
CREATE TABLE audit_events (
    pos           BIGINT PRIMARY KEY CHECK (pos > 0),
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
    prev_hash     BYTEA NOT NULL,
    hash          BYTEA NOT NULL
);
CREATE INDEX audit_events_merchant ON audit_events (merchant_id, pos DESC);

-- The chain head: the last pos and hash. Appends lock it (SELECT … FOR
-- UPDATE) until commit, so writers on every node extend the chain in turn.
CREATE TABLE audit_chain_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    pos  BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
INSERT INTO audit_chain_head (id, pos, hash) VALUES (1, 0, '\x'::bytea);

-- Append-only: the application never updates or deletes audit rows.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
