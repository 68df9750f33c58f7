package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/credits"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/vault"
	"github.com/lhuta/lhuta/projections"
)

// retentionRules are made up for the tests: lhuta ships no retention figures.
const retentionRules = `# an example for the tests, not law
*  id_card_incident  S  5   closed
*  residence_change  S  10  closed
*  name_change       A  5   closed
`

// retentionStack serves the API on a database whose personal values are
// sealed by a real vault, with the clock given, the rules given ("":
// none) and forgetting wired to the vault's Forget, as lhuta serve does;
// forgotten (if not nil) collects the citizens forgotten.
func retentionStack(t *testing.T, db *eventstore.DB, today *clock, rules string, forgotten *[]string,
	opts ...func(*handlers.Config)) *stack {
	t.Helper()
	if db.Sealer == nil {
		testdb.Sealed(t, db)
	}
	v := db.Sealer.(*vault.Vault)
	return newStackWith(t, db, today.day(), func(c *handlers.Config) {
		c.Repo = caserepo.New(db.Store())
		c.Today = today.day
		if rules != "" {
			r, err := cases.RetentionRules("retention.txt", []byte(rules), nil)
			if err != nil {
				t.Fatal(err)
			}
			c.Retention = r
		}
		c.ForgetCitizen = func(ctx context.Context, citizen string) error {
			if forgotten != nil {
				*forgotten = append(*forgotten, citizen)
			}
			_, err := v.Forget(ctx, citizen)
			return err
		}
		for _, o := range opts {
			o(c)
		}
	})
}

// An approval whose forgetting failed half-way disposed of its cases and
// is not recorded; sent again with the same decision it forgets and is
// recorded, and with another decision it is refused (409): the cases keep
// the decision they were disposed of under.
func TestAnApprovalThatFailedHalfWayIsSentAgain(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		today := newClock("2026-03-15")
		var forgotten []string
		fail := true
		s := retentionStack(t, db, today, retentionRules, &forgotten, func(c *handlers.Config) {
			forget := c.ForgetCitizen
			c.ForgetCitizen = func(ctx context.Context, citizen string) error {
				if fail {
					fail = false
					return errors.New("the database went away")
				}
				return forget(ctx, citizen)
			}
		})
		c := s.closedCase("id_card_incident", "nova-ves", "p1", "2026-03-15")
		today.set("2032-01-15")
		s.do("GET", "/v1/retention?min_position="+s.head(), "records-nv-token", nil) // the proposal reads the read models
		r := s.do("POST", "/v1/disposals", "records-nv-token", map[string]any{"as_of": "2032-01-15"})
		if r.status != 201 {
			t.Fatalf("propose: %d %s", r.status, r.raw)
		}
		approve := "/v1/disposals/" + r.body["id"].(string) + "/approve"
		decision := map[string]any{"archive_decision": "SOA-1/2032", "decided_on": "2032-01-15"}
		if r := s.do("POST", approve, "records-nv-token", decision); r.status != 500 {
			t.Fatalf("the failed approval: %d %s", r.status, r.raw)
		}
		if s.eventOf(c, "CaseDisposed") == nil {
			t.Fatal("the failed approval disposed of nothing: the test would prove nothing")
		}
		other := map[string]any{"archive_decision": "SOA-2/2032", "decided_on": "2032-01-15"}
		if r := s.do("POST", approve, "records-nv-token", other); r.status != 409 {
			t.Errorf("sent again with another decision: %d %s", r.status, r.raw)
		}
		r = s.do("POST", approve, "records-nv-token", decision)
		if r.status != 200 || r.body["status"] != "approved" || r.body["forgotten"] != 1.0 {
			t.Fatalf("sent again: %d %s", r.status, r.raw)
		}
		if !slices.Equal(forgotten, []string{"p1"}) { // the failed call never reached it
			t.Errorf("forgetting calls %v", forgotten)
		}
		if email := s.eventOf(c, "ContactConsentGiven")["email"]; email != cases.Forgotten {
			t.Errorf("the e-mail after the approval: %v", email)
		}
		if _, err := projections.Rebuild(context.Background(), db, nil); err != nil {
			t.Fatal(err)
		}
	})
}

