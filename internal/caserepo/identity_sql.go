package caserepo

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
)

// The tables of migration 00060: what must be unique across cases, written
// in the transaction that appends the event it guards. On PostgreSQL an
// INSERT … ON CONFLICT waits for a concurrent transaction holding the same
// key and then sees what it committed; SQLite has one writer at a time.

// nextReference takes the next sequence of an office's calendar year and
// returns the reference it makes; a rolled-back opening gives its number
// back with the transaction, so the sequence has no gaps.
func nextReference(ctx context.Context, tx *sql.Tx, office string, year int) (string, error) {
	var seq int
	err := tx.QueryRowContext(ctx, `INSERT INTO case_reference_counters (office, year, last_sequence) VALUES ($1, $2, 1)
		ON CONFLICT (office, year) DO UPDATE SET last_sequence = case_reference_counters.last_sequence + 1
		RETURNING last_sequence`, office, year).Scan(&seq)
	if err != nil {
		return "", err
	}
	return cases.ReferenceOf(office, year, seq), nil
}

// knowCitizen records the identity of a citizen id seen for the first time,
// or checks the opening's citizen against the known one (cases.CheckIdentity):
// a *cases.MismatchError if they differ. A birth number the known identity
// lacks is learnt.
func knowCitizen(ctx context.Context, tx *sql.Tx, cit cases.Citizen) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO citizens (citizen_id, birth_date, birth_number) VALUES ($1, $2, $3)
		ON CONFLICT (citizen_id) DO NOTHING`, cit.ID, cit.BirthDate.String(), cit.BirthNumber)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return nil // seen for the first time: the row is this identity
	}
	var (
		born  string
		known = cases.Citizen{ID: cit.ID}
	)
	err = tx.QueryRowContext(ctx, `SELECT birth_date, birth_number FROM citizens WHERE citizen_id = $1`, cit.ID).Scan(&born, &known.BirthNumber)
	if errors.Is(err, sql.ErrNoRows) {
		return errors.New("citizens: the row just written is missing")
	}
	if err != nil {
		return err
	}
	if known.BirthDate, err = calendar.ParseDate(born); err != nil {
		return err
	}
	if err := cases.CheckIdentity(known, cit); err != nil {
		return err
	}
	if known.BirthNumber == "" && cit.BirthNumber != "" {
		_, err = tx.ExecContext(ctx, `UPDATE citizens SET birth_number = $2 WHERE citizen_id = $1`, cit.ID, cit.BirthNumber)
	}
	return err
}

// correctCitizen makes the corrected identity the one the citizen id is known by.
func correctCitizen(ctx context.Context, tx *sql.Tx, cit cases.Citizen) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO citizens (citizen_id, birth_date, birth_number) VALUES ($1, $2, $3)
		ON CONFLICT (citizen_id) DO UPDATE SET birth_date = excluded.birth_date, birth_number = excluded.birth_number`,
		cit.ID, cit.BirthDate.String(), cit.BirthNumber)
	return err
}
