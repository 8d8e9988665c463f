-- The merchant dashboard (issue #7). Keep in step with the other backend's migrations.

-- Users sign in with e-mail (unique across merchants) and an argon2id password.
CREATE TABLE dashboard_users (
    id            TEXT PRIMARY KEY CHECK (id <> ''),
    merchant_id   TEXT NOT NULL REFERENCES merchants (id),
    email         TEXT NOT NULL UNIQUE CHECK (email <> ''),
    role          TEXT NOT NULL CHECK (role IN ('owner', 'finance', 'developer', 'viewer')),
    password_hash TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  BIGINT NOT NULL DEFAULT 0,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX dashboard_users_merchant ON dashboard_users (merchant_id, created_at);

-- Server-side sessions: only the SHA-256 of the cookie's random id is kept.
CREATE TABLE dashboard_sessions (
    id_hash      TEXT PRIMARY KEY CHECK (id_hash <> ''),
    user_id      TEXT NOT NULL REFERENCES dashboard_users (id),
    merchant_id  TEXT NOT NULL,
    mode         TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX dashboard_sessions_user ON dashboard_sessions (user_id);

-- One-time link tokens (first owner, invitations, password set), hashed.
CREATE TABLE dashboard_tokens (
    hash        TEXT PRIMARY KEY CHECK (hash <> ''),
    kind        TEXT NOT NULL CHECK (kind IN ('setup', 'invite', 'reset')),
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    email       TEXT NOT NULL,
    role        TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);
