package views_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections"
	"github.com/lhuta/lhuta/projections/views"
)

var quiet = slog.New(slog.DiscardHandler)

// errKilled stands for the process dying half-way through a batch.
var errKilled = errors.New("killed")

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// The offices of these tests: nova-ves with its fee schedule, and taking
// administrative fees by transfer.
const testOffices = `[office nova-ves]
name = Obecní úřad Nová Ves
account = 0460043319/0800
schedules = builtin:nova-ves
transfer.account = 3711-8920071/0710
transfer.variable_symbol_prefix = 1111
transfer.specific_symbol = 433
`

func testTerms(t testing.TB) *money.Offices {
	t.Helper()
	o, err := money.ParseOffices("test-offices", []byte(testOffices), func(string) ([]byte, error) {
		return nil, errors.New("no files")
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// seedPayers appends n random cases that owe money: local-fee payers (waste,
// dogs, further dogs, moves out, exemptions, increases, payments of every
// size, on time, late, to the wrong symbol) and ID card applications with
// an administrative fee; every fourth citizen has two cases. Only events
// the domain accepts are appended. It returns the last position and the
// cases' ids.
func seedPayers(t testing.TB, db *eventstore.DB, n int, seed uint64, today calendar.Date) (int64, []string) {
	t.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 7))
	s := eventstore.NewSQLStore(db.SQL, db.Dialect)
	meta := eventstore.Metadata{RecordedBy: "alice", CorrelationID: "seed"}
	day := func(from, to calendar.Date) calendar.Date { return from.AddDays(r.IntN(from.DaysUntil(to) + 1)) }
	var (
		last int64
		ids  []string
	)
	for i := range n {
		id := fmt.Sprintf("pay-%03d-%d", i, seed)
		cid := i
		if i%4 == 1 {
			cid = i - 1 // two cases of one citizen
		}
		citizen := cases.Citizen{ID: fmt.Sprint("citizen-", cid), BirthDate: day(calendar.NewDate(1940, 1, 1), calendar.NewDate(2004, 1, 1)),
			FullName: "Jana Nováková", BirthNumber: fmt.Sprintf("%06d/%04d", 100000+i, 1000+i)}
		c := &cases.Case{ID: id}
		var events []eventstore.NewEvent
		add := func(typ cases.EventType, body any) {
			data := mustJSON(body)
			if err := c.Replay(cases.Event{Type: typ, Version: c.Version + 1, Data: data}); err != nil {
				return // the domain refuses it: a history that cannot happen
			}
			events = append(events, eventstore.NewEvent{Type: string(typ), Data: data})
		}
		if i%5 == 4 {
			opened := day(calendar.NewDate(2024, 1, 1), today)
			add(cases.CaseOpenedType, cases.CaseOpened{Situation: cases.IDCardIncident, Office: "nova-ves", Citizen: citizen, OpenedOn: opened})
			add(cases.IncidentReportedType, map[string]string{"kind": "lost", "reported_on": opened.String(), "reported_to": "police"})
			track := []string{"standard", "fast", "express"}[r.IntN(3)]
			add(cases.ApplicationFiledType, map[string]string{"document": "id_card_chip", "filed_on": day(opened, today).String(),
				"track": track, "filing_office": "municipal_office"})
		} else {
			arose := day(calendar.NewDate(2023, 1, 1), today)
			house, part := 1+r.IntN(400), 1+r.IntN(5)
			vs := strconv.Itoa(house) + strconv.Itoa(part)
			where := map[string]any{"house_number": strconv.Itoa(house), "village_part": "Nová Ves"}
			add(cases.CaseOpenedType, cases.CaseOpened{Situation: cases.LocalFee, Office: "nova-ves", Citizen: citizen, OpenedOn: arose})
			body := map[string]any{"fee": "waste", "arose_on": arose.String(), "basis": "permanent_residence"}
			for k, v := range where {
				body[k] = v
			}
			add(cases.LocalFeeLiabilityAroseType, body)
			if r.IntN(3) == 0 {
				dog := map[string]any{"fee": "dog", "arose_on": day(arose, today).String(), "basis": "owner", "dogs": 1 + r.IntN(2)}
				for k, v := range where {
					dog[k] = v
				}
				add(cases.LocalFeeLiabilityAroseType, dog)
			}
			if r.IntN(6) == 0 {
				add(cases.LocalFeeLiabilityEndedType, map[string]any{"fee": "waste", "ended_on": day(arose, today).String()})
			}
			if r.IntN(6) == 0 {
				from := day(arose, today)
				add(cases.LocalFeeExemptionGrantedType, map[string]any{"fee": "waste", "reason": "student abroad", "from": from.String(),
					"to": from.AddDays(r.IntN(400)).String()})
			}
			if r.IntN(5) == 0 {
				decided := day(arose, today)
				add(cases.LocalFeeIncreasedType, map[string]any{"fee": "waste", "year": arose.Year(), "increase_czk": 100 + r.IntN(900),
					"decided_on": decided.String(), "due_on": decided.AddDays(15).String(), "reason": "not paid in time"})
			}
			for range r.IntN(5) {
				amount := []int{1200, 1200, 500, 700, 1400, 300 + r.IntN(3000)}[r.IntN(6)]
				pvs := vs
				if r.IntN(10) == 0 {
					pvs = "999999"
				}
				add(cases.PaymentReceivedType, map[string]any{"amount_czk": amount, "paid_on": day(arose, today).String(),
					"variable_symbol": pvs})
			}
		}
		rec, err := s.Append(ctx, id, 0, meta, events...)
		if err != nil {
			t.Fatal(err)
		}
		last = rec[len(rec)-1].Position
		ids = append(ids, id)
	}
	return last, ids
}

// domainItems replays a case from its events and returns its payment
// obligations as of a day as the domain computes them.
func domainItems(t *testing.T, db *eventstore.DB, id string, asOf calendar.Date, o *money.Offices) []views.PaymentItem {
	t.Helper()
	c, err := caserepo.New(eventstore.NewSQLStore(db.SQL, db.Dialect)).Load(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return views.ItemsOf(c, asOf, o)
}

// checkPayments compares, as of a day, every payer's payment obligations as
// the reader gives them (rows where they hold, folded elsewhere) with the
// domain's, the lists by status, kind and office page by page with the
// lists computed from every payer, and the dashboard totals with the
// totals computed from every payer.
func checkPayments(t *testing.T, db *eventstore.DB, r *views.Reader, ids []string, asOf calendar.Date, o *money.Offices) {
	t.Helper()
	ctx := context.Background()
	citizens := map[string][]string{}
	for _, id := range ids {
		var citizen string
		if err := db.SQL.QueryRow(`SELECT citizen_id FROM case_view WHERE case_id = $1`, id).Scan(&citizen); err != nil {
			t.Fatal(err)
		}
		citizens[citizen] = append(citizens[citizen], id)
	}
	for citizen, ids := range citizens {
		got, err := r.CitizenPayments(ctx, citizen, asOf, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []views.PaymentItem{}
		for _, id := range ids { // ids are in case order
			want = append(want, domainItems(t, db, id, asOf, o)...)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("as of %s, citizen %s's payments from the read models differ from the domain's:\n got %+v\nwant %+v", asOf, citizen, got, want)
		}
	}
	filters := []views.PaymentFilter{{}, {Status: cases.PaymentOverdue}, {Status: cases.PaymentUnpaid}, {Status: cases.PaymentPaid},
		{Status: cases.PaymentPartiallyPaid}, {Kind: cases.KindAdministrativeFee}, {Kind: cases.KindLocalFee, Status: cases.PaymentPaidLate},
		{Office: "nova-ves", Status: cases.PaymentExcused}, {Office: "elsewhere"}}
	for _, f := range filters {
		f.AsOf = asOf
		want, _, err := r.PaymentsFolded(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var got []views.PaymentItem
		for page := 0; ; page++ {
			f.Limit = 7
			items, next, err := r.Payments(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, items...)
			if next == "" {
				break
			}
			f.After = next
		}
		if got == nil {
			got = []views.PaymentItem{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("as of %s, payments %+v from the read models differ from those computed from every payer:\n got %d %+v\nwant %d %+v",
				asOf, f, len(got), got, len(want), want)
		}
	}
	for i, f := range []views.StatsFilter{
		{From: calendar.NewDate(asOf.Year(), 1, 1), To: asOf},
		{From: calendar.NewDate(2023, 1, 1), To: asOf},
		{From: asOf.AddDays(-100), To: asOf, Office: "nova-ves"},
	} {
		got, err := r.PaymentTotals(ctx, f, true)
		if err != nil {
			t.Fatal(err)
		}
		want, err := r.PaymentTotalsFolded(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("payment totals %+v from the aggregates differ from those computed from every payer:\n got %+v\nwant %+v", f, got, want)
		}
		if i == 1 && got.Obligations == 0 {
			t.Fatalf("payment totals %+v count nothing: the test tests nothing", f)
		}
	}
}

func TestPaymentRowsEqualTheDomainsPaymentObligations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		today := calendar.NewDate(2026, 6, 15)
		o := testTerms(t)
		last, ids := seedPayers(t, db, 80, 1, today)
		p := projections.New(db, quiet, projections.UsingOffices(o), projections.UsingToday(func() calendar.Date { return today }))
		stop := testdb.RunPipeline(t, p)
		if err := p.WaitFor(ctx, last, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		stop()
		r := views.NewReader(db.SQL).WithOffices(o)
		var rows int
		_ = db.SQL.QueryRow(`SELECT COUNT(*) FROM payment_view`).Scan(&rows)
		if rows < 100 {
			t.Fatalf("%d payment rows for 80 payers: the test tests little", rows)
		}
		// A due day of an unpaid obligation, on which it is not overdue yet.
		var dueDay string
		if err := db.SQL.QueryRow(`SELECT MIN(CAST(due_on AS TEXT)) FROM payment_view WHERE status = 'open' AND valid_from <= due_on
			AND valid_to >= due_on AND due_on > valid_from`).Scan(&dueDay); err != nil {
			t.Fatal(err)
		}
		due, err := calendar.ParseDate(dueDay)
		if err != nil {
			t.Fatal(err)
		}
		// The windows of rows hold from the day of a year's last fact to the
		// end of the year; before, the cases are computed from their money state.
		for _, asOf := range []calendar.Date{today, today.AddDays(20), calendar.NewDate(2026, 12, 31), due, due.AddDays(1),
			calendar.NewDate(2025, 3, 3), calendar.NewDate(2024, 12, 31), calendar.NewDate(2027, 2, 1)} {
			checkPayments(t, db, r, ids, asOf, o)
		}
		// A rebuild writes the same rows as the projection did.
		diffs, err := projections.Check(ctx, db, nil, projections.UsingOffices(o), projections.UsingToday(func() calendar.Date { return today }))
		if err != nil || len(diffs) > 0 {
			t.Fatalf("check: %v %+v", err, diffs)
		}
		// A reader with other terms does not trust the rows.
		other := views.NewReader(db.SQL)
		checkPayments(t, db, other, ids, today, nil)
	})
}

func TestTheYearlyRollIsIdempotentAndSurvivesACrashInTheMiddle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		o := testTerms(t)
		var today atomic.Value
		today.Store(calendar.NewDate(2026, 12, 30))
		clock := projections.UsingToday(func() calendar.Date { return today.Load().(calendar.Date) })
		last, ids := seedPayers(t, db, 60, 2, calendar.NewDate(2026, 12, 30))
		p := projections.New(db, quiet, projections.UsingOffices(o), clock)
		p.WithRollChunk(7)
		stop := testdb.RunPipeline(t, p)
		if err := p.WaitFor(ctx, last, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		stop()
		r := views.NewReader(db.SQL).WithOffices(o)
		newYear := calendar.NewDate(2027, 1, 4)
		today.Store(newYear)
		// The process dies in the third chunk of the roll.
		chunks := 0
		p.WithRollFault(func([]string) error {
			if chunks++; chunks == 3 {
				return errKilled
			}
			return nil
		})
		if n, err := p.Roll(ctx); !errors.Is(err, errKilled) || n != 14 {
			t.Fatalf("roll: %d cases, %v; want 14 and the crash", n, err)
		}
		var stale int
		_ = db.SQL.QueryRow(`SELECT COUNT(DISTINCT case_id) FROM payment_view WHERE latest AND valid_to < $1`, newYear.String()).Scan(&stale)
		if stale == 0 {
			t.Fatal("the roll that died rolled every case")
		}
		// Half rolled, the answers are right: rolled cases from their rows,
		// the others computed.
		checkPayments(t, db, r, ids, newYear, o)
		p.WithRollFault(nil)
		n, err := p.Roll(ctx)
		if err != nil || n != stale {
			t.Fatalf("the roll went on with %d cases (%v), want the %d left", n, err, stale)
		}
		if n, err := p.Roll(ctx); err != nil || n != 0 {
			t.Fatalf("a second roll rewrote %d cases (%v)", n, err)
		}
		checkPayments(t, db, r, ids, newYear, o)
		// The rolled rows are those a rebuild on the new year writes.
		diffs, err := projections.Check(ctx, db, nil, projections.UsingOffices(o), clock)
		if err != nil || len(diffs) > 0 {
			t.Fatalf("check after the roll: %v %+v", err, diffs)
		}
	})
}
