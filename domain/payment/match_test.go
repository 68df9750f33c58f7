package payment_test

import (
	"testing"

	"github.com/lhuta/lhuta/domain/payment"
)

// House 154 in Nová Ves pays with VS 1541 (docs/LAW.md §9.2): Jana Nováková
// owes the 2026 waste fee (1 200 Kč); Petr Svoboda owes the waste fee
// (1 200 Kč) and a dog fee (200 Kč); Karel Novák (Jana's father-in-law)
// owes 600 Kč of waste fee (registered from July).
var house154 = []payment.Candidate{
	{ID: "novakova", Payer: "Jana Nováková", OwedCZK: []int{1200}},
	{ID: "svoboda", Payer: "Petr Svoboda", OwedCZK: []int{1200, 200}},
	{ID: "novak", Payer: "Karel Novák", OwedCZK: []int{600}},
}

func TestMatchCredit(t *testing.T) {
	for _, tt := range []struct {
		name       string
		message    string
		amount     int
		candidates []payment.Candidate
		want       string // the case, "" for an unmatched credit
	}{
		{"the surname in the message decides, whatever the amount", "odpad NOVAKOVA 2026", 300, house154, "novakova"},
		{"accents and case ignored", "poplatek svobóda", 1200, house154, "svoboda"},
		{"Novák is not Nováková: whole words", "Novák", 1200, house154, "novak"},
		{"no surname: 1 200 Kč is owed by two of them", "odpad", 1200, house154, ""},
		{"no surname: 600 Kč only Novák owes", "", 600, house154, "novak"},
		{"no surname: 1 400 Kč is all that Svoboda owes", "za dum", 1400, house154, "svoboda"},
		{"no surname: 200 Kč only Svoboda's dog fee", "pes", 200, house154, "svoboda"},
		{"no surname, an amount nobody owes", "odpad", 1000, house154, ""},
		{"two surnames named: the amount decides among them only", "Novák a Nováková", 600, house154, "novak"},
		{"two surnames named, an amount only another owes", "Novák, Nováková", 1400, house154, ""},
		{"two surnames named, both owe it", "Nováková Svoboda", 1200, house154, ""},
		{"one case with the symbol, its payer not named, its amount", "platba", 1200, house154[:1], "novakova"},
		{"one case with the symbol, neither named nor its amount: VS alone never decides", "platba", 500, house154[:1], ""},
		{"no case has the symbol", "Nováková", 1200, nil, ""},
		{"a surname inside another word does not count", "svobodova", 300, house154, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := payment.MatchCredit(tt.message, tt.amount, tt.candidates)
			if m.CaseID != tt.want || m.Matched() != (tt.want != "") || m.Reason == "" {
				t.Errorf("MatchCredit(%q, %d) = %+v, want case %q", tt.message, tt.amount, m, tt.want)
			}
		})
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{"Nováková": "novakova", "ŘEHOŘ Šťastný": "rehor stastny", "Žluťoučký kůň": "zlutoucky kun"} {
		if got := payment.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
