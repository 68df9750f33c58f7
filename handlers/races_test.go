package handlers_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
)

// concurrently sends n requests at once and returns their answers.
func concurrently(n int, send func(i int) response) []response {
	answers := make([]response, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			answers[i] = send(i)
		}()
	}
	start.Done()
	done.Wait()
	return answers
}

func statuses(answers []response) map[int]int {
	count := map[int]int{}
	for _, a := range answers {
		count[a.status]++
	}
	return count
}

// A lost card, then a clerk's twenty colleagues record at once.
func lostCard(s *stack) string {
	s.t.Helper()
	id, _ := s.openCase("id_card_incident", "1980-05-17")
	s.record(id, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-04-01", "reported_to": "police"})
	return id
}

func TestTwentyConcurrentAppendsAtOneExpectedVersionExactlyOneWins(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 4, 10), func(t *testing.T, s *stack) {
		id := lostCard(s)
		answers := concurrently(20, func(int) response {
			return s.send("POST", "/v1/cases/"+id+"/events", "clerk-token", nil,
				map[string]any{"type": "LostCardUsed", "data": map[string]any{"used_on": "2026-04-05"}, "expected_version": 2})
		})
		if got := statuses(answers); got[201] != 1 || got[409] != 19 {
			t.Fatalf("answers by status %v, want one 201 and nineteen 409", got)
		}
		if n := s.eventCount(); n != 3 {
			t.Fatalf("%d events stored, want 3", n)
		}
	})
}

// Before: 11 of 20 answered 409 on PostgreSQL, though API.md allows 409
// only for a stale expected_version.
func TestTwentyConcurrentAppendsWithoutExpectedVersionAllSucceed(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 4, 10), func(t *testing.T, s *stack) {
		id := lostCard(s)
		answers := concurrently(20, func(int) response {
			return s.send("POST", "/v1/cases/"+id+"/events", "clerk-token", nil,
				map[string]any{"type": "LostCardUsed", "data": map[string]any{"used_on": "2026-04-05"}})
		})
		var versions []int
		for _, a := range answers {
			if a.status != 201 {
				t.Fatalf("an append without expected_version: %d %s", a.status, a.raw)
			}
			versions = append(versions, int(a.body["version"].(float64)))
		}
		slices.Sort(versions)
		for i, v := range versions {
			if v != i+3 {
				t.Fatalf("versions %v, want 3..22 each once", versions)
			}
		}
	})
}

// Before: retries racing one another answered 422 "already recorded" (the
// replay was looked up only before deciding) or 409.
func TestConcurrentRetriesOfOneRequestAllGetTheFirstAnswer(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 4, 10), func(t *testing.T, s *stack) {
		id, _ := s.openCase("id_card_incident", "1980-05-17")
		reported := map[string]any{"type": "IncidentReported", "expected_version": 1,
			"data": map[string]any{"kind": "lost", "reported_on": "2026-04-01", "reported_to": "police"}}
		for name, body := range map[string]map[string]any{"with expected_version": reported, "without": withoutKey(reported, "expected_version")} {
			id, _ := s.openCase("id_card_incident", "1980-05-17")
			answers := concurrently(20, func(int) response {
				return s.send("POST", "/v1/cases/"+id+"/events", "clerk-token", map[string]string{"Idempotency-Key": "report-" + id}, body)
			})
			for _, a := range answers {
				if a.status != 201 || a.raw != answers[0].raw {
					t.Fatalf("%s: a retry answered %d %s; the first answer was %d %s", name, a.status, a.raw, answers[0].status, answers[0].raw)
				}
			}
			if r := s.do("GET", "/v1/cases/"+id+"/events", "clerk-token", nil); len(r.body["items"].([]any)) != 2 {
				t.Fatalf("%s: the case holds %s", name, r.raw)
			}
		}
		opening := map[string]any{"situation": "id_card_expiry", "office": "Praha 1",
			"citizen": map[string]string{"id": "c-2", "birth_date": "1970-01-01", "full_name": "Jan Novák"}}
		before := s.eventCount()
		answers := concurrently(20, func(int) response {
			return s.send("POST", "/v1/cases", "clerk-token", map[string]string{"Idempotency-Key": "open-1"}, opening)
		})
		for _, a := range answers {
			if a.status != 201 || a.raw != answers[0].raw {
				t.Fatalf("a retried opening answered %d %s; the first %d %s", a.status, a.raw, answers[0].status, answers[0].raw)
			}
		}
		if n := s.eventCount() - before; n != 1 {
			t.Fatalf("twenty retries of one opening stored %d events", n)
		}
		_ = id
	})
}