// closedCase opens a case for a citizen at an office, records the
// citizen's consent to reminders (an e-mail: a sealed personal value) and
// closes the case on closedOn.
func (s *stack) closedCase(situation, office, citizen, closedOn string) string {
	s.t.Helper()
	id, _ := s.openCaseAt(situation, office, citizen)
	s.record(id, "ContactConsentGiven", map[string]any{"email": citizen + "@example.cz"})
	s.record(id, "CaseClosed", map[string]any{"closed_on": closedOn})
	return id
}

// history returns a case's events as the records officer's colleague, the clerk, reads them.
func (s *stack) history(id string) []map[string]any {
	s.t.Helper()
	r := s.do("GET", "/v1/cases/"+id+"/events", "clerk-token", nil)
	if r.status != 200 {
		s.t.Fatalf("history: %d %s", r.status, r.raw)
	}
	var out []map[string]any
	for _, e := range r.body["items"].([]any) {
		out = append(out, e.(map[string]any))
	}
	return out
}

func (s *stack) eventOf(id, typ string) map[string]any {
	for _, e := range s.history(id) {
		if e["type"] == typ {
			return e["data"].(map[string]any)
		}
	}
	return nil
}

func (s *stack) openCaseAt(situation, office, citizen string) (string, int64) {
	s.t.Helper()
	r := s.do("POST", "/v1/cases", "clerk-token", map[string]any{"situation": situation, "office": office,
		"citizen": map[string]string{"id": citizen, "birth_date": "1980-05-17", "full_name": "Občan " + citizen}})
	if r.status != 201 {
		s.t.Fatalf("open case: %d %s", r.status, r.raw)
	}
	return r.body["id"].(string), int64(r.body["position"].(float64))
}

// head is the position of the log's last event, for min_position.
func (s *stack) head() string {
	s.t.Helper()
	return fmt.Sprint(testdb.Head(s.t, s.db).Position)
}

func refsOf(items any) []string {
	var refs []string
	for _, it := range items.([]any) {
		refs = append(refs, it.(map[string]any)["case_id"].(string))
	}
	slices.Sort(refs)
	return refs
}

func sorted(ids ...string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return ids
}

