package handlers_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/testdb"
)

// GET /v1/citizens/{citizen_id}/cases lists one citizen's cases, oldest
// first, with their status as of today, to clerks and officers only; each
// case listed is an audited personal-data read.
func TestACitizensCases(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		var logged bytes.Buffer
		s := newStackWith(t, db, calendar.NewDate(2026, 4, 10), func(c *handlers.Config) {
			c.Log = slog.New(slog.NewTextHandler(&logged, nil))
		})
		first, _ := s.openCase("id_card_incident", "1980-05-17")
		s.record(first, "CaseClosed", map[string]any{"closed_on": "2026-04-10"})
		other := s.payer("p-9", "1970-01-01", "Petr Novák")
		second, pos := s.openCase("residence_change", "1980-05-17")
		r := s.do("GET", fmt.Sprintf("/v1/citizens/c-1/cases?min_position=%d", pos), "clerk-token", nil)
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		items := r.body["items"].([]any)
		if len(items) != 2 {
			t.Fatalf("want the citizen's 2 cases, got %s", r.raw)
		}
		got := map[string]map[string]any{}
		for _, it := range items {
			m := it.(map[string]any)
			got[m["case_id"].(string)] = m
		}
		if a := got[first]; a == nil || a["situation"] != "id_card_incident" || a["office"] != "Praha 1" ||
			a["status"] != "closed" || a["opened_on"] != "2026-04-10" {
			t.Errorf("first case: %v", a)
		}
		if b := got[second]; b == nil || b["situation"] != "residence_change" || b["status"] != "open" {
			t.Errorf("second case: %v", b)
		}
		if got[other] != nil {
			t.Errorf("another citizen's case is listed: %s", r.raw)
		}
		if r := s.do("GET", "/v1/citizens/p-9/cases", "officer-token", nil); r.status != 200 ||
			len(r.body["items"].([]any)) != 1 || !strings.Contains(r.raw, other) {
			t.Errorf("officer, p-9: %d %s", r.status, r.raw)
		}
		if r := s.do("GET", "/v1/citizens/nobody/cases", "clerk-token", nil); r.status != 200 || strings.TrimSpace(r.raw) != `{"items":[]}` {
			t.Errorf("unknown citizen: %d %q", r.status, r.raw)
		}
		for _, tok := range []string{"dash-token", "admin-token"} {
			if r := s.do("GET", "/v1/citizens/c-1/cases", tok, nil); r.status != 403 {
				t.Errorf("%s: %d, want 403", tok, r.status)
			}
		}
		if r := s.do("GET", "/v1/citizens/c-1/cases", "", nil); r.status != 401 {
			t.Errorf("no token: %d, want 401", r.status)
		}
		audited := 0
		for _, l := range strings.Split(logged.String(), "\n") {
			if strings.Contains(l, "audit=true") && strings.Contains(l, "route=/v1/citizens/{citizen_id}/cases") {
				audited++
				if !strings.Contains(l, "case_id="+first) && !strings.Contains(l, "case_id="+second) && !strings.Contains(l, "case_id="+other) {
					t.Errorf("audit line names no listed case: %s", l)
				}
			}
		}
		if audited != 3 {
			t.Errorf("%d audit lines for the citizen lists, want 3 (2 cases, then 1):\n%s", audited, logged.String())
		}
	})
}
