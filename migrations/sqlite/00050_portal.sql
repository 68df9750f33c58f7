-- +goose Up
-- The citizen's portal (/obcan/, docs/PORTAL.md). None of these tables is a
-- read model: they are not derived from the events and a rebuild leaves them
-- alone. Times are Unix seconds.

-- Counter credentials (seed 000, docs/LAW.md §1): one account per citizen; re-issuing
-- replaces the row. Only the argon2id hash of the password is kept.
CREATE TABLE portal_accounts (
    citizen_id    TEXT NOT NULL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    must_change   BOOLEAN NOT NULL,
    issued_at     BIGINT NOT NULL,
    issued_by     TEXT NOT NULL
);

-- Signed-in citizens: a browser session (kind 'cookie') or a bearer token
-- issued to the citizen (kind 'bearer'). Only the SHA-256 of the id is kept.
-- must_change: signed in with a counter password not changed yet, which
-- opens nothing but the form that changes it.
CREATE TABLE portal_sessions (
    id_hash    TEXT NOT NULL PRIMARY KEY,
    kind       TEXT NOT NULL,
    citizen_id TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    must_change BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX portal_sessions_citizen ON portal_sessions (citizen_id);

-- Reads of personal data by staff (the audit), written where
-- the AUDIT log line is written; the portal shows a citizen when, which
-- office and which role read their cases (never the actor's name).
CREATE TABLE personal_data_reads (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    read_at    BIGINT NOT NULL,
    case_id    TEXT NOT NULL,
    actor      TEXT NOT NULL,
    role       TEXT NOT NULL,
    office     TEXT NOT NULL,
    route      TEXT NOT NULL,
    request_id TEXT NOT NULL
);
CREATE INDEX personal_data_reads_case ON personal_data_reads (case_id, read_at);

-- +goose Down
DROP TABLE personal_data_reads;
DROP TABLE portal_sessions;
DROP TABLE portal_accounts;
