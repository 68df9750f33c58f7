-- +goose Up
-- The progress of a running `lhuta rebuild` (or `lhuta rebuild --check`),
-- written by that process about every two seconds and deleted when it
-- ends, so that `lhuta serve`'s /metrics can report it: the rebuild runs in
-- a process of its own. Times are Unix seconds. A row left by a rebuild
-- that was killed stays, no longer updated, until the next rebuild starts.
CREATE TABLE rebuild_progress (
    generation   BIGINT NOT NULL PRIMARY KEY,
    events_done  BIGINT NOT NULL,
    events_total BIGINT NOT NULL,
    started_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- +goose Down
DROP TABLE rebuild_progress;
