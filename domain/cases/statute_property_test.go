package cases

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
)

// A property of the statute's arithmetic (docs/LAW.md §9.1), over random
// liabilities, dogs, dog birth dates, exemptions and payments in 2025:
// what the payer owes for the fee year is the months' shares summed and
// rounded up once, as a model that follows each dog on its own counts them;
// paid + owed − credit is the amount of every obligation; no figure is
// negative. The seed is fixed, so a failure repeats.
func TestPropertyAFeeYearIsTheSumOfItsMonths(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 9))
	today := day(2026, 1, 31)
	for run := range 400 {
		s := newScenario(r, today)
		c := feeCase(s.born)
		for _, f := range s.facts {
			if err := do(t, c, clerkOn(today), f.typ, f.data); err != nil {
				continue // a fact the rules refuse is not part of the case
			}
			f.model(s)
		}
		want, liable := s.expected2025()
		var got *PaymentObligation
		for _, p := range c.PaymentObligations(today, nil) {
			if p.AmountCZK < 0 || p.PaidCZK < 0 || p.OwedCZK < 0 || p.CreditCZK < 0 {
				t.Fatalf("run %d: a negative figure %+v", run, p)
			}
			if p.PaidCZK+p.OwedCZK-p.CreditCZK != p.AmountCZK {
				t.Fatalf("run %d: paid %d + owed %d − credit %d ≠ amount %d (%s)", run, p.PaidCZK, p.OwedCZK, p.CreditCZK, p.AmountCZK, p.ID)
			}
			if p.Year == 2025 {
				got = &p
			}
		}
		switch {
		case got == nil && liable:
			t.Fatalf("run %d: no 2025 obligation; the model owes %d Kč\n%s", run, want, s)
		case got != nil && got.AmountCZK != want:
			t.Fatalf("run %d: 2025 is %d Kč, the model's months give %d Kč\n%s\nbasis: %s", run, got.AmountCZK, want, s, got.Basis)
		}
	}
}

// scenario is one payer's random facts and a model of them that counts
// each dog on its own.
type scenario struct {
	fee   string
	born  calendar.Date
	facts []modelFact
	// the model
	waste      []span // the waste duty's periods
	dogs       []span // one per dog, in the order they arose
	exemptions []span
}

type span struct{ from, to calendar.Date } // to: zero while it lasts

type modelFact struct {
	typ   EventType
	data  string
	model func(*scenario)
}

func (s *scenario) String() string {
	out := fmt.Sprintf("fee %s, payer born %s", s.fee, s.born)
	for _, f := range s.facts {
		out += fmt.Sprintf("\n  %s %s", f.typ, f.data)
	}
	return out
}

func randomDay(r *rand.Rand, from calendar.Date, days int) calendar.Date {
	return from.AddDays(r.IntN(days))
}

