-- +goose Up
-- Idempotency keys expire (LHUTA_IDEMPOTENCY_TTL, default 7 days): each
-- records when it was recorded, in Unix seconds, and the sweep removes those
-- older than the period by this index. Keys recorded before this migration
-- count from the migration: they live a whole period longer, never shorter.
ALTER TABLE idempotency_keys ADD COLUMN recorded_unix INTEGER NOT NULL DEFAULT 0;
UPDATE idempotency_keys SET recorded_unix = CAST(strftime('%s', 'now') AS INTEGER);
CREATE INDEX idempotency_keys_recorded ON idempotency_keys (recorded_unix);

-- +goose Down
DROP INDEX idempotency_keys_recorded;
ALTER TABLE idempotency_keys DROP COLUMN recorded_unix;
