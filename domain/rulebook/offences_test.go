package rulebook_test

import (
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/rulebook"
)

var (
	old    = rulebook.For(d(2021, time.August, 1))
	modern = rulebook.For(d(2021, time.August, 2))
)

// TestCatalogue328 checks § 16a odst. 1 letter by letter against the caps of
// seed 003: a) and n) 15 000 Kč, b) to m) 10 000 Kč, o) and p) 100 000 Kč.
func TestCatalogue328(t *testing.T) {
	caps := map[string]int{
		"a": 15000, "b": 10000, "c": 10000, "d": 10000, "e": 10000, "f": 10000, "g": 10000, "h": 10000,
		"i": 10000, "j": 10000, "k": 10000, "l": 10000, "m": 10000, "n": 15000, "o": 100000, "p": 100000,
	}
	offences := old.Offences()
	if len(offences) != len(caps)+2 {
		t.Fatalf("%d offences, want 16 letters and 2 passport offences", len(offences))
	}
	for i, o := range offences[:len(caps)] {
		letter := string(rune('a' + i))
		if o.Letter != letter || o.Code != "16a1"+letter {
			t.Errorf("offence %d = %s (%s), want letter %s", i, o.Code, o.Letter, letter)
		}
		if want := "zákon 328/1999 Sb., § 16a odst. 1 písm. " + letter + ")"; o.LegalBasis != want {
			t.Errorf("%s legal basis = %q, want %q", o.Code, o.LegalBasis, want)
		}
		if o.MaxFineCZK == nil || *o.MaxFineCZK != caps[letter] {
			t.Errorf("%s cap = %v, want %d", o.Code, o.MaxFineCZK, caps[letter])
		}
		if o.Description == "" {
			t.Errorf("%s has no description", o.Code)
		}
		if o.ReviewOnly != (letter == "e") {
			t.Errorf("%s review only = %v", o.Code, o.ReviewOnly)
		}
	}
}

func TestCatalogue269HasNoCaps(t *testing.T) {
	for _, o := range modern.Offences() {
		if o.Code == "34a" || o.Code == "34a-biometric" {
			continue
		}
		if o.MaxFineCZK != nil {
			t.Errorf("%s cap = %d under 269/2021, want unknown (nil)", o.Code, *o.MaxFineCZK)
		}
		if o.LegalBasis != "zákon 269/2021 Sb., § 65" || o.Letter != "" {
			t.Errorf("%s = %q letter %q", o.Code, o.LegalBasis, o.Letter)
		}
	}
}

func TestDerivedOffences(t *testing.T) {
	cases := []struct {
		name    string
		offence rulebook.Offence
		code    string
		letter  string
		capCZK  int // 0: unknown
		review  bool
	}{
		{"late application, 328", old.LateApplication(), "16a1c", "c", 10000, false},
		{"not collected after reminders, 328", old.NotCollectedAfterReminders(), "16a1d", "d", 10000, false},
		{"loss not reported without delay, 328", old.LossNotReportedWithoutDelay(), "16a1e", "e", 10000, true},
		{"first card not applied for, 328", old.FirstCardNotAppliedFor(), "16a1l", "l", 10000, false},
		{"lost card used, 328", old.LostCardUsed(), "16a1n", "n", 15000, false},
		{"late application, 269", modern.LateApplication(), "65-late_application", "", 0, false},
		{"not collected after reminders, 269", modern.NotCollectedAfterReminders(), "65-not_collected", "", 0, false},
		{"loss not reported without delay, 269", modern.LossNotReportedWithoutDelay(), "65-loss_not_reported", "", 0, true},
		{"first card not applied for, 269", modern.FirstCardNotAppliedFor(), "65-first_card", "", 0, false},
		{"lost card used, 269", modern.LostCardUsed(), "65-lost_card_used", "", 0, false},
		{"passport, 328", old.PassportOffence(), "34a", "", 10000, false},
		{"passport, 269", modern.PassportOffence(), "34a", "", 10000, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := c.offence
			if o.Code != c.code || o.Letter != c.letter || o.ReviewOnly != c.review || o.IsZero() {
				t.Errorf("got %+v", o)
			}
			switch {
			case c.capCZK == 0 && o.MaxFineCZK != nil:
				t.Errorf("cap = %d, want unknown", *o.MaxFineCZK)
			case c.capCZK != 0 && (o.MaxFineCZK == nil || *o.MaxFineCZK != c.capCZK):
				t.Errorf("cap = %v, want %d", o.MaxFineCZK, c.capCZK)
			}
		})
	}
}

