package portal_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
)

// For citizens with random cases (cards lost on random days, some found
// and surrendered, at two offices), the citizen's obligations are the
// staff's view of the same cases, item for item, without the office's
// internal fields.
func TestTheCitizensObligationsAreTheStaffView(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newStack(t, db, today)
		rng := rand.New(rand.NewPCG(21, 2026))
		for c := range 3 {
			citizen := fmt.Sprintf("c-%d", c)
			for range 1 + rng.IntN(3) {
				office := []string{"Brno", "Praha 1"}[rng.IntN(2)]
				lost := today.AddDays(-1 - rng.IntN(60))
				id := s.lostCard(citizen, office, lost.String())
				if rng.IntN(2) == 0 {
					found := lost.AddDays(rng.IntN(20))
					if found.After(today) {
						found = today
					}
					s.write("POST", "/v1/cases/"+id+"/events", map[string]any{"type": "OldCardFound", "data": map[string]any{"found_on": found.String()}})
				}
			}
			user, password := s.credentials(citizen)
			b := s.browser()
			b.changePassword(user, password, "heslo občana "+citizen)
			mine := b.me("/v1/me/obligations")
			if mine.status != http.StatusOK {
				t.Fatalf("/v1/me/obligations: %d %s", mine.status, mine.raw)
			}
			var got struct{ Items []map[string]any }
			_ = json.Unmarshal([]byte(mine.raw), &got)
			var want []map[string]any
			var list struct {
				Items []struct {
					CaseID string `json:"case_id"`
				}
			}
			_ = json.Unmarshal([]byte(s.api("GET", "/v1/citizens/"+citizen+"/cases", "clerk-token", nil).raw), &list)
			for _, c := range list.Items {
				var v struct{ Obligations []map[string]any }
				_ = json.Unmarshal([]byte(s.api("GET", "/v1/cases/"+c.CaseID, "officer-token", nil).raw), &v)
				for _, o := range v.Obligations {
					delete(o, "no_flag")
					want = append(want, o)
				}
			}
			if len(want) == 0 {
				t.Fatalf("%s has no obligations to compare", citizen)
			}
			key := func(o map[string]any) string { return fmt.Sprint(o["case_id"], o["obligation"], o["due_on"]) }
			sortBy := func(a, b map[string]any) int { return strings.Compare(key(a), key(b)) }
			slices.SortFunc(want, sortBy)
			slices.SortFunc(got.Items, sortBy)
			if !reflect.DeepEqual(got.Items, want) {
				t.Errorf("%s sees\n%v\nthe staff see\n%v", citizen, got.Items, want)
			}
		}
	})
}

// A clerk's read of the citizen's case shows on the citizen's page of
// reads with when, the office and the role, never the clerk's name; the
// documents page says the card was reported lost and points to the state's
// portal; the export holds the cases, their facts, purposes and legal
// bases and says honestly that retention is not configured.
func TestReadsDocumentsAndExport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newStack(t, db, today)
		id := s.lostCard("c-1", "Brno", "2026-03-02")
		user, password := s.credentials("c-1")
		b := s.browser()
		b.changePassword(user, password, "heslo občana c-1")
		if p := b.get("/obcan/nahlizeni"); !strings.Contains(p.body, "zatím nikdo") {
			t.Errorf("reads before any: %s", p.body)
		}
		if a := s.api("GET", "/v1/cases/"+id, "brno-token", nil); a.status != http.StatusOK {
			t.Fatalf("clerk reads the case: %d", a.status)
		}
		reads := b.me("/v1/me/reads")
		if reads.status != http.StatusOK || !strings.Contains(reads.raw, `"role":"clerk"`) || !strings.Contains(reads.raw, `"office":"Brno"`) ||
			strings.Contains(reads.raw, "bara") {
			t.Errorf("reads: %d %s", reads.status, reads.raw)
		}
		if p := b.get("/obcan/nahlizeni"); !strings.Contains(p.body, "referent úřadu") || strings.Contains(p.body, "bara") {
			t.Errorf("reads page:\n%s", p.body)
		}
		docs := b.get("/obcan/doklady")
		for _, want := range []string{"ohlášen jako ztracený dne 2. 3. 2026", "https://obcan.portal.gov.cz"} {
			if !strings.Contains(docs.body, want) {
				t.Errorf("documents page lacks %q:\n%s", want, docs.body)
			}
		}
		x := b.get("/obcan/moje-data.json")
		if x.status != http.StatusOK || !strings.Contains(x.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %v", x.status, x.header)
		}
		var export map[string]any
		if err := json.Unmarshal([]byte(x.body), &export); err != nil {
			t.Fatal(err)
		}
		ends, _ := export["retention_ends"].([]any)
		if len(ends) != 1 || ends[0].(map[string]any)["retention"] != "retention rules: not yet configured" || ends[0].(map[string]any)["case_id"] != id {
			t.Errorf("retention ends: %v", export["retention_ends"])
		}
		if export["retention"] != "retention rules: not yet configured" || len(export["purposes"].([]any)) == 0 ||
			len(export["cases"].([]any)) != 1 || len(export["events"].(map[string]any)[id].([]any)) < 2 {
			t.Errorf("export: %s", x.body)
		}
		if strings.Contains(x.body, "alice") || strings.Contains(x.body, "bara") {
			t.Errorf("the export names staff: %s", x.body)
		}
	})
}
