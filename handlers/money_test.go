package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections/views"
)

// dogOwner opens a local_fee case at Nová Ves for a holder of one dog at
// house 12 in Vepřek (VS 124) since 5 Jan 2025, who paid 50 Kč of the
// year's 200 Kč (due Friday 28 Feb 2025) on 20 Feb.
func (s *stack) dogOwner(citizen string) (string, int64) {
	s.t.Helper()
	id := s.payer(citizen, "1980-05-17", "Jan Psíček")
	s.record(id, "LocalFeeLiabilityArose", map[string]any{"fee": "dog", "arose_on": "2025-01-05", "basis": "owner",
		"house_number": "12", "village_part": "Vepřek", "dogs": 1})
	return id, s.record(id, "PaymentReceived", map[string]any{"amount_czk": 50, "paid_on": "2025-02-20", "variable_symbol": "124"})
}

func (s *stack) raise(id string, czk int, decided, due string) response {
	s.t.Helper()
	return s.do("POST", "/v1/cases/"+id+"/events", "officer-token", map[string]any{"type": "LocalFeeIncreased", "data": map[string]any{
		"fee": "dog", "year": 2025, "increase_czk": czk, "decided_on": decided, "due_on": due, "reason": "two written reminders left unanswered"}})
}

func owed(items []map[string]any) float64 {
	sum := 0.0
	for _, it := range items {
		sum += it["owed_czk"].(float64)
	}
	return sum
}

// docs/LAW.md §9.1 through HTTP: unpaid part 150 Kč, an increase of 301 Kč
// is refused, 300 Kč is recorded and owed beside the year: 450 Kč in all.
func TestTheIncreaseOfAnUnpaidDogFee(t *testing.T) {
	eachStack(t, calendar.NewDate(2025, 4, 1), func(t *testing.T, s *stack) {
		id, _ := s.dogOwner("p-dog")
		if r := s.raise(id, 301, "2025-03-20", "2025-04-10"); r.status != 422 || !strings.Contains(r.raw, "data.increase_czk") {
			t.Fatalf("an increase of 301 Kč: %d %s", r.status, r.raw)
		}
		if r := s.raise(id, 100_000_001, "2025-03-20", "2025-04-10"); r.status != 400 || !strings.Contains(r.raw, "data.increase_czk") {
			t.Fatalf("an increase of 100 000 001 Kč: %d %s", r.status, r.raw)
		}
		r := s.raise(id, 300, "2025-03-20", "2025-04-10")
		if r.status != 201 {
			t.Fatalf("an increase of 300 Kč: %d %s", r.status, r.raw)
		}
		pos := int64(r.body["position"].(float64))
		items := s.payments("/v1/citizens/p-dog/payments?as_of=2025-04-01", "clerk-token", pos)
		if len(items) != 2 || owed(items) != 450 {
			t.Fatalf("got %v, want 150 + 300 = 450 Kč owed", items)
		}
		inc := items[1]
		if inc["id"] != id+".dog-2025-increase-1" || inc["amount_czk"] != 300.0 || inc["due_on"] != "2025-04-10" || inc["status"] != "unpaid" ||
			!strings.Contains(inc["spayd"].(string), "*AM:300.00*CC:CZK*DT:20250410*X-VS:124*") {
			t.Errorf("the increase: %v", inc)
		}
		// Overdue from 11 April, and the QR Platba string then names no past day.
		if got := s.payments("/v1/payments?as_of=2025-04-11&status=overdue&kind=local_fee", "officer-token", pos); len(got) != 1 ||
			got[0]["id"] != inc["id"] || strings.Contains(got[0]["spayd"].(string), "DT:") {
			t.Errorf("overdue on 11 April: %v", got)
		}
	})
}

// The reported bug: a payment of the largest int was taken and wrapped the
// payment totals around. It is refused (400, the field named) and the
// totals stay as they were (API.md, Money integrity).
func TestAPaymentBeyondTheBoundIsRefusedAndTheTotalsStay(t *testing.T) {
	eachStack(t, calendar.NewDate(2025, 4, 1), func(t *testing.T, s *stack) {
		id, pos := s.dogOwner("p-big")
		stats := func() map[string]any {
			t.Helper()
			r := s.do("GET", fmt.Sprintf("/v1/stats?from=2025-01-01&to=2025-04-01&min_position=%d", pos), "dash-token", nil)
			if r.status != 200 {
				t.Fatalf("stats: %d %s", r.status, r.raw)
			}
			return r.body["payments"].(map[string]any)
		}
		before := stats()
		if before["paid_czk"] != 50.0 || before["owed_czk"] != 150.0 {
			t.Fatalf("stats before: %v, want 50 paid, 150 owed", before)
		}
		for _, amount := range []string{"9223372036854775807", "100000001", "0", "99999999999999999999"} {
			r := s.do("POST", "/v1/cases/"+id+"/events", "clerk-token",
				`{"type":"PaymentReceived","data":{"amount_czk":`+amount+`,"paid_on":"2025-03-01","variable_symbol":"124"}}`)
			if r.status != 400 || !strings.Contains(r.raw, `"field":"data.amount_czk"`) {
				t.Errorf("a payment of %s Kč: %d %s", amount, r.status, r.raw)
			}
		}
		if after := stats(); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("stats after the refused payments: %v, want %v", after, before)
		}
	})
}

