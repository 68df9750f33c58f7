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
    send_on      DATE NOT NULL,
    queued_at    TIMESTAMPTZ NOT NULL,
    -- Written by the forwarder's hand-off: the recipient and the whole
    -- message, composed once when queued.
    handed_at    TIMESTAMPTZ,
    recipient    TEXT,
    message      BYTEA,
    delivered_at TIMESTAMPTZ,
    parked_at    TIMESTAMPTZ,
    -- dropped_at: not sent, the consent was withdrawn before delivery.
    dropped_at   TIMESTAMPTZ,
    next_try_at  TIMESTAMPTZ,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT
);
CREATE INDEX reminder_sent_case ON reminder_sent (case_id);
CREATE INDEX reminder_sent_citizen ON reminder_sent (citizen_id);
CREATE INDEX reminder_sent_waiting ON reminder_sent (handed_at)
    WHERE delivered_at IS NULL AND parked_at IS NULL AND dropped_at IS NULL;

-- The outbox: watermill-sql's PostgreSQL schema for the topic "reminders"
-- (DefaultPostgreSQLSchema and DefaultPostgreSQLOffsetsAdapter), created
-- here because its publisher writes inside the scheduler's transaction,
-- where it may not create tables.
CREATE TABLE watermill_reminders (
    "offset"       BIGSERIAL,
    uuid           VARCHAR(255) NOT NULL,
    created_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    payload        JSON DEFAULT NULL,
    metadata       JSON DEFAULT NULL,
    transaction_id xid8 NOT NULL,
    PRIMARY KEY (transaction_id, "offset")
);
CREATE TABLE watermill_offsets_reminders (
    consumer_group                VARCHAR(255) NOT NULL,
    offset_acked                  BIGINT,
    last_processed_transaction_id xid8 NOT NULL,
    PRIMARY KEY (consumer_group)
);

-- +goose Down
DROP TABLE watermill_offsets_reminders;
DROP TABLE watermill_reminders;
DROP TABLE reminder_sent;
