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
    id         {{.SerialKey}},
    read_at    BIGINT NOT NULL,
    case_id    TEXT NOT NULL,
    actor      TEXT NOT NULL,
    role       TEXT NOT NULL,
    office     TEXT NOT NULL,
    route      TEXT NOT NULL,
    request_id TEXT NOT NULL
);
CREATE INDEX personal_data_reads_case ON personal_data_reads (case_id, read_at);

-- Sign-in with the national identity (NIA, SAML 2.0; docs/PORTAL.md).
-- One-time activation codes printed at the counter: the first NIA sign-in
-- of a citizen binds NIA's pseudonym to the citizen by one of them. Only
-- the SHA-256 of a code is kept; a code is deleted when it is used, when a
-- new one is issued to the citizen, or after it expired.
CREATE TABLE portal_activation_codes (
    code_hash  TEXT NOT NULL PRIMARY KEY,
    citizen_id TEXT NOT NULL,
    issued_at  BIGINT NOT NULL,
    issued_by  TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX portal_activation_codes_citizen ON portal_activation_codes (citizen_id);

-- NIA's pseudonym of a citizen (the eIDAS PersonIdentifier, else the
-- NameID), bound by an activation code: one per citizen.
CREATE TABLE portal_nia_links (
    pseudonym  TEXT NOT NULL PRIMARY KEY,
    citizen_id TEXT NOT NULL UNIQUE,
    linked_at  BIGINT NOT NULL
);

-- Authentication requests sent to NIA, until they expire: the SHA-256 of
-- the RelayState (also the browser's cookie) and the request's ID that the
-- answer must be in response to.
CREATE TABLE portal_nia_requests (
    relay_hash TEXT NOT NULL PRIMARY KEY,
    request_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Every assertion accepted, until it expires: none is accepted twice.
CREATE TABLE portal_saml_assertions (
    assertion_id TEXT NOT NULL PRIMARY KEY,
    expires_at   BIGINT NOT NULL
);

-- NIA sign-ins of a pseudonym not bound yet, waiting for the activation
-- code: the SHA-256 of the browser's id, the pseudonym, the form's CSRF token.
CREATE TABLE portal_nia_pending (
    id_hash    TEXT NOT NULL PRIMARY KEY,
    pseudonym  TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE portal_nia_pending;
DROP TABLE portal_saml_assertions;
DROP TABLE portal_nia_requests;
DROP TABLE portal_nia_links;
DROP TABLE portal_activation_codes;
DROP TABLE personal_data_reads;
DROP TABLE portal_sessions;
DROP TABLE portal_accounts;