func withoutKey(m map[string]any, key string) map[string]any {
	c := map[string]any{}
	for k, v := range m {
		if k != key {
			c[k] = v
		}
	}
	return c
}

// Before: a key reused with another body, on another route or case got the
// first answer silently.
func TestAnIdempotencyKeyIsBoundToItsRequest(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 4, 10), func(t *testing.T, s *stack) {
		id := lostCard(s)
		other := lostCard(s)
		used := func(day string) map[string]any {
			return map[string]any{"type": "LostCardUsed", "data": map[string]any{"used_on": day}}
		}
		key := map[string]string{"Idempotency-Key": "k-1"}
		first := s.send("POST", "/v1/cases/"+id+"/events", "clerk-token", key, used("2026-04-05"))
		if first.status != 201 {
			t.Fatalf("first: %d %s", first.status, first.raw)
		}
		before := s.eventCount()
		for _, c := range []struct {
			name, path string
			body       any
		}{
			{"another body", "/v1/cases/" + id + "/events", used("2026-04-06")},
			{"another case", "/v1/cases/" + other + "/events", used("2026-04-05")},
			{"another route", "/v1/cases", map[string]any{"situation": "id_card_expiry", "office": "Praha 1",
				"citizen": map[string]string{"id": "c-2", "birth_date": "1970-01-01", "full_name": "Jan Novák"}}},
		} {
			r := s.send("POST", c.path, "clerk-token", key, c.body)
			errs, _ := r.body["errors"].([]any)
			if r.status != 422 || len(errs) != 1 || errs[0].(map[string]any)["field"] != "Idempotency-Key" || !strings.Contains(r.raw, "k-1") {
				t.Errorf("%s under a used key: %d %s, want 422 naming the Idempotency-Key", c.name, r.status, r.raw)
			}
		}
		if again := s.send("POST", "/v1/cases/"+id+"/events", "clerk-token", key, used("2026-04-05")); again.raw != first.raw {
			t.Errorf("the same request again: %d %s, want the first answer %s", again.status, again.raw, first.raw)
		}
		// Another token's key of the same text is another key.
		if r := s.send("POST", "/v1/cases/"+id+"/events", "officer-token", key, map[string]any{"type": "FlagReviewed",
			"data": map[string]any{"flag": "nope", "decision": "dismissed", "decided_on": "2026-04-06"}}); r.status == 201 || strings.Contains(r.raw, "Idempotency-Key") {
			t.Errorf("another actor's key: %d %s", r.status, r.raw)
		}
		if after := s.eventCount(); after != before {
			t.Fatalf("refused reuses stored %d events", after-before)
		}
	})
}

// Before: X-Request-ID "idem:alice:k-2" claimed alice's key in advance: her
// request answered 201 {"version":0,"position":0} and stored nothing.
func TestARequestIDCannotClaimAnIdempotencyKey(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 4, 10), func(t *testing.T, s *stack) {
		id := lostCard(s)
		used := map[string]any{"type": "LostCardUsed", "data": map[string]any{"used_on": "2026-04-05"}}
		if r := s.send("POST", "/v1/cases/"+id+"/events", "clerk-token", map[string]string{"X-Request-ID": "idem:alice:k-2"}, used); r.status != 201 {
			t.Fatalf("mallory's request: %d %s", r.status, r.raw)
		}
		before := s.eventCount()
		r := s.send("POST", "/v1/cases/"+id+"/events", "clerk-token", map[string]string{"Idempotency-Key": "k-2"}, used)
		if r.status != 201 || r.body["version"] != 4.0 || s.eventCount() != before+1 {
			t.Fatalf("alice's keyed request: %d %s, %d events stored", r.status, r.raw, s.eventCount()-before)
		}
		if r.header.Get("X-Request-ID") == "" {
			t.Errorf("no X-Request-ID in the answer")
		}
	})
}
