package reminders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/reminder"
)

// Item is one reminder as GET /v1/reminders shows it: planned or cancelled
// as the plan says today, sent (handed to the outbox) or parked as the
// service's marks say. The plan is made from the case's events on every
// read, so a rebuild of the read models changes nothing here, and the marks
// live in a table no rebuild touches.
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
// cases (citizenID), in the order they are sent; cases.ErrNotFound for a
// case that does not exist.
func (s *Service) List(ctx context.Context, caseID, citizenID string) ([]Item, error) {
	var (
		ids []string
		err error
	)
	if caseID != "" {
		ids, err = s.caseIDs(ctx, `case_id = $1`, caseID)
		if err == nil && len(ids) == 0 {
			return nil, fmt.Errorf("case %s: %w", caseID, cases.ErrNotFound)
		}
	} else {
		ids, err = s.caseIDs(ctx, `citizen_id = $1`, citizenID)
	}
	if err != nil {
		return nil, err
	}
	today := s.cfg.Today()
	items := []Item{}
	for _, id := range ids {
		c, err := s.load(ctx, id)
		if err != nil {
			return nil, err
		}
		marks, err := s.marks(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, r := range reminder.Plan(c, today, s.offices) {
			it := Item{ID: r.ID, CaseID: r.CaseID, Office: r.Office, Kind: r.Kind, Subject: r.Subject,
				DueOn: r.DueOn, SendOn: r.SendOn, Status: r.Status, Reason: r.Reason}
			if m, ok := marks[r.ID]; ok {
				m.apply(&it)
				delete(marks, r.ID)
			}
			items = append(items, it)
		}
		// A reminder sent before the facts changed its plan stays sent.
		for _, m := range marks {
			it := Item{ID: m.id, CaseID: id, Office: c.Office, Kind: reminder.Kind(m.kind), SendOn: m.sendOn}
			m.apply(&it)
			items = append(items, it)
		}
	}
	slices.SortStableFunc(items, func(a, b Item) int { return a.SendOn.Compare(b.SendOn) })
	return items, nil
}

// mark is a reminder_sent row.
type mark struct {
	id, kind                  string
	sendOn                    calendar.Date
	queued, delivered, parked sql.NullTime
	attempts                  int
	lastError                 sql.NullString
}

func (m mark) apply(it *Item) {
	it.Status, it.Reason = reminder.Sent, ""
	if m.parked.Valid {
		it.Status = reminder.Parked
	}
	it.QueuedAt = &m.queued.Time
	if m.delivered.Valid {
		it.DeliveredAt = &m.delivered.Time
	}
	it.Attempts, it.LastError = m.attempts, m.lastError.String
}

func (s *Service) marks(ctx context.Context, caseID string) (map[string]mark, error) {
	rows, err := s.db.SQL.QueryContext(ctx, `SELECT reminder_id, kind, send_on, queued_at, delivered_at, parked_at, attempts, last_error
		FROM reminder_sent WHERE case_id = $1`, caseID)
	if err != nil {
		return nil, fmt.Errorf("reminders: read marks: %w", err)
	}
	marks := map[string]mark{}
	for rows.Next() {
		var (
			m      mark
			sendOn any
		)
		if err := rows.Scan(&m.id, &m.kind, &sendOn, &m.queued, &m.delivered, &m.parked, &m.attempts, &m.lastError); err != nil {
			_ = rows.Close()
			return nil, err
		}
		if m.sendOn, err = scanDate(sendOn); err != nil {
			_ = rows.Close()
			return nil, err
		}
		marks[m.id] = m
	}
	return marks, errors.Join(rows.Err(), rows.Close())
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
