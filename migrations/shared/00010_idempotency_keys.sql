-- +goose Up
-- Idempotency keys live in their own table, bound to the request they were
-- first sent with (request_hash: method, route, case id and body), instead of
-- a prefix of events.correlation_id, which a client could claim through
-- X-Request-ID. Keys recorded before this migration keep their event but have
-- no request hash (NULL): they still answer retries on their own case.
CREATE TABLE idempotency_keys (
    actor        TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT,
    stream_id    TEXT NOT NULL,
    position     {{.Position}} NOT NULL,
    PRIMARY KEY (actor, idem_key)
);
INSERT INTO idempotency_keys (actor, idem_key, request_hash, stream_id, position)
SELECT recorded_by, substr(correlation_id, length('idem:' || recorded_by || ':') + 1), NULL, stream_id, position
FROM events
WHERE substr(correlation_id, 1, length('idem:' || recorded_by || ':')) = 'idem:' || recorded_by || ':';
DROP INDEX events_idempotency;

-- +goose Down
CREATE UNIQUE INDEX events_idempotency ON events (correlation_id) WHERE correlation_id LIKE 'idem:%';
DROP TABLE idempotency_keys;
