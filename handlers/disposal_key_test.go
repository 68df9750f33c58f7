package handlers_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections"
)

// POST /v1/disposals honours Idempotency-Key as the other writes do: the
// same key and body answer the proposal made first, not a second one (also
// when the two requests race); the key on another body is 422; a key is the
// caller's own; without a key each request proposes anew.
func TestADisposalProposalIsIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		var today atomic.Pointer[calendar.Date]
		set := func(d string) { day, _ := calendar.ParseDate(d); today.Store(&day) }
		set("2026-03-15")
		var forgotten []string
		s := retentionStack(t, db, &today, retentionRules, &forgotten)
		s.closedCase("id_card_incident", "nova-ves", "k1", "2026-03-15")
		set("2032-01-15")
		proposals := func() int {
			var n int
			if err := db.SQL.QueryRow(`SELECT COUNT(*) FROM disposals`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// The proposal reads the read models: they hold the schedule first.
		caughtUp := func() {
			if r := s.do("GET", "/v1/retention?min_position="+s.head(), "records-token", nil); r.status != 200 {
				t.Fatalf("retention: %d %s", r.status, r.raw)
			}
		}
		caughtUp()
		key := map[string]string{"Idempotency-Key": "skartace-2032-01"}
		first := s.send("POST", "/v1/disposals", "records-nv-token", key, `{"as_of": "2032-01-15"}`)
		if first.status != 201 {
			t.Fatalf("propose: %d %s", first.status, first.raw)
		}
		again := s.send("POST", "/v1/disposals", "records-nv-token", key, `{"as_of": "2032-01-15"}`)
		if again.status != 201 || again.body["id"] != first.body["id"] || again.header.Get("Location") != first.header.Get("Location") ||
			len(again.body["cases"].([]any)) != 1 {
			t.Errorf("the retry: %d %s, want the first proposal %v", again.status, again.raw, first.body["id"])
		}
		if n := proposals(); n != 1 {
			t.Errorf("%d proposals after a retry, want 1", n)
		}
		other := s.send("POST", "/v1/disposals", "records-nv-token", key, `{"as_of": "2032-01-14"}`)
		if other.status != 422 || other.body["type"] != "/problems/idempotency-key-reused" {
			t.Errorf("the key on another body: %d %s", other.status, other.raw)
		}
		// Another records officer's key of the same name is theirs.
		if theirs := s.send("POST", "/v1/disposals", "records-token", key, `{"as_of": "2032-01-15"}`); theirs.status != 201 || theirs.body["id"] == first.body["id"] {
			t.Errorf("another caller's key: %d %s", theirs.status, theirs.raw)
		}
		// Racing retries of a new proposal make one.
		before := proposals()
		race := map[string]string{"Idempotency-Key": "skartace-2032-02"}
		ids := make([]any, 4)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r := s.send("POST", "/v1/disposals", "records-nv-token", race, `{}`); r.status == 201 {
					ids[i] = r.body["id"]
				}
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id == nil || id != ids[0] {
				t.Errorf("racing retries answered %v, want one proposal", ids)
				break
			}
		}
		if n := proposals(); n != before+1 {
			t.Errorf("%d proposals from racing retries, want 1", n-before)
		}

		// The retry after the approval answers the same proposal, approved.
		if r := s.send("POST", "/v1/disposals/"+first.body["id"].(string)+"/approve", "records-nv-token", nil,
			`{"archive_decision": "SOA-1/2032", "decided_on": "2032-01-15"}`); r.status != 200 {
			t.Fatalf("approve: %d %s", r.status, r.raw)
		}
		if late := s.send("POST", "/v1/disposals", "records-nv-token", key, `{"as_of": "2032-01-15"}`); late.status != 201 ||
			late.body["id"] != first.body["id"] || late.body["status"] != "approved" {
			t.Errorf("the retry after the approval: %d %s", late.status, late.raw)
		}

		// The vault's Forget leaves the read models as they were: a rebuild
		// makes them what the events now say (as in TestRetentionHoldsAndDisposals).
		if _, err := projections.Rebuild(context.Background(), db, nil); err != nil {
			t.Fatal(err)
		}
	})
}
