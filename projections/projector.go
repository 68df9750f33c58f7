package projections

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
)

// Project folds one event into the read models inside tx. It re-derives the
// event's case from its stream up to that event and replaces the case's rows,
// so applying an event twice, or an older one after a newer, changes nothing.
func Project(ctx context.Context, tx *sql.Tx, d eventstore.Dialect, e eventstore.Event) error {
	var have int64
	err := tx.QueryRowContext(ctx, `SELECT version FROM case_view WHERE case_id = $1`, e.StreamID).Scan(&have)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return err
	case have >= e.Version:
		return nil
	}
	rows, err := tx.QueryContext(ctx, d.SelectEvents()+` WHERE stream_id = $1 AND version <= $2 ORDER BY version`, e.StreamID, e.Version)
	if err != nil {
		return err
	}
	c := cases.Case{ID: e.StreamID}
	for rows.Next() {
		ev, err := eventstore.ScanEvent(rows)
		if err == nil {
			err = caserepo.Replay(&c, []eventstore.Event{ev})
		}
		if err != nil {
			_ = rows.Close()
			return err
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	return writeCase(ctx, tx, &c)
}

// caseTables are the read-model tables that hold rows of one case.
var caseTables = []string{"case_view", "obligation_view", "flag_view", "sla_view"}

func writeCase(ctx context.Context, tx *sql.Tx, c *cases.Case) error {
	citizen, err := json.Marshal(c.Citizen)
	if err != nil {
		return err
	}
	validity, err := json.Marshal(append([]cases.Validity{}, c.Validity...))
	if err != nil {
		return err
	}
	var fee sql.NullString
	if c.Fee != nil {
		b, err := json.Marshal(c.Fee)
		if err != nil {
			return err
		}
		fee = sql.NullString{String: string(b), Valid: true}
	}
	w := writer{ctx: ctx, tx: tx}
	for _, table := range caseTables {
		w.exec(`DELETE FROM `+table+` WHERE case_id = $1`, c.ID)
	}
	status := "open"
	if c.Closed() {
		status = "closed"
	}
	w.exec(`INSERT INTO case_view (case_id, situation, office, status, version, citizen, opened_on, closed_on, validity, fee)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.ID, c.Situation, c.Office, status, c.Version, string(citizen), c.OpenedOn.String(),
		nullDate(c.ClosedOn), string(validity), fee)
	for i, o := range c.Obligations {
		w.exec(`INSERT INTO obligation_view (case_id, seq, obligation, legal_basis,
			triggered_on, due_on, fulfilled_on, excused_on, judged_on, offence_code, office, situation)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			c.ID, i+1, o.Obligation, o.LegalBasis, o.TriggeredOn.String(), o.Due.String(),
			nullDate(o.FulfilledOn), nullDate(o.ExcusedOn), nullDate(o.JudgedOn), o.Offence.Code, c.Office, c.Situation)
	}
	for _, f := range c.Flags {
		var maxFine, fine sql.NullInt64
		if f.Offence.MaxFineCZK != nil {
			maxFine = sql.NullInt64{Int64: int64(*f.Offence.MaxFineCZK), Valid: true}
		}
		if f.FineCZK > 0 {
			fine = sql.NullInt64{Int64: int64(f.FineCZK), Valid: true}
		}
		w.exec(`INSERT INTO flag_view (case_id, flag_id, offence, legal_basis, max_fine_czk, review_only, raised_on,
			obligation, decision, fine_czk, decided_on, office, situation)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			c.ID, f.ID, f.Offence.Code, f.Offence.LegalBasis, maxFine, f.Offence.ReviewOnly, f.RaisedOn.String(),
			f.Obligation, sql.NullString{String: string(f.Decision), Valid: f.Decision != ""}, fine, nullDate(f.DecidedOn),
			c.Office, c.Situation)
	}
	for i, d := range c.SLA {
		w.exec(`INSERT INTO sla_view (case_id, seq, document, track, filed_on, due_on, ready_on, office, situation)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			c.ID, i+1, d.Document, d.Track, d.FiledOn.String(), d.Due.String(), nullDate(d.ReadyOn), c.Office, c.Situation)
	}
	return w.err
}

// writer runs statements until the first error, which it keeps.
type writer struct {
	ctx context.Context
	tx  *sql.Tx
	err error
}

func (w *writer) exec(q string, args ...any) {
	if w.err == nil {
		_, w.err = w.tx.ExecContext(w.ctx, q, args...)
	}
}

func nullDate(d calendar.Date) sql.NullString {
	return sql.NullString{String: d.String(), Valid: !d.IsZero()}
}
