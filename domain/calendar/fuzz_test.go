package calendar_test

import (
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
)

// ParseDate takes any text without panicking, and a date it accepts prints
// back as exactly the text it was read from.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-04-01", "2026-02-29", "0000-01-01", "9999-12-31", "2026-4-1", "", "2026-04-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := calendar.ParseDate(s)
		if err != nil {
			return
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q) = %s", s, d)
		}
		if again, err := calendar.ParseDate(d.String()); err != nil || again != d {
			t.Fatalf("%s does not read back: %v %v", d, again, err)
		}
	})
}
