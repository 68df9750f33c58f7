-- +goose Up
-- Every booked credit of an imported bank statement, once (office and bank
-- reference): `matched` to the case its PaymentReceived is recorded on, or
-- an unmatched credit (docs/LAW.md §9.1, shared variable symbols) that is
-- `open` until the fee department `assigned` it to a case or `returned` it
-- to the payer. Not a read model: no event holds an unmatched credit, so
-- this table is primary data, kept by backups and never rebuilt. The first
-- import to insert a credit's row decides its outcome; a concurrent import
-- of the same statement finds the row and follows it (docs/decisions.md).
CREATE TABLE statement_credits (
    id              TEXT NOT NULL PRIMARY KEY,
    office          TEXT NOT NULL,
    bank_reference  TEXT NOT NULL,
    statement       TEXT NOT NULL,
    booked_on       TEXT NOT NULL,
    amount_czk      BIGINT NOT NULL CHECK (amount_czk BETWEEN 1 AND 100000000),
    variable_symbol TEXT NOT NULL,
    message         TEXT NOT NULL,
    counter_party   TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('matched', 'open', 'assigned', 'returned')),
    case_id         TEXT,
    reason          TEXT NOT NULL,
    return_reason   TEXT NOT NULL DEFAULT '',
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      BIGINT,
    imported_at     BIGINT NOT NULL,
    UNIQUE (office, bank_reference)
);
CREATE INDEX statement_credits_list ON statement_credits (status, office, booked_on, id);

-- +goose Down
DROP TABLE statement_credits;
