-- +goose Up
-- Every situation: flags, office deadlines, validity ends, fees, closing.
ALTER TABLE case_view ADD COLUMN closed_on TEXT;
ALTER TABLE case_view ADD COLUMN validity TEXT NOT NULL DEFAULT '[]';
ALTER TABLE case_view ADD COLUMN fee TEXT;
ALTER TABLE obligation_view ADD COLUMN judged_on TEXT;

-- One row per flag of a case; a flag is shown as of a day on or after raised_on.
CREATE TABLE flag_view (
    case_id       TEXT NOT NULL,
    flag_id       TEXT NOT NULL,
    offence       TEXT NOT NULL,
    legal_basis   TEXT NOT NULL,
    max_fine_czk  INTEGER,
    review_only   BOOLEAN NOT NULL,
    raised_on     TEXT NOT NULL,
    obligation    TEXT NOT NULL,
    decision      TEXT,
    fine_czk      INTEGER,
    decided_on    TEXT,
    office        TEXT NOT NULL,
    situation     TEXT NOT NULL,
    PRIMARY KEY (case_id, flag_id)
);
CREATE INDEX flag_view_raised ON flag_view (raised_on, case_id, flag_id);

-- One row per office processing deadline (docs/LAW.md §6).
CREATE TABLE sla_view (
    case_id    TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    document   TEXT NOT NULL,
    track      TEXT NOT NULL,
    filed_on   TEXT NOT NULL,
    due_on     TEXT NOT NULL,
    ready_on   TEXT,
    office     TEXT NOT NULL,
    situation  TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);

-- +goose Down
DROP TABLE sla_view;
DROP TABLE flag_view;
ALTER TABLE obligation_view DROP COLUMN judged_on;
ALTER TABLE case_view DROP COLUMN fee;
ALTER TABLE case_view DROP COLUMN validity;
ALTER TABLE case_view DROP COLUMN closed_on;
