-- +goose Up
-- Read models: projections of the events table, rebuilt by `lhuta rebuild`.
-- Dates are stored as YYYY-MM-DD text, which sorts and compares as dates.

-- One row per case, at the version of the last event folded into it.
CREATE TABLE case_view (
    case_id   TEXT PRIMARY KEY,
    situation TEXT NOT NULL,
    office    TEXT NOT NULL,
    status    TEXT NOT NULL,
    version   BIGINT NOT NULL,
    citizen   TEXT NOT NULL,
    opened_on TEXT NOT NULL
);

-- One row per obligation of a case; seq orders a case's obligations.
CREATE TABLE obligation_view (
    case_id        TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    obligation     TEXT NOT NULL,
    legal_basis    TEXT NOT NULL,
    triggered_on   TEXT NOT NULL,
    due_on         TEXT NOT NULL,
    fulfilled_on   TEXT,
    excused_on     TEXT,
    offence_code   TEXT NOT NULL,
    office         TEXT NOT NULL,
    situation      TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE INDEX obligation_view_due ON obligation_view (due_on, case_id, seq);

-- +goose Down
DROP TABLE obligation_view;
DROP TABLE case_view;
