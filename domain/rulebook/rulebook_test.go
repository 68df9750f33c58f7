package rulebook_test

import (
	"errors"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/rulebook"
)

func d(y int, m time.Month, day int) calendar.Date { return calendar.NewDate(y, m, day) }

func TestForChoosesTheLawByTheDateOfTheFact(t *testing.T) {
	cases := []struct {
		name    string
		fact    calendar.Date
		law     rulebook.Law
		statute string
	}{
		{"card lost in 2015", d(2015, time.April, 1), rulebook.Law328, "zákon 328/1999 Sb."},
		{"card lost on Sunday 1 Aug 2021, the last day of the old law", d(2021, time.August, 1), rulebook.Law328, "zákon 328/1999 Sb."},
		{"card lost on Monday 2 Aug 2021, the first day of the new law", d(2021, time.August, 2), rulebook.Law269, "zákon 269/2021 Sb."},
		{"card lost in 2026", d(2026, time.April, 1), rulebook.Law269, "zákon 269/2021 Sb."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rulebook.For(c.fact)
			if r.Law() != c.law || r.Statute() != c.statute {
				t.Errorf("For(%s) = %s, %q; want %s, %q", c.fact, r.Law(), r.Statute(), c.law, c.statute)
			}
		})
	}
	if rulebook.Law269EffectiveFrom != d(2021, time.August, 2) {
		t.Errorf("Law269EffectiveFrom = %s", rulebook.Law269EffectiveFrom)
	}
}

func TestForLaw(t *testing.T) {
	for _, law := range []rulebook.Law{rulebook.Law328, rulebook.Law269} {
		r, err := rulebook.ForLaw(law)
		if err != nil || r.Law() != law {
			t.Errorf("ForLaw(%s) = %s, %v", law, r.Law(), err)
		}
	}
	if _, err := rulebook.ForLaw("301/2000"); !errors.Is(err, rulebook.ErrUnknownLaw) {
		t.Errorf("ForLaw(301/2000) error = %v, want ErrUnknownLaw", err)
	}
}

func TestTheZeroRulebookIsTheOldLaw(t *testing.T) {
	var r rulebook.Rulebook
	if r.Law() != rulebook.Law328 {
		t.Errorf("zero Rulebook law = %s", r.Law())
	}
}
