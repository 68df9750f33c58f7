package views

import (
	"context"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
)

// ReceivedPayment is a payment received on a case, as the citizen's
// portal shows it in a payment obligation's history (docs/LAW.md §9).
type ReceivedPayment struct {
	AmountCZK int           `json:"amount_czk"`
	PaidOn    calendar.Date `json:"paid_on"`
}

// LedgerItem is a payment obligation with the payments received on its
// case under its variable symbol up to the day asked about: what the
// obligation's settlement (cases.Case.PaymentObligations) was computed from.
type LedgerItem struct {
	PaymentItem
	Payments []ReceivedPayment `json:"payments"`
}

// CitizenLedger lists one citizen's payment obligations as of a day, each
// with its history of payments, for the citizen's portal.
func (r *Reader) CitizenLedger(ctx context.Context, citizenID string, asOf calendar.Date) ([]LedgerItem, error) {
	items := []LedgerItem{}
	from, args := r.payers(2, []any{citizenID})
	err := r.eachPayer(ctx, `SELECT p.case_id, p.money`+from+` AND p.citizen_id = $1 ORDER BY p.case_id`, args, func(c *cases.Case) bool {
		for _, p := range c.PaymentObligations(asOf, r.terms()) {
			it := LedgerItem{PaymentItem: paymentItem(c, p), Payments: []ReceivedPayment{}}
			for _, pay := range c.Payments {
				if pay.VariableSymbol == p.VariableSymbol && !pay.PaidOn.After(asOf) {
					it.Payments = append(it.Payments, ReceivedPayment{pay.AmountCZK, pay.PaidOn})
				}
			}
			items = append(items, it)
		}
		return true
	})
	return items, err
}