// A LocalFeeIncreased appended as the former version wrote it (amount_czk,
// the year's new total) is read as an increase of the total less the fee,
// by the write side and the projections alike, and stays in the store as
// it was written (docs/events.md); the history answers it in the current
// shape, as every reader reads it.
func TestAnIncreaseStoredByTheFormerVersion(t *testing.T) {
	eachStack(t, calendar.NewDate(2025, 4, 1), func(t *testing.T, s *stack) {
		id, _ := s.dogOwner("p-old")
		const former = `{"fee":"dog","year":2025,"amount_czk":450,"decided_on":"2025-03-20"}`
		pos := s.appendStored(id, 3, "officer", "former", "LocalFeeIncreased", former)
		// 450 − the fee of 200 = 250 Kč, due when decided: 150 + 250 = 400 Kč owed.
		items := s.payments("/v1/citizens/p-old/payments?as_of=2025-04-01", "clerk-token", pos)
		if len(items) != 2 || items[1]["amount_czk"] != 250.0 || items[1]["due_on"] != "2025-03-20" || items[1]["status"] != "overdue" || owed(items) != 400 {
			t.Fatalf("got %v, want an increase of 250 Kč and 400 Kč owed", items)
		}
		repo := caserepo.New(eventstore.NewSQLStore(s.db.SQL, s.db.Dialect))
		c, err := repo.Load(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Increases) != 1 || c.Increases[0].FormerTotalCZK != 450 || c.Version != 4 {
			t.Errorf("the write side reads %+v at version %d", c.Increases, c.Version)
		}
		// The write side decides on it: 2 × 150 = 300, of which 250 is used.
		if r := s.raise(id, 51, "2025-03-25", "2025-04-10"); r.status != 422 || !strings.Contains(r.raw, "data.increase_czk") {
			t.Errorf("51 Kč more: %d %s", r.status, r.raw)
		}
		r := s.do("GET", "/v1/cases/"+id+"/events", "clerk-token", nil)
		var history struct {
			Items []struct {
				Type string          `json:"type"`
				Data json.RawMessage `json:"data"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(r.raw), &history); err != nil || len(history.Items) != 4 {
			t.Fatalf("history: %v %s", err, r.raw)
		}
		const current = `{"fee":"dog","year":2025,"former_total_czk":450,"decided_on":"2025-03-20","due_on":"2025-03-20"}`
		if !sameJSON(history.Items[3].Data, current) {
			t.Errorf("the history reads %s, want it in the current shape: %s", history.Items[3].Data, current)
		}
		events, err := repo.Events(context.Background(), id)
		if err != nil || len(events) != 4 || !sameJSON(events[3].Data, former) {
			t.Errorf("the store holds %v (%v), want it as written: %s", events, err, former)
		}
	})
}

// An office that takes administrative fees by transfer (seed 004): a
// passport within 5 working days, filed at the office and collected at the
// ministry, costs 2 000 Kč at filing and 1 000 Kč before the handover; both
// are blocking while unpaid, and the handover is refused until the second
// part is paid.
func TestAnUnpaidAdministrativeFeeBlocksTheHandover(t *testing.T) {
	offices, err := money.ParseOffices("offices.txt", []byte(`
[office praha-7]
name = Úřad městské části Praha 7
account = 19-2000145399/0800
transfer.account = 3711-8920071/0710
transfer.variable_symbol_prefix = 1111
transfer.specific_symbol = 433
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newStackWith(t, db, calendar.NewDate(2026, 4, 20), func(c *handlers.Config) {
			c.Offices, c.Reader = offices, views.NewReader(db.SQL).WithOffices(offices)
		})
		r := s.do("POST", "/v1/cases", "clerk-token", map[string]any{"situation": "passport_application", "office": "praha-7",
			"citizen": map[string]string{"id": "p-pas", "birth_date": "1973-10-28", "full_name": "Jana Nováková", "birth_number": "736028/5163"}})
		if r.status != 201 {
			t.Fatalf("open: %d %s", r.status, r.raw)
		}
		id := r.body["id"].(string)
		s.record(id, "ApplicationFiled", map[string]any{"document": "passport", "filed_on": "2026-04-01", "track": "five_working_days",
			"filing_office": "municipal_office", "pickup_office": "ministry"})
		pos := s.record(id, "DocumentReady", map[string]any{"ready_on": "2026-04-08"})
		items := s.payments("/v1/payments?as_of=2026-04-09&status=blocking", "clerk-token", pos)
		if len(items) != 2 || items[0]["amount_czk"] != 2000.0 || items[1]["amount_czk"] != 1000.0 || items[1]["id"] != id+".fee-collection" ||
			items[1]["due_on"] != "2026-04-08" || items[0]["variable_symbol"] != "11115163" {
			t.Fatalf("blocking: %v, want 2 000 and 1 000 Kč", items)
		}
		if got := s.payments("/v1/payments?as_of=2026-04-20&status=overdue", "officer-token", pos); len(got) != 0 {
			t.Errorf("an administrative fee is never overdue: %v", got)
		}
		collect := map[string]any{"type": "DocumentCollected", "data": map[string]any{"collected_on": "2026-04-09"}}
		s.record(id, "PaymentReceived", map[string]any{"amount_czk": 2000, "paid_on": "2026-04-02", "variable_symbol": "11115163"})
		if r := s.do("POST", "/v1/cases/"+id+"/events", "clerk-token", collect); r.status != 422 || !strings.Contains(r.raw, "data.collected_on") ||
			!strings.Contains(r.raw, "1000 Kč") {
			t.Fatalf("handover with the collection part unpaid: %d %s", r.status, r.raw)
		}
		s.record(id, "PaymentReceived", map[string]any{"amount_czk": 1000, "paid_on": "2026-04-09", "variable_symbol": "11115163"})
		pos = s.record(id, "DocumentCollected", map[string]any{"collected_on": "2026-04-09"})
		for _, it := range s.payments("/v1/citizens/p-pas/payments?as_of=2026-04-20", "clerk-token", pos) {
			if it["status"] != "paid" {
				t.Errorf("%s: %s, want paid", it["id"], it["status"])
			}
		}
	})
}

// sameJSON reports whether raw is the JSON value of want.
func sameJSON(raw []byte, want string) bool {
	var got, w any
	return json.Unmarshal(raw, &got) == nil && json.Unmarshal([]byte(want), &w) == nil && fmt.Sprint(got) == fmt.Sprint(w)
}

// The statute's proration and due dates (docs/LAW.md §9.1) through HTTP,
// on both backends: what a clerk records is what the payments list answers.

// payment returns the obligation of that id from a payments list.
func payment(t *testing.T, items []map[string]any, id string) map[string]any {
	t.Helper()
	for _, it := range items {
		if it["id"] == id {
			return it
		}
	}
	t.Fatalf("no %s in %v", id, items)
	return nil
}

// A dog acquired on 10 Apr 2025, the only dog (rate 200): April–December,
// 9 × 200 ÷ 12 = 150 Kč, due that day (Nová Ves states no due date for a
// dog arising after 28 Feb). A second dog on 15 Oct adds October–December
// at 300 ÷ 12: 75 Kč.
func TestTheAprilDogThroughTheAPI(t *testing.T) {
	eachStack(t, calendar.NewDate(2025, 11, 1), func(t *testing.T, s *stack) {
		id := s.payer("p-1", "1980-05-17", "Jana Nováková")
		dog := map[string]any{"fee": "dog", "arose_on": "2025-04-10", "basis": "owner", "house_number": "154",
			"village_part": "Nová Ves", "dogs": 1}
		pos := s.record(id, "LocalFeeLiabilityArose", dog)
		it := payment(t, s.payments("/v1/citizens/p-1/payments?as_of=2025-04-10", "clerk-token", pos), id+".dog-2025")
		if it["amount_czk"] != 150.0 || it["due_on"] != "2025-04-10" || it["status"] != "unpaid" ||
			!strings.Contains(it["basis"].(string), "pending the bylaw") || !strings.Contains(it["basis"].(string), "April–December") {
			t.Fatalf("the April dog: %v", it)
		}
		dog["arose_on"] = "2025-10-15"
		pos = s.record(id, "LocalFeeLiabilityArose", dog)
		it = payment(t, s.payments("/v1/citizens/p-1/payments?as_of=2025-11-01", "clerk-token", pos), id+".dog-2025")
		// 6 × 200 + 3 × (200 + 300) = 2700/12 = 225 Kč, due 15 Oct 2025 (a Wednesday).
		if it["amount_czk"] != 225.0 || it["due_on"] != "2025-10-15" {
			t.Fatalf("with a second dog from 15 Oct: %v", it)
		}
		r := s.do("POST", "/v1/cases/"+id+"/events", "clerk-token", map[string]any{"type": "LocalFeeLiabilityEnded",
			"data": map[string]any{"fee": "dog", "ended_on": "2025-10-20", "dogs": 3}})
		if r.status != 422 || !strings.Contains(r.raw, "data.dogs") {
			t.Fatalf("ending 3 of 2 dogs: %d %s", r.status, r.raw)
		}
	})
}

// Deregistered on 10 Apr 2025: month ends January–March, 3 × 100 = 300 Kč;
// the 1 200 Kč paid for the year leaves a credit of 900 Kč.
func TestTheAprilMoveOutThroughTheAPI(t *testing.T) {
	eachStack(t, calendar.NewDate(2025, 5, 1), func(t *testing.T, s *stack) {
		id := s.payer("p-1", "1980-05-17", "Jana Nováková")
		s.record(id, "LocalFeeLiabilityArose", map[string]any{"fee": "waste", "arose_on": "2024-01-01",
			"basis": "permanent_residence", "house_number": "154", "village_part": "Nová Ves"})
		s.record(id, "PaymentReceived", map[string]any{"amount_czk": 1200, "paid_on": "2024-02-20", "variable_symbol": "1541", "bank_reference": "B-2024"})
		s.record(id, "PaymentReceived", map[string]any{"amount_czk": 1200, "paid_on": "2025-02-20", "variable_symbol": "1541", "bank_reference": "B-2025"})
		pos := s.record(id, "LocalFeeLiabilityEnded", map[string]any{"fee": "waste", "ended_on": "2025-04-10"})
		items := s.payments("/v1/citizens/p-1/payments?as_of=2025-05-01", "clerk-token", pos)
		it := payment(t, items, id+".waste-2025")
		if it["amount_czk"] != 300.0 || it["paid_czk"] != 1200.0 || it["credit_czk"] != 900.0 || it["owed_czk"] != 0.0 || it["status"] != "paid" {
			t.Fatalf("2025 after moving out on 10 Apr: %v", it)
		}
		if it := payment(t, items, id+".waste-2024"); it["amount_czk"] != 1200.0 || it["status"] != "paid" {
			t.Errorf("2024: %v", it)
		}
	})
}

// 28 Feb 2026 is a Saturday: the waste fee is due on Monday 2 Mar 2026; a
// payment that day is on time, and an unpaid fee is overdue from 3 Mar.
func TestTheWeekendDueDateThroughTheAPI(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 3, 3), func(t *testing.T, s *stack) {
		paid := s.payer("p-1", "1980-05-17", "Jana Nováková")
		late := s.payer("p-2", "1981-02-11", "Petr Novák")
		s.record(paid, "LocalFeeLiabilityArose", map[string]any{"fee": "waste", "arose_on": "2026-01-15",
			"basis": "permanent_residence", "house_number": "154", "village_part": "Nová Ves"})
		s.record(late, "LocalFeeLiabilityArose", map[string]any{"fee": "waste", "arose_on": "2026-01-15",
			"basis": "permanent_residence", "house_number": "12", "village_part": "Vepřek"})
		pos := s.record(paid, "PaymentReceived", map[string]any{"amount_czk": 1200, "paid_on": "2026-03-02", "variable_symbol": "1541"})
		it := payment(t, s.payments("/v1/citizens/p-1/payments?as_of=2026-03-03", "clerk-token", pos), paid+".waste-2026")
		if it["due_on"] != "2026-03-02" || it["status"] != "paid" || !strings.Contains(it["basis"].(string), "daňový řád § 33(4)") {
			t.Fatalf("paid on Monday 2 Mar: %v", it)
		}
		it = payment(t, s.payments("/v1/citizens/p-2/payments?as_of=2026-03-02", "clerk-token", pos), late+".waste-2026")
		if it["status"] != "unpaid" || !strings.Contains(it["spayd"].(string), "*DT:20260302*") {
			t.Fatalf("unpaid on the moved due date: %v", it)
		}
		if it := payment(t, s.payments("/v1/citizens/p-2/payments?as_of=2026-03-03", "clerk-token", pos), late+".waste-2026"); it["status"] != "overdue" {
			t.Fatalf("unpaid on 3 Mar: %v", it)
		}
	})
}
