-- +goose Up
-- Forgetting a citizen (internal/erasure, docs/RETENTION.md). An erasure
-- under way: the citizen's key, and the vault's name of the citizen (an
-- HMAC of their id under the KEK, which names nobody without it) so that a
-- retry after a crash finds the key it destroyed. subject is emptied when
-- the erasure is done; the row keeps only a random key id and two times.
CREATE TABLE erasures (
    key_id      TEXT PRIMARY KEY,
    subject     TEXT NOT NULL,
    started_at  {{.Timestamp}} NOT NULL,
    finished_at {{.Timestamp}}
);
CREATE INDEX erasures_subject ON erasures (subject);

-- Messages for the event feed that are not events of the log: the
-- forwarder (internal/feed) publishes each once, under its id, and records
-- when. SubjectForgotten names the cases of a forgotten citizen (case ids
-- only: nothing personal).
CREATE TABLE feed_notices (
    id           TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   {{.Timestamp}} NOT NULL,
    published_at {{.Timestamp}}
);

-- The fingerprint of the key-encryption key the data keys are wrapped
-- with (an HMAC under the KEK, which reveals nothing of it): an instance
-- given another KEK refuses to start.
CREATE TABLE kek_check (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL,
    created_at  {{.Timestamp}} NOT NULL
);

-- +goose Down
DROP TABLE kek_check;
DROP TABLE feed_notices;
DROP TABLE erasures;
