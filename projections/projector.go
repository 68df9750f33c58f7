package projections

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
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
			err = c.Apply(ev.Type, ev.Version, ev.Data)
		}
		if err != nil {
			_ = rows.Close()
			return fmt.Errorf("case %s version %d: %w", e.StreamID, ev.Version, err)
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	return writeCase(ctx, tx, &c)
}

func writeCase(ctx context.Context, tx *sql.Tx, c *cases.Case) error {
	citizen, err := json.Marshal(c.Citizen)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM case_view WHERE case_id = $1`, c.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM obligation_view WHERE case_id = $1`, c.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_view (case_id, situation, office, status, version, citizen, opened_on)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.ID, c.Situation, c.Office, "open", c.Version, string(citizen), c.OpenedOn.String()); err != nil {
		return err
	}
	for i, o := range c.Obligations {
		if _, err := tx.ExecContext(ctx, `INSERT INTO obligation_view (case_id, seq, obligation, legal_basis,
			triggered_on, due_on, fulfilled_on, excused_on, offence_code, office, situation)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			c.ID, i+1, o.Obligation, o.LegalBasis, o.TriggeredOn.String(), o.Due.String(),
			nullDate(o.FulfilledOn.String()), nullDate(o.ExcusedOn.String()), o.Offence.Code, c.Office, c.Situation); err != nil {
			return err
		}
	}
	return nil
}

func nullDate(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
