-- +goose Up
-- Reminders (docs/LAW.md §5.4): the plan is derived from the events; what
-- lives here is what a rebuild must never forget, the reminders already
-- handed to the outbox (so nothing is sent twice) and what became of them.
-- The outbox itself is PostgreSQL's only for now (docs/decisions.md).
CREATE TABLE reminder_sent (
    reminder_id  TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL,
    citizen_id   TEXT NOT NULL,
    office       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    send_on      TEXT NOT NULL,
    queued_at    TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP,
    parked_at    TIMESTAMP,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT
);
CREATE INDEX reminder_sent_case ON reminder_sent (case_id);
CREATE INDEX reminder_sent_citizen ON reminder_sent (citizen_id);

-- The consents are few among the events: find them without a scan.
CREATE INDEX events_contact_consent ON events (stream_id, position)
    WHERE type IN ('ContactConsentGiven', 'ContactConsentWithdrawn');

-- +goose Down
DROP INDEX events_contact_consent;
DROP TABLE reminder_sent;
