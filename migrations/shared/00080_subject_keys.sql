-- +goose Up
-- Retention and erasure (docs/RETENTION.md). The personal values of events
-- are sealed with a data key per citizen; the keys live here, apart from the
-- events, wrapped by the key-encryption key (LHUTA_KEK_FILE), which is never
-- in the database. subject is an HMAC of the citizen's id under the KEK, so
-- this table names nobody. Forgetting deletes the key's row.
CREATE TABLE subject_keys (
    key_id     TEXT PRIMARY KEY,
    subject    TEXT NOT NULL UNIQUE,
    wrapped    TEXT NOT NULL,
    created_at {{.Timestamp}} NOT NULL
);
-- Which key seals the personal values of a case's events: the key of the
-- citizen its CaseOpened names. It outlives a forgetting, so that nothing
-- personal can be appended to a forgotten citizen's case.
CREATE TABLE stream_keys (
    stream_id TEXT PRIMARY KEY,
    key_id    TEXT NOT NULL
);
CREATE INDEX stream_keys_key ON stream_keys (key_id);
-- The keys destroyed, and when: no personal data, only random key ids.
CREATE TABLE forgotten_keys (
    key_id       TEXT PRIMARY KEY,
    forgotten_at {{.Timestamp}} NOT NULL
);

-- +goose Down
DROP TABLE forgotten_keys;
DROP TABLE stream_keys;
DROP TABLE subject_keys;
