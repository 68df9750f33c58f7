-- +goose Up
-- A request sent with an Idempotency-Key records its events under the
-- correlation id "idem:<recorded_by>:<key>"; this index lets exactly one
-- such request write, however many retries race.
CREATE UNIQUE INDEX events_idempotency ON events (correlation_id) WHERE correlation_id LIKE 'idem:%';

-- +goose Down
DROP INDEX events_idempotency;
