-- +goose Up
-- The events table is the single source of truth; everything else is a read
-- model that `lhuta rebuild` can recreate from it.
CREATE TABLE events (
    position       INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id      TEXT NOT NULL,
    version        INTEGER NOT NULL,
    type           TEXT NOT NULL,
    data           TEXT NOT NULL,
    recorded_by    TEXT NOT NULL,
    recorded_at    TIMESTAMP NOT NULL,
    correlation_id TEXT NOT NULL,
    UNIQUE (stream_id, version)
);

-- Where each projection consumer group has read up to (watermill-sql offsets).
CREATE TABLE projection_offsets (
    consumer_group                TEXT PRIMARY KEY,
    offset_acked                  INTEGER NOT NULL,
    last_processed_transaction_id INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE projection_offsets;
DROP TABLE events;
