package handlers_test

import (
	"net/url"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
)

// Any cursor a client sends to /v1/obligations answers 200 or 400, never 500:
// a cursor is the client's input like any other.
func FuzzObligationsCursor(f *testing.F) {
	s := sqliteStack(f, calendar.NewDate(2026, 4, 10))
	for range 3 {
		lostCard(s)
	}
	first := s.do("GET", "/v1/obligations?limit=1&as_of=2026-04-10", "clerk-token", nil)
	if first.status != 200 {
		f.Fatalf("first page: %d %s", first.status, first.raw)
	}
	next, _ := first.body["next_cursor"].(string)
	for _, c := range []string{next, "", "bogus!", "eyJ9", "AAAA", "\x00", "%", next + "x", "e30="} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		s.use(t)
		r := s.do("GET", "/v1/obligations?limit=2&cursor="+url.QueryEscape(cursor), "clerk-token", nil)
		if r.status != 200 && r.status != 400 {
			t.Fatalf("cursor %q: %d %s", cursor, r.status, r.raw)
		}
	})
}