func TestRetentionHoldsAndDisposals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		today := newClock("2026-03-15")

		// A case closed before the office had rules: nothing is scheduled then.
		var early string
		t.Run("before the rules", func(t *testing.T) {
			s := retentionStack(t, db, today, "", nil)
			early = s.closedCase("id_card_incident", "nova-ves", "p7", "2026-03-15")
			if s.eventOf(early, "RetentionScheduled") != nil {
				t.Fatal("scheduled without rules")
			}
		})

		var forgotten []string
		s := retentionStack(t, db, today, retentionRules, &forgotten)
		a := s.closedCase("id_card_incident", "nova-ves", "p1", "2026-03-15")    // p1 also has b
		b := s.closedCase("residence_change", "nova-ves", "p1", "2026-03-15")    // ends 2036
		c := s.closedCase("id_card_incident", "nova-ves", "p2", "2026-03-15")    // p2's only case
		held := s.closedCase("id_card_incident", "nova-ves", "p3", "2026-03-15") // on hold before the proposal
		late := s.closedCase("id_card_incident", "nova-ves", "p4", "2026-03-15") // on hold after it
		arch := s.closedCase("name_change", "nova-ves", "p5", "2026-03-15")      // mark A
		other := s.closedCase("id_card_incident", "ostrava", "p6", "2026-03-15") // another office
		open, _ := s.openCaseAt("id_card_incident", "nova-ves", "p8")

		// Scheduled when the case closed: 1 January 2027 + 5 years, to 31 December 2031.
		sched := s.eventOf(a, "RetentionScheduled")
		if sched == nil || sched["ends_on"] != "2031-12-31" || sched["trigger_on"] != "2026-03-15" || sched["mark"] != "S" || sched["years"] != 5.0 {
			t.Fatalf("RetentionScheduled of a: %v", sched)
		}
		if s.eventOf(b, "RetentionScheduled")["ends_on"] != "2036-12-31" {
			t.Errorf("b: %v", s.eventOf(b, "RetentionScheduled"))
		}
		if s.eventOf(open, "RetentionScheduled") != nil {
			t.Error("an open case is scheduled")
		}

		// Holds are the records officer's; a clerk may not place one.
		hold := map[string]any{"type": "RetentionHoldPlaced", "data": map[string]any{"reason": "probíhá spor"}}
		if r := s.do("POST", "/v1/cases/"+held+"/events", "clerk-token", hold); r.status != 403 {
			t.Errorf("a clerk placed a hold: %d %s", r.status, r.raw)
		}
		if r := s.do("POST", "/v1/cases/"+held+"/events", "records-os-token", hold); r.status != 403 {
			t.Errorf("another office's records officer placed a hold: %d %s", r.status, r.raw)
		}
		if r := s.do("POST", "/v1/cases/"+held+"/events", "records-nv-token", hold); r.status != 201 {
			t.Fatalf("hold: %d %s", r.status, r.raw)
		}

		today.set("2032-01-15")
		// The list: periods ended before as_of, no hold, not disposed; by office scope.
		r := s.do("GET", "/v1/retention?as_of=2032-01-01&min_position="+s.head(), "records-token", nil)
		if r.status != 200 || !slices.Equal(refsOf(r.body["items"]), sorted(a, c, late, arch, other)) {
			t.Fatalf("retention as of 2032-01-01: %d %s", r.status, r.raw)
		}
		if r := s.do("GET", "/v1/retention?as_of=2031-12-31&min_position="+s.head(), "records-token", nil); r.status != 200 || len(r.body["items"].([]any)) != 0 {
			t.Errorf("as of the periods' last day: %s", r.raw)
		}
		if r := s.do("GET", "/v1/retention?min_position="+s.head(), "records-nv-token", nil); !slices.Equal(refsOf(r.body["items"]), sorted(a, c, late, arch)) {
			t.Errorf("nova-ves's records officer: %s", r.raw)
		}
		for _, rt := range []struct{ method, path string }{{"GET", "/v1/retention"}, {"POST", "/v1/disposals"}} {
			if r := s.do(rt.method, rt.path, "clerk-token", map[string]any{}); r.status != 403 {
				t.Errorf("a clerk: %s %s: %d", rt.method, rt.path, r.status)
			}
		}

		// The proposal schedules the case closed before the rules, and proposes
		// nova-ves's eligible cases only.
		r = s.do("POST", "/v1/disposals", "records-nv-token", map[string]any{"as_of": "2032-01-15"})
		if r.status != 201 {
			t.Fatalf("propose: %d %s", r.status, r.raw)
		}
		id := r.body["id"].(string)
		if got, want := refsOf(r.body["cases"]), sorted(a, c, late, arch, early); !slices.Equal(got, want) {
			t.Fatalf("proposed %v, want %v", got, want)
		}
		if s.eventOf(early, "RetentionScheduled")["ends_on"] != "2031-12-31" {
			t.Errorf("the early case: %v", s.eventOf(early, "RetentionScheduled"))
		}
		// The CSV for the archive: references, no names.
		status, header, body := s.get("/v1/disposals/"+id+"?format=csv", "records-nv-token")
		if status != 200 || !strings.HasPrefix(header.Get("Content-Type"), "text/csv") ||
			!strings.HasPrefix(string(body), "case_id,reference,situation,office,mark,years,trigger,trigger_on,ends_on") ||
			strings.Count(string(body), "\n") != 6 || strings.Contains(string(body), "Občan") || !strings.Contains(string(body), "nova-ves/2026/") {
			t.Errorf("CSV: %d %s\n%s", status, header, body)
		}
		if r := s.do("GET", "/v1/disposals/"+id, "records-os-token", nil); r.status != 404 {
			t.Errorf("ostrava's records officer reads nova-ves's disposal: %d", r.status)
		}
		if r := s.do("GET", "/v1/disposals/"+id, "clerk-token", nil); r.status != 403 {
			t.Errorf("a clerk reads a disposal: %d", r.status)
		}
		approval := map[string]any{"archive_decision": "SOA-1/2032", "decided_on": "2032-01-20"}
		if r := s.do("POST", "/v1/disposals/"+id+"/approve", "clerk-token", approval); r.status != 403 {
			t.Errorf("a clerk approves: %d", r.status)
		}
		if r := s.do("POST", "/v1/disposals/"+id+"/approve", "records-os-token", approval); r.status != 404 {
			t.Errorf("ostrava's records officer approves: %d", r.status)
		}

		// Nothing is disposed of without the approval.
		for _, k := range []string{a, c, late, arch, early} {
			if s.eventOf(k, "CaseDisposed") != nil {
				t.Fatalf("case %s disposed of before the approval", k)
			}
		}
		if r := s.do("GET", "/v1/cases/"+c+"/events", "clerk-token", nil); !strings.Contains(r.raw, "Občan p2") {
			t.Fatalf("p2 is not readable before the approval: %s", r.raw)
		}

		// A hold placed after the proposal, before the approval.
		if r := s.do("POST", "/v1/cases/"+late+"/events", "records-nv-token", hold); r.status != 201 {
			t.Fatalf("late hold: %d %s", r.status, r.raw)
		}
		today.set("2032-01-20")
		r = s.do("POST", "/v1/disposals/"+id+"/approve", "records-nv-token", approval)
		if r.status != 200 {
			t.Fatalf("approve: %d %s", r.status, r.raw)
		}
		outcomes := map[string]string{}
		for _, it := range r.body["cases"].([]any) {
			m := it.(map[string]any)
			outcomes[m["case_id"].(string)] = m["outcome"].(string)
			if m["case_id"] == late && !strings.Contains(fmt.Sprint(m["skipped"]), "legal hold") {
				t.Errorf("the held case is skipped for %v", m["skipped"])
			}
		}
		want := map[string]string{a: "disposed", c: "disposed", early: "disposed", arch: "transferred", late: "skipped"}
		for k, o := range want {
			if outcomes[k] != o {
				t.Errorf("case %s: %q, want %q", k, outcomes[k], o)
			}
		}
		// p2 and p7 had no other case; p1 keeps b, p5's case went to the archive, p4's is held.
		if r.body["forgotten"] != 2.0 || r.body["status"] != "approved" || r.body["archive_decision"] != "SOA-1/2032" {
			t.Errorf("approval: %s", r.raw)
		}
		if d := s.eventOf(c, "CaseDisposed"); d == nil || d["archive_decision"] != "SOA-1/2032" || d["decided_on"] != "2032-01-20" || d["disposition"] != "destroyed" {
			t.Errorf("CaseDisposed of c: %v", d)
		}
		if d := s.eventOf(arch, "CaseDisposed"); d == nil || d["disposition"] != "transferred" {
			t.Errorf("CaseDisposed of the A case: %v", d)
		}
		for _, k := range []string{late, held, b, other} {
			if s.eventOf(k, "CaseDisposed") != nil {
				t.Errorf("case %s disposed of", k)
			}
		}
		// Forgotten: the citizens with no retained case, and only they.
		if slices.Sort(forgotten); !slices.Equal(forgotten, []string{"p2", "p7"}) {
			t.Errorf("forgot %v, want p2 and p7", forgotten)
		}
		email := func(k string) any { return s.eventOf(k, "ContactConsentGiven")["email"] }
		for k, want := range map[string]string{c: cases.Forgotten, early: cases.Forgotten, a: "p1@example.cz", arch: "p5@example.cz", late: "p4@example.cz"} {
			if got := email(k); got != want {
				t.Errorf("case %s's e-mail reads %v, want %s", k, got, want)
			}
		}
		if r := s.do("POST", "/v1/disposals/"+id+"/approve", "records-nv-token", approval); r.status != 409 {
			t.Errorf("approved twice: %d %s", r.status, r.raw)
		}
		// A disposed case takes no facts; the list no longer holds it.
		if r := s.do("POST", "/v1/cases/"+a+"/events", "records-nv-token", hold); r.status != 422 {
			t.Errorf("a hold on a disposed case: %d %s", r.status, r.raw)
		}
		if r := s.do("GET", "/v1/retention?min_position="+s.head(), "records-nv-token", nil); r.status != 200 || len(r.body["items"].([]any)) != 0 {
			t.Errorf("after the approval: %s", r.raw)
		}
		if r := s.do("GET", "/v1/disposals/"+id, "records-token", nil); r.status != 200 || r.body["status"] != "approved" {
			t.Errorf("the approved disposal: %s", r.raw)
		}
		// The hold on the late case is released: the case is retained until the next proposal.
		release := map[string]any{"type": "RetentionHoldReleased", "data": map[string]any{"reason": "spor skončil"}}
		if r := s.do("POST", "/v1/cases/"+late+"/events", "clerk-token", release); r.status != 403 {
			t.Errorf("a clerk releases a hold: %d %s", r.status, r.raw)
		}
		if r := s.do("POST", "/v1/cases/"+late+"/events", "records-nv-token", release); r.status != 201 {
			t.Fatalf("release the hold: %d %s", r.status, r.raw)
		}
		if s.eventOf(late, "RetentionHoldReleased") == nil {
			t.Error("the released hold is not in the case's history")
		}
		// The vault's Forget leaves the read models as they were (the consents'
		// e-mails): until forgetting rewrites them, a rebuild does, as lhuta
		// serve's does after replaying tombstones; then they equal a rebuild again.
		if _, err := projections.Rebuild(context.Background(), db, nil); err != nil {
			t.Fatal(err)
		}
	})
}

