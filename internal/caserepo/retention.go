package caserepo

import (
	"context"
	"errors"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/domain/retention"
)

// ScheduleRetention records the case's RetentionScheduled when, as of
// today, the case has closed or settled under the office's rules and has
// none yet (the domain decides: Case.DueRetention); ok is false when
// nothing was due or no rules are given. Every path that may close or settle
// a case calls it after its own write: a fact through the API, a credit
// assigned by the fee department, a bank statement's payment.
func (r *Repository) ScheduleRetention(ctx context.Context, caseID string, rules *retention.Rules, today calendar.Date,
	offices *money.Offices, req Request) (e Event, ok bool, err error) {
	if rules == nil {
		return Event{}, false, nil
	}
	e, err = r.Update(ctx, caseID, Any, req, func(c *cases.Case) (cases.Recorded, error) {
		rec, due := c.DueRetention(rules, today, offices)
		if !due {
			return cases.Recorded{}, cases.ErrNothingToRecord
		}
		return rec, nil
	})
	if errors.Is(err, cases.ErrNothingToRecord) {
		return Event{}, false, nil
	}
	return e, err == nil, err
}
