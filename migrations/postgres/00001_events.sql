-- +goose Up
-- The events table is the single source of truth; everything else is a read
-- model that `lhuta rebuild` can recreate from it. transaction_id lets readers
-- follow the log in commit-safe order (see eventstore.Postgres).
CREATE TABLE events (
    position       BIGSERIAL NOT NULL,
    transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
    stream_id      TEXT NOT NULL,
    version        BIGINT NOT NULL,
    type           TEXT NOT NULL,
    data           JSONB NOT NULL,
    recorded_by    TEXT NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL,
    correlation_id TEXT NOT NULL,
    PRIMARY KEY (transaction_id, position),
    UNIQUE (stream_id, version)
);
CREATE UNIQUE INDEX events_position ON events (position);

-- Where each projection consumer group has read up to (watermill-sql offsets).
CREATE TABLE projection_offsets (
    consumer_group                TEXT PRIMARY KEY,
    offset_acked                  BIGINT NOT NULL,
    last_processed_transaction_id xid8 NOT NULL
);

-- +goose Down
DROP TABLE projection_offsets;
DROP TABLE events;