// POST /v1/disposals honours Idempotency-Key as the other writes do: the
// same key and body answer the proposal made first, not a second one (also
// when the two requests race); the key on another body is 422; a key is the
// caller's own; without a key each request proposes anew.
func TestADisposalProposalIsIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		today := newClock("2026-03-15")
		var forgotten []string
		s := retentionStack(t, db, today, retentionRules, &forgotten)
		s.closedCase("id_card_incident", "nova-ves", "k1", "2026-03-15")
		today.set("2032-01-15")
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

// The record of processing activities through HTTP: the admin and the
// records officer read it as Markdown or CSV, with every personal field of
// the contract and the periods of the office's rules; a clerk may not.
func TestTheRecordOfProcessingThroughHTTP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := retentionStack(t, db, newClock("2026-04-01"), retentionRules, nil)

		md := s.send("GET", "/v1/processing-record", "admin-token", nil, nil)
		if md.status != 200 || !strings.HasPrefix(md.header.Get("Content-Type"), "text/markdown") {
			t.Fatalf("the admin's record: %d %s\n%s", md.status, md.header.Get("Content-Type"), md.raw)
		}
		for _, typ := range cases.AllEventTypes() {
			for _, p := range cases.PersonalPaths(typ) {
				if !strings.Contains(md.raw, p) {
					t.Errorf("the record lacks %s.%s", typ, p)
				}
			}
		}
		for _, want := range []string{"| nova-ves | Obecní úřad Nová Ves |", "| CaseOpened | citizen.id, citizen.birth_date, citizen.full_name, citizen.birth_number |",
			"| residence_change | nova-ves | skartační znak S, 10 let od uzavření případu (closed), od 1. ledna následujícího roku (retention.txt:3) |",
			"| name_change | nova-ves | skartační znak A, 5 let", "| local_fee | nova-ves | nenastaveno", "stav ke dni 1. 4. 2026"} {
			if !strings.Contains(md.raw, want) {
				t.Errorf("the record lacks %q:\n%s", want, md.raw)
			}
		}
		csv := s.send("GET", "/v1/processing-record", "records-token", map[string]string{"Accept": "text/csv"}, nil)
		if csv.status != 200 || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") ||
			!strings.HasPrefix(csv.raw, "section,item,detail\n") || !strings.Contains(csv.raw, "retention,id_card_incident @ nova-ves,\"skartační znak S, 5 let") {
			t.Errorf("the records officer's CSV: %d %s\n%s", csv.status, csv.header.Get("Content-Type"), csv.raw)
		}
		if again := s.send("GET", "/v1/processing-record?format=csv", "admin-token", nil, nil); again.raw != csv.raw {
			t.Errorf("?format=csv differs from Accept: text/csv:\n%s", again.raw)
		}
		// A records officer of another office is no controller of nova-ves's data.
		if os := s.send("GET", "/v1/processing-record", "records-os-token", nil, nil); os.status != 200 || strings.Contains(os.raw, "| nova-ves |") {
			t.Errorf("another office's records officer: %d\n%s", os.status, os.raw)
		}
		for token, want := range map[string]int{"clerk-token": 403, "officer-token": 403, "dash-token": 403, "": 401} {
			if a := s.send("GET", "/v1/processing-record", token, nil, nil); a.status != want {
				t.Errorf("%q: %d, want %d", token, a.status, want)
			}
		}
		if a := s.send("GET", "/v1/processing-record?format=pdf", "admin-token", nil, nil); a.status != 400 {
			t.Errorf("?format=pdf: %d", a.status)
		}
	})
}