func TestPassportOffences(t *testing.T) {
	for _, r := range []rulebook.Rulebook{old, modern} {
		o, ok := r.Offence("34a-biometric")
		if !ok || o.MaxFineCZK == nil || *o.MaxFineCZK != 1000000 || o.LegalBasis != "zákon 329/1999 Sb., § 34a" {
			t.Errorf("%s: 34a-biometric = %+v, %v", r.Law(), o, ok)
		}
	}
}

func TestOffenceLookupStaysWithinItsLaw(t *testing.T) {
	cases := []struct {
		r    rulebook.Rulebook
		code string
		ok   bool
	}{
		{old, "16a1c", true},
		{old, "16a1p", true},
		{old, "65-late_application", false},
		{modern, "65-late_application", true},
		{modern, "16a1c", false},
		{old, "16a1q", false},
		{modern, "", false},
	}
	for _, c := range cases {
		if o, ok := c.r.Offence(c.code); ok != c.ok || (ok && o.Code != c.code) {
			t.Errorf("%s Offence(%q) = %s, %v; want %v", c.r.Law(), c.code, o.Code, ok, c.ok)
		}
	}
}

func TestTheCatalogueCannotBeChangedThroughACap(t *testing.T) {
	o := old.LateApplication()
	*o.MaxFineCZK = 1
	if again := old.LateApplication(); *again.MaxFineCZK != 10000 {
		t.Errorf("cap changed to %d", *again.MaxFineCZK)
	}
}

func TestLateLossReport(t *testing.T) {
	cases := []struct {
		name                 string
		discovered, reported calendar.Date
		threshold            int
		late                 bool
	}{
		{"lost on Wednesday 1 Apr 2026, reported on Wednesday 8 Apr, the 3rd working day after Easter → in time",
			d(2026, time.April, 1), d(2026, time.April, 8), rulebook.DefaultLossReportThreshold, false},
		{"lost on Wednesday 1 Apr 2026, reported on Thursday 9 Apr → review § 16a(1)(e)",
			d(2026, time.April, 1), d(2026, time.April, 9), rulebook.DefaultLossReportThreshold, true},
		{"lost and reported the same day → in time",
			d(2026, time.April, 1), d(2026, time.April, 1), rulebook.DefaultLossReportThreshold, false},
		{"office allows 10 working days: lost 1 Apr 2026, reported Thursday 16 Apr → in time",
			d(2026, time.April, 1), d(2026, time.April, 16), 10, false},
		{"no delay allowed: lost on Saturday 4 Apr 2026, reported Tuesday 7 Apr, the first open day → in time",
			d(2026, time.April, 4), d(2026, time.April, 7), 0, false},
		{"no delay allowed: lost on Saturday 4 Apr 2026, reported Wednesday 8 Apr → review",
			d(2026, time.April, 4), d(2026, time.April, 8), 0, true},
	}
	for _, c := range cases {
		if got := rulebook.LateLossReport(c.discovered, c.reported, c.threshold); got != c.late {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
}

// Nobody under 15 on the day of the act is liable (zákon 250/2016 Sb. § 5).
func TestLiableFromTheFifteenthBirthday(t *testing.T) {
	born := calendar.NewDate(2011, 4, 25)
	for _, tc := range []struct {
		act    calendar.Date
		liable bool
	}{
		{calendar.NewDate(2026, 4, 24), false},
		{calendar.NewDate(2026, 4, 25), true},
		{calendar.NewDate(2030, 1, 1), true},
		{calendar.NewDate(2015, 1, 1), false},
	} {
		if got := rulebook.Liable(born, tc.act); got != tc.liable {
			t.Errorf("born %s, act on %s: liable %v, want %v", born, tc.act, got, tc.liable)
		}
	}
}
