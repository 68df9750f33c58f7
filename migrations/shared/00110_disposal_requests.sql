-- +goose Up
-- The Idempotency-Key of POST /v1/disposals (docs/API.md): a proposal is
-- not an event, so its key is not in idempotency_keys. A key is the
-- caller's own (actor); request_hash is a digest of the route and the body
-- (no personal value: a proposal's body is a date and an office), so that
-- the same key on another request is refused. A key older than
-- LHUTA_IDEMPOTENCY_TTL is free again: the next proposal under it replaces
-- the row.
CREATE TABLE disposal_requests (
    actor         TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    disposal_id   TEXT NOT NULL,
    recorded_unix BIGINT NOT NULL,
    PRIMARY KEY (actor, idem_key)
);

-- +goose Down
DROP TABLE disposal_requests;