// A local-fee case settled by a bank credit the fee department assigns
// (POST /v1/unmatched-credits/{credit_id}/assign) is scheduled for
// retention at once, as a payment recorded on the case is: not only at the
// next disposal proposal.
func TestACaseSettledByAnAssignedCreditIsScheduled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		today := newClock("2026-03-10")
		// Made up for the test, not law.
		s := retentionStack(t, db, today, "*  local_fee  S  10  settled\n", nil)
		id := s.payer("c-settle", "1980-05-17", "Jana Poplatná")
		s.record(id, "LocalFeeLiabilityArose", map[string]any{"fee": "waste", "arose_on": "2026-01-15", "basis": "permanent_residence",
			"house_number": "154", "village_part": "Nová Ves"})
		pos := s.record(id, "LocalFeeLiabilityEnded", map[string]any{"fee": "waste", "ended_on": "2026-02-28"})
		owed := s.payments("/v1/citizens/c-settle/payments", "clerk-token", pos)
		if len(owed) != 1 {
			t.Fatalf("payment obligations: %v", owed)
		}
		if s.eventOf(id, "RetentionScheduled") != nil {
			t.Fatal("scheduled before it is paid")
		}
		c, _, err := credits.New(db.SQL).Claim(context.Background(), credits.Credit{Office: "nova-ves", BookedOn: today.day(),
			AmountCZK: int(owed[0]["owed_czk"].(float64)), Message: "poplatek", CounterParty: "PLATCE", BankReference: "REF-SETTLE",
			Statement: "0460043319-2026-03", Status: credits.Open, Reason: "no case named"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r := s.do("POST", "/v1/unmatched-credits/"+c.ID+"/assign", "clerk-token",
			map[string]any{"case_id": id, "variable_symbol": owed[0]["variable_symbol"]})
		if r.status != 201 {
			t.Fatalf("assign: %d %s", r.status, r.raw)
		}
		sched := s.eventOf(id, "RetentionScheduled")
		if sched == nil || sched["trigger"] != "settled" || sched["trigger_on"] != "2026-03-10" || sched["ends_on"] != "2036-12-31" {
			t.Fatalf("RetentionScheduled after the assignment: %v\n%v", sched, s.history(id))
		}
		// The answer's position is the schedule's: a read at it sees the schedule.
		if r := s.do("GET", fmt.Sprintf("/v1/retention?as_of=2037-01-01&min_position=%v", r.body["position"]), "records-token", nil); r.status != 200 ||
			len(r.body["items"].([]any)) != 1 {
			t.Errorf("retention at the assignment's position: %d %s", r.status, r.raw)
		}
	})
}
