// Package listing reads the e-mail reminders as GET /v1/reminders shows
// them: the read model's plan (reminder_view) with the marks the reminders
// service keeps of what it sent (reminder_sent). It is the reminders' query
// side, apart from their delivery (package reminders, which holds the
// outbox and the lease): it needs a database, not the event store.
package listing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/reminder"
)

// ConsentGone is the reason, and the last error, of a reminder dropped at
// delivery because the citizen's consent no longer holds.
const ConsentGone = "the citizen's consent no longer holds: not sent"

// Item is one reminder as GET /v1/reminders shows it: planned or cancelled
// as the read model's plan says (a planned one whose days passed unsent is
// cancelled), sent (handed to the outbox), parked, or cancelled at delivery
// as the service's marks say. The marks live in a table no rebuild
// touches, so a rebuild of the read models changes nothing here.
type Item struct {
	ID      string          `json:"id"`
	CaseID  string          `json:"case_id"`
	Office  string          `json:"office"`
	Kind    reminder.Kind   `json:"kind"`
	Subject string          `json:"subject"`
	DueOn   calendar.Date   `json:"due_on"`
	SendOn  calendar.Date   `json:"send_on"`
	Status  reminder.Status `json:"status"`
	// Reason says why a reminder is cancelled.
	Reason string `json:"reason,omitempty"`
	// QueuedAt is when it entered the outbox, DeliveredAt when the mail
	// server took it; Attempts and LastError tell of refusals.
	QueuedAt    *time.Time `json:"queued_at,omitempty"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error,omitempty"`
}

// List returns the reminders of one case (caseID) or of all a citizen's
// cases (citizenID) as of today, in the order they are sent;
// cases.ErrNotFound for a case that does not exist.
func List(ctx context.Context, db *sql.DB, today calendar.Date, caseID, citizenID string) ([]Item, error) {
	where, arg := "citizen_id = $1", citizenID
	if caseID != "" {
		where, arg = "case_id = $1", caseID
		var one int
		err := db.QueryRowContext(ctx, `SELECT 1 FROM case_view WHERE case_id = $1`, caseID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("case %s: %w", caseID, cases.ErrNotFound)
		}
		if err != nil {
			return nil, err
		}
	}
	const marks = `s.queued_at, s.delivered_at, s.parked_at, s.dropped_at, COALESCE(s.attempts, 0), s.last_error`
	// The plan with its marks, and the marks of reminders sent before the
	// facts changed the plan (they stay sent).
	rows, err := db.QueryContext(ctx, `SELECT r.reminder_id, r.case_id, r.office, r.kind, r.subject, r.due_on, r.send_on,
		r.last_on, r.status, r.reason, `+marks+`
		FROM reminder_view r LEFT JOIN reminder_sent s ON s.reminder_id = r.reminder_id WHERE r.`+where+`
		UNION ALL
		SELECT s.reminder_id, s.case_id, s.office, s.kind, '', s.send_on, s.send_on, s.send_on, 'sent', '', `+marks+`
		FROM reminder_sent s WHERE s.`+where+`
		AND NOT EXISTS (SELECT 1 FROM reminder_view r WHERE r.reminder_id = s.reminder_id)`, arg)
	if err != nil {
		return nil, fmt.Errorf("reminders: list: %w", err)
	}
	items := []Item{}
	for rows.Next() {
		var (
			it                                 Item
			dueOn, sendOn, lastOn              any
			lastDay                            calendar.Date
			queued, delivered, parked, dropped sql.NullTime
			lastError                          sql.NullString
		)
		if err := rows.Scan(&it.ID, &it.CaseID, &it.Office, &it.Kind, &it.Subject, &dueOn, &sendOn, &lastOn, &it.Status, &it.Reason,
			&queued, &delivered, &parked, &dropped, &it.Attempts, &lastError); err != nil {
			_ = rows.Close()
			return nil, err
		}
		for _, d := range []struct {
			v   any
			out *calendar.Date
		}{{dueOn, &it.DueOn}, {sendOn, &it.SendOn}, {lastOn, &lastDay}} {
			if *d.out, err = scanDate(d.v); err != nil {
				_ = rows.Close()
				return nil, err
			}
		}
		switch {
		case queued.Valid:
			it.Status, it.Reason = reminder.Sent, ""
			it.QueuedAt = &queued.Time
			if delivered.Valid {
				it.DeliveredAt = &delivered.Time
			}
			switch {
			case parked.Valid:
				it.Status = reminder.Parked
			case dropped.Valid:
				it.Status, it.Reason = reminder.Cancelled, ConsentGone
			}
			it.LastError = lastError.String
		case it.Status == reminder.Planned && today.After(lastDay):
			it.Status, it.Reason = reminder.Cancelled, reminder.Lapsed
		}
		items = append(items, it)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	slices.SortStableFunc(items, func(a, b Item) int {
		if n := a.SendOn.Compare(b.SendOn); n != 0 {
			return n
		}
		return strings.Compare(a.ID, b.ID)
	})
	return items, nil
}

// scanDate reads a DATE (PostgreSQL) or YYYY-MM-DD text (SQLite) column.
func scanDate(v any) (calendar.Date, error) {
	switch v := v.(type) {
	case time.Time:
		return calendar.NewDate(v.Year(), v.Month(), v.Day()), nil
	case string:
		return calendar.ParseDate(v)
	case []byte:
		return calendar.ParseDate(string(v))
	}
	return calendar.Date{}, fmt.Errorf("a date column holds %T", v)
}