func newScenario(r *rand.Rand, today calendar.Date) *scenario {
	s := &scenario{fee: "waste", born: randomDay(r, day(1958, 1, 1), 5*365)}
	if r.IntN(2) == 0 {
		s.fee = "dog"
	}
	at := randomDay(r, day(2024, 6, 1), 560)
	for range 1 + r.IntN(4) {
		if !at.Before(today) {
			break
		}
		if s.fee == "waste" {
			from := at
			s.facts = append(s.facts, modelFact{LocalFeeLiabilityAroseType, arose(from.String()), func(s *scenario) {
				s.waste = append(s.waste, span{from: from})
			}})
			ended := randomDay(r, from, 200)
			if ended.Before(today) && r.IntN(2) == 0 {
				s.facts = append(s.facts, modelFact{LocalFeeLiabilityEndedType, `{"fee":"waste","ended_on":"` + ended.String() + `"}`, func(s *scenario) {
					s.waste[len(s.waste)-1].to = ended
				}})
			}
			at = ended.AddDays(1 + r.IntN(60))
			continue
		}
		arose, n := at, 1+r.IntN(3)
		born := calendar.Date{}
		extra := ""
		if r.IntN(2) == 0 {
			born = arose.AddDays(-r.IntN(150))
			extra = `,"dog_born_on":"` + born.String() + `"`
		}
		s.facts = append(s.facts, modelFact{LocalFeeLiabilityAroseType, dogArose(arose.String(), fmt.Sprint(n), extra)[len(LocalFeeLiabilityAroseType)+1:], func(s *scenario) {
			from := arose
			if old := born.AddMonths(3); !born.IsZero() && old.After(arose) {
				from = old
			}
			for range n {
				s.dogs = append(s.dogs, span{from: from})
			}
		}})
		if ended := randomDay(r, arose, 200); ended.Before(today) && r.IntN(2) == 0 {
			end := r.IntN(3) // 0: all
			data := `{"fee":"dog","ended_on":"` + ended.String() + `"}`
			if end > 0 {
				data = fmt.Sprintf(`{"fee":"dog","ended_on":"%s","dogs":%d}`, ended, end)
			}
			s.facts = append(s.facts, modelFact{LocalFeeLiabilityEndedType, data, func(s *scenario) {
				left := end
				for i := range s.dogs {
					if s.dogs[i].to.IsZero() && (end == 0 || left > 0) {
						s.dogs[i].to = ended
						left--
					}
				}
			}})
			at = ended
		}
		at = at.AddDays(r.IntN(90))
	}
	if s.fee == "waste" {
		for range r.IntN(3) {
			from := randomDay(r, day(2024, 12, 1), 400)
			to, data := from.AddDays(r.IntN(200)), ""
			if r.IntN(3) == 0 {
				to = calendar.Date{}
				data = fmt.Sprintf(`{"fee":"waste","reason":"prison","from":"%s"}`, from)
			} else {
				data = fmt.Sprintf(`{"fee":"waste","reason":"prison","from":"%s","to":"%s"}`, from, to)
			}
			s.facts = append(s.facts, modelFact{LocalFeeExemptionGrantedType, data, func(s *scenario) {
				s.exemptions = append(s.exemptions, span{from, to})
			}})
		}
	}
	for range r.IntN(4) {
		s.facts = append(s.facts, modelFact{PaymentReceivedType,
			fmt.Sprintf(`{"amount_czk":%d,"paid_on":"%s","variable_symbol":"1541"}`, 1+r.IntN(1500), randomDay(r, day(2025, 1, 1), 395)),
			func(*scenario) {}})
	}
	return s
}

func (sp span) covers(d calendar.Date) bool {
	return !sp.from.After(d) && (sp.to.IsZero() || !sp.to.Before(d))
}

// expected2025 counts 2025 month by month from the model: for waste, 1 200
// ÷ 12 for each month at whose end the payer is liable and not exempt; for
// dogs, in each month with n dogs held and older than 3 months, (200 +
// (n − 1) × 300) ÷ 12, nothing from the month after the 65th birthday; the
// sum rounded up. liable says whether a duty ran in 2025 at all.
func (s *scenario) expected2025() (czk int, liable bool) {
	twelfths := 0
	free := s.born.AddYears(65)
	for m := time.January; m <= time.December; m++ {
		first := day(2025, m, 1)
		last := first.AddMonths(1).AddDays(-1)
		if s.fee == "waste" {
			owes := false
			for _, w := range s.waste {
				owes = owes || !w.from.After(last) && (w.to.IsZero() || w.to.After(last))
				liable = liable || !w.from.After(last) && (w.to.IsZero() || !w.to.Before(first))
			}
			exempt := false
			for _, e := range s.exemptions {
				exempt = exempt || e.covers(last)
			}
			if owes && !exempt {
				twelfths += 1200
			}
			continue
		}
		n := 0
		for _, d := range s.dogs {
			if !d.from.After(last) && (d.to.IsZero() || !d.to.Before(first) && !d.to.Before(d.from)) {
				n++
			}
		}
		liable = liable || n > 0
		if n > 0 && !first.After(free) {
			twelfths += 200 + (n-1)*300
		}
	}
	return (twelfths + 11) / 12, liable
}
