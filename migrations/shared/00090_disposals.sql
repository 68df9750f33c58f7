-- +goose Up
-- Disposal proposals (skartační návrhy, docs/RETENTION.md): a records
-- officer proposes the cases whose retention period has ended, the archive
-- decides, and the approval records CaseDisposed on each case. A proposal is
-- not a fact of any one case, so it is kept here, not in the event log.
-- Dates are YYYY-MM-DD text on both databases. office is the proposal's
-- office scope ("*" for every office); the decision columns are NULL until
-- the approval, which sets approved_at last of all its work.
CREATE TABLE disposals (
    disposal_id      TEXT PRIMARY KEY,
    offices          TEXT NOT NULL,
    as_of            TEXT NOT NULL,
    proposed_by      TEXT NOT NULL,
    proposed_at      {{.Timestamp}} NOT NULL,
    archive_decision TEXT,
    decided_on       TEXT,
    approved_by      TEXT,
    approved_at      {{.Timestamp}}
);
-- The cases of a proposal, as they stood when it was made: the reference,
-- never the citizen. outcome is NULL until the approval: disposed,
-- transferred (mark A, to the archive) or skipped (with why).
CREATE TABLE disposal_items (
    disposal_id TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    reference   TEXT NOT NULL,
    situation   TEXT NOT NULL,
    office      TEXT NOT NULL,
    mark        TEXT NOT NULL,
    years       INTEGER NOT NULL,
    rule_trigger TEXT NOT NULL,
    trigger_on  TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    outcome     TEXT,
    skipped     TEXT,
    PRIMARY KEY (disposal_id, case_id)
);
CREATE INDEX disposal_items_case ON disposal_items (case_id);

-- +goose Down
DROP TABLE disposal_items;
DROP TABLE disposals;
