-- +goose Up
-- Reminders (docs/LAW.md §5.4). The plan and the consents are read models
-- (reminder_view, consent_view), rebuilt from the events; what lives here is
-- what a rebuild must never forget: the reminders handed to the outbox (so
-- nothing is sent twice), their letter once the forwarder handed it to
-- delivery, and what became of them.
CREATE TABLE reminder_sent (
    reminder_id  TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL,
    citizen_id   TEXT NOT NULL,
    office       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    send_on      TEXT NOT NULL,
    queued_at    TIMESTAMP NOT NULL,
    handed_at    TIMESTAMP,
    recipient    TEXT,
    message      BLOB,
    delivered_at TIMESTAMP,
    parked_at    TIMESTAMP,
    dropped_at   TIMESTAMP,
    next_try_at  TIMESTAMP,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT
);
CREATE INDEX reminder_sent_case ON reminder_sent (case_id);
CREATE INDEX reminder_sent_citizen ON reminder_sent (citizen_id);
CREATE INDEX reminder_sent_waiting ON reminder_sent (handed_at)
    WHERE delivered_at IS NULL AND parked_at IS NULL AND dropped_at IS NULL;

-- The outbox on SQLite: the topic "reminders" in the schema of lhuta's own
-- watermill-sql adapters (internal/reminders, outbox_sqlite.go). Offsets
-- are gap-free because every write transaction begins IMMEDIATE: one
-- writer at a time, so an offset commits before the next is handed out.
CREATE TABLE watermill_reminders (
    "offset"   INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    payload    BLOB,
    metadata   BLOB
);
CREATE TABLE watermill_offsets_reminders (
    consumer_group TEXT PRIMARY KEY,
    offset_acked   INTEGER NOT NULL
);

-- +goose Down
DROP TABLE watermill_offsets_reminders;
DROP TABLE watermill_reminders;
DROP TABLE reminder_sent;
