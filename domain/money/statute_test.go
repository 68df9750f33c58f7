package money_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/money"
)

// The statute's arithmetic on Nová Ves's rules (docs/LAW.md §9.1), by hand.
func TestProrateAndDue(t *testing.T) {
	s := novaVes(t)
	dog, _ := s.Rule(money.Dog)
	waste, _ := s.Rule(money.Waste)
	var months [12]money.Month
	for m := 3; m < 12; m++ { // April–December, one dog
		months[m].Units = 1
	}
	months[9].Units, months[10].Units, months[11].Units = 2, 2, 2 // a further dog from October
	months[5].Exempt = true                                       // June exempt
	// 5 × 200 + 3 × 500 = 2500/12 = 208.33 → 209 Kč.
	if a := dog.Prorate(months); a.CZK != 209 || !strings.Contains(a.Reason, "June: exempt, nothing") ||
		!strings.Contains(a.Reason, "2500/12 Kč, rounded up to 209 Kč") || !strings.Contains(a.Reason, "January–March: no liable dog") {
		t.Errorf("dogs: %+v", a)
	}
	months = [12]money.Month{}
	for m := range months {
		months[m] = money.Month{Units: 1, Free: m >= 3}
	}
	// January–March at 200 ÷ 12: 600/12 = 50 Kč.
	if a := dog.Prorate(months); a.CZK != 50 || !strings.Contains(a.Reason, "older than 65") {
		t.Errorf("older than 65 from April: %+v", a)
	}
	months = [12]money.Month{}
	for m := 2; m < 12; m++ {
		months[m].Units = 1
	}
	if a := waste.Prorate(months); a.CZK != 1000 || !strings.Contains(a.Reason, "not liable at the month's end") {
		t.Errorf("waste March–December: %+v", a)
	}
	if from, ok := dog.FreeFrom(calendar.NewDate(1960, time.February, 29)); !ok || from != calendar.NewDate(2025, time.March, 1) {
		t.Errorf("born 29 Feb 1960: free from %s, want March 2025 (65 on 28 Feb 2025)", from)
	}
	if _, ok := waste.FreeFrom(calendar.NewDate(1960, time.March, 20)); ok {
		t.Error("the waste fee has no age")
	}
	for _, tt := range []struct {
		rule   *money.Rule
		arises calendar.Date
		due    calendar.Date
		says   string
	}{
		{waste, calendar.NewDate(2026, 1, 1), calendar.NewDate(2026, 3, 2), "moved to 2026-03-02"}, // Saturday 28 Feb
		{waste, calendar.NewDate(2027, 1, 1), calendar.NewDate(2027, 3, 1), "moved to 2027-03-01"}, // Sunday 28 Feb
		{waste, calendar.NewDate(2025, 1, 1), calendar.NewDate(2025, 2, 28), "due 2025-02-28"},     // a Friday
		{waste, calendar.NewDate(2026, 4, 10), calendar.NewDate(2026, 5, 11), "30 days after"},     // Sunday 10 May
		{dog, calendar.NewDate(2025, 4, 12), calendar.NewDate(2025, 4, 14), "pending the bylaw"},   // Saturday
	} {
		if due, why := tt.rule.Due(tt.arises.Year(), tt.arises); due != tt.due || !strings.Contains(why, tt.says) {
			t.Errorf("%s from %s: due %s (%s), want %s", tt.rule.Fee, tt.arises, due, why, tt.due)
		}
	}
}
