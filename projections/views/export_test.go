package views

import (
	"context"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
)

// PaymentsFolded lists payment obligations computed from every payer's
// money state, as before schema 7: what the rows must equal.
func (r *Reader) PaymentsFolded(ctx context.Context, f PaymentFilter) ([]PaymentItem, string, error) {
	return r.paymentsFold(ctx, f, nil)
}

// PaymentTotalsFolded sums payment obligations computed from every payer's money state.
func (r *Reader) PaymentTotalsFolded(ctx context.Context, f StatsFilter) (PaymentTotals, error) {
	t := PaymentTotals{ByStatus: map[cases.PaymentStatus]int{}, ByKind: map[cases.PaymentKind]Totals{}, ByMonth: map[string]Totals{}}
	return t, r.paymentTotalsFold(ctx, f, &t, nil)
}

// ItemsOf is the domain's answer: a case's payment obligations as items.
func ItemsOf(c *cases.Case, asOf calendar.Date, o *money.Offices) []PaymentItem {
	items := []PaymentItem{}
	for _, p := range c.PaymentObligations(asOf, o) {
		items = append(items, paymentItem(c, p))
	}
	return items
}
