package handlers

import (
	"errors"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
)

// A token whose last day is 30 June 2026 works through that day in Prague
// and not a moment after; one that expires at an instant, until then.
func TestATokenWorksThroughItsLastDay(t *testing.T) {
	tokens, err := ParseTokens("scanner=clerk:skener;created=2026-01-05T08:00:00Z;expires=2026-06-30," +
		"visitor=dashboard:navsteva;expires=2026-07-01T10:00:00Z,forever=admin:root")
	if err != nil {
		t.Fatal(err)
	}
	prague := func(month time.Month, day, hour, minute int) time.Time {
		return time.Date(2026, month, day, hour, minute, 0, 0, calendar.Prague)
	}
	for _, c := range []struct {
		token string
		at    time.Time
		want  error
	}{
		{"scanner", prague(time.June, 30, 23, 59), nil},
		{"scanner", prague(time.July, 1, 0, 0), ErrTokenExpired},
		{"visitor", prague(time.July, 1, 11, 59), nil},
		{"visitor", prague(time.July, 1, 12, 0), ErrTokenExpired},
		{"forever", prague(time.December, 31, 23, 59).AddDate(50, 0, 0), nil},
		{"unknown", prague(time.June, 1, 8, 0), errUnknownToken},
	} {
		if _, err := tokens.find(c.token, c.at); !errors.Is(err, c.want) {
			t.Errorf("%s at %s: %v, want %v", c.token, c.at, err, c.want)
		}
	}
	for _, bad := range []string{"t=clerk:x;expires=30. 6. 2026", "t=clerk:x;valid=2026-06-30", "t=clerk:x;created=yesterday"} {
		if _, err := ParseTokens(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
