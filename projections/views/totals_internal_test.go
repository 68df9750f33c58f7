package views

import (
	"errors"
	"math"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
)

// Payment totals add amounts with checked sums: a figure that cannot be
// represented is ErrOverflow, never a wrapped (negative) total.
func TestTotalsNeverWrap(t *testing.T) {
	asOf := calendar.NewDate(2026, 3, 10)
	waste := cases.PaymentObligation{AmountCZK: 1200, PaidCZK: 1500, CreditCZK: 300, DueOn: calendar.NewDate(2026, 3, 2), Status: cases.PaymentPaidLate}
	dog := cases.PaymentObligation{AmountCZK: 500, PaidCZK: 200, OwedCZK: 300, DueOn: calendar.NewDate(2026, 3, 2), Status: cases.PaymentPartiallyPaid}
	var tot Totals
	if err := errors.Join(tot.add(waste, asOf), tot.add(dog, asOf)); err != nil {
		t.Fatal(err)
	}
	// Due 1 200 + 500; paid 1 500 − 300 credit + 200; owed and overdue 300.
	if tot != (Totals{Obligations: 2, DueCZK: 1700, PaidCZK: 1400, OwedCZK: 300, OverdueCZK: 300}) {
		t.Errorf("totals %+v", tot)
	}
	near := Totals{DueCZK: math.MaxInt - 1000}
	if err := near.add(waste, asOf); !errors.Is(err, ErrOverflow) {
		t.Errorf("MaxInt − 1 000 + 1 200 Kč: %v, totals %+v", err, near)
	}
	low := Totals{PaidCZK: math.MinInt + 100}
	if err := low.add(cases.PaymentObligation{PaidCZK: 0, CreditCZK: math.MaxInt, Status: cases.PaymentPaid}, asOf); !errors.Is(err, ErrOverflow) {
		t.Errorf("a negative sum past MinInt: %v", err)
	}
}
