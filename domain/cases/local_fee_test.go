package cases

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/fees"
	"github.com/lhuta/lhuta/domain/money"
)

// The tests below are derived by hand from seed 004 (Nová Ves's page
// "Poplatky"): waste 1 200 Kč a year, due 28 Feb or 30 days after a duty
// arising later, moved off non-working days (docs/LAW.md §9.1); dogs 200 Kč for the first, 300 Kč for each further, 0 Kč
// for an owner older than 65; account 0460043319/0800, whose IBAN is
// CZ6308000000000460043319; VS = house number + the part's digit.

const novaVesIBAN = "CZ6308000000000460043319"

func day(y int, m time.Month, d int) calendar.Date { return calendar.NewDate(y, m, d) }

func feeCase(born calendar.Date) *Case {
	return &Case{ID: "c1", Situation: LocalFee, Office: "nova-ves", Version: 1,
		Citizen: Citizen{ID: "p1", BirthDate: born, FullName: "Jana Nováková"}}
}

func clerkOn(today calendar.Date) Context {
	return Context{Today: today, Actor: "lucie", Role: Clerk}
}

func officerOn(today calendar.Date) Context {
	return Context{Today: today, Actor: "bob", Role: ComplianceOfficer}
}

// do records a fact and folds it, as the repository does.
func do(t *testing.T, c *Case, ctx Context, typ EventType, data string) error {
	t.Helper()
	rec, err := c.Record(typ, []byte(data), ctx)
	if err != nil {
		return err
	}
	fold(t, c, rec)
	return nil
}

// fold folds a decided event into the case, as the repository does.
func fold(t *testing.T, c *Case, rec Recorded) {
	t.Helper()
	b, err := json.Marshal(rec.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Replay(Event{Type: rec.Type, Version: c.Version + 1, Data: b}); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, c *Case, ctx Context, typ EventType, data string) {
	t.Helper()
	if err := do(t, c, ctx, typ, data); err != nil {
		t.Fatalf("%s %s: %v", typ, data, err)
	}
}

func refused(t *testing.T, err error, field string) {
	t.Helper()
	if e := (*RuleError)(nil); !errors.As(err, &e) || !names(e.Errors, field) {
		t.Fatalf("got %v, want a rule error on %s", err, field)
	}
}

func invalid(t *testing.T, err error, field string) {
	t.Helper()
	if e := (*InvalidError)(nil); !errors.As(err, &e) || !names(e.Errors, field) {
		t.Fatalf("got %v, want invalid %s", err, field)
	}
}

func names(errs []FieldError, field string) bool {
	return slices.ContainsFunc(errs, func(e FieldError) bool { return e.Field == field })
}

func only(t *testing.T, c *Case, asOf calendar.Date) PaymentObligation {
	t.Helper()
	ps := c.PaymentObligations(asOf, nil)
	if len(ps) != 1 {
		t.Fatalf("as of %s: %d obligations %+v, want 1", asOf, len(ps), ps)
	}
	return ps[0]
}

// restored is c written by marshal and read back by restore: a snapshot, or
// the read model's money state.
func restored(t *testing.T, marshal func() ([]byte, error), restore func([]byte) (*Case, error)) *Case {
	t.Helper()
	b, err := marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := restore(b)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

const resident = `{"fee":"waste","arose_on":"%s","basis":"permanent_residence","house_number":"154","village_part":"Nová Ves"}`

func arose(on string) string { return strings.Replace(resident, "%s", on, 1) }

// 28 Feb 2026 is a Saturday: the fee is due on Monday 2 Mar 2026.
func TestResidentArisingInJanuaryPays1200By28February(t *testing.T) {
	c := feeCase(day(1980, 5, 17))
	must(t, c, clerkOn(day(2026, 1, 20)), LocalFeeLiabilityAroseType, arose("2026-01-15"))
	p := only(t, c, day(2026, 2, 1))
	want := "SPD*1.0*ACC:" + novaVesIBAN + "*AM:1200.00*CC:CZK*DT:20260302*X-VS:1541*MSG:Nováková"
	if p.ID != "waste-2026" || p.Kind != KindLocalFee || p.AmountCZK != 1200 || p.DueOn != day(2026, 3, 2) ||
		p.Status != PaymentUnpaid || p.VariableSymbol != "1541" || p.IBAN != novaVesIBAN || p.Account != "460043319/0800" ||
		p.SPAYD != want || p.OwedCZK != 1200 {
		t.Fatalf("got %+v\nwant 1200 Kč due 2026-03-02, VS 1541, SPAYD %s", p, want)
	}
	if !strings.Contains(p.Basis, "by month ends") || !strings.Contains(p.Basis, "permanent_residence") {
		t.Errorf("basis %q does not say the category and the proration", p.Basis)
	}
	if got := only(t, c, day(2026, 3, 2)).Status; got != PaymentUnpaid {
		t.Errorf("as of 2 Mar, the moved due date: %s, want unpaid", got)
	}
	if got := only(t, c, day(2026, 3, 3)).Status; got != PaymentOverdue {
		t.Errorf("as of 3 Mar: %s, want overdue", got)
	}
	must(t, c, clerkOn(day(2026, 2, 27)), PaymentReceivedType, `{"amount_czk":1200,"paid_on":"2026-02-27","variable_symbol":"1541","bank_reference":"B1"}`)
	if got := only(t, c, day(2026, 2, 26)).Status; got != PaymentUnpaid {
		t.Errorf("as of the day before the payment: %s, want unpaid", got)
	}
	p = only(t, c, day(2026, 3, 2))
	if p.Status != PaymentPaid || p.PaidCZK != 1200 || p.OwedCZK != 0 || p.SPAYD != "" || p.PaidOn != day(2026, 2, 27) {
		t.Errorf("after paying: %+v, want paid, nothing owed, no QR", p)
	}
}

func TestDutyArisingAfter28FebruaryIsDue30DaysLaterOffNonWorkingDays(t *testing.T) {
	for _, tt := range []struct {
		arose  string
		due    calendar.Date
		amount int
	}{
		{"2026-04-10", day(2026, 5, 11), 900}, // 10 May 2026 is a Sunday; month ends April–December: 9 × 100
		{"2026-04-08", day(2026, 5, 11), 900}, // 8 May is a holiday (Friday), then the weekend
		{"2026-04-29", day(2026, 5, 29), 900}, // a Friday
		{"2026-02-28", day(2026, 3, 2), 1100}, // on the due date itself, a Saturday: not after it; February–December
	} {
		c := feeCase(day(1980, 5, 17))
		must(t, c, clerkOn(day(2026, 5, 1)), LocalFeeLiabilityAroseType, arose(tt.arose))
		if p := only(t, c, day(2026, 5, 1)); p.DueOn != tt.due || p.AmountCZK != tt.amount {
			t.Errorf("arose %s: due %s, %d Kč; want %s, %d Kč", tt.arose, p.DueOn, p.AmountCZK, tt.due, tt.amount)
		}
	}
}

func TestDogs(t *testing.T) {
	for _, tt := range []struct {
		name   string
		born   calendar.Date
		dogs   int
		amount int
	}{
		{"one dog", day(1980, 5, 17), 1, 200},
		{"two dogs: 200 + 300", day(1980, 5, 17), 2, 500},
		{"three dogs: 200 + 2 × 300", day(1980, 5, 17), 3, 800},
		{"owner aged 66 on 1 January", day(1960, 1, 1), 1, 0},
		{"owner aged 66 with two dogs", day(1959, 7, 1), 2, 0},
		// 65 on 1 Jun 2025: free from July 2025.
		{"owner aged 65 on 1 January, older than 65 since July", day(1960, 6, 1), 1, 0},
		// 65 on 1 Jun 2026: January–June at 200 ÷ 12 = 1200/12 = 100 Kč.
		{"owner turning 65 in June", day(1961, 6, 1), 1, 100},
		// 65 on 31 Dec 2026: the whole year at the ordinary rate.
		{"owner turning 65 on 31 December", day(1961, 12, 31), 1, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := feeCase(tt.born)
			must(t, c, clerkOn(day(2026, 1, 10)), LocalFeeLiabilityAroseType,
				`{"fee":"dog","arose_on":"2025-12-01","basis":"owner","house_number":"12","village_part":"Vepřek","dogs":`+string(rune('0'+tt.dogs))+`}`)
			ps := c.PaymentObligations(day(2026, 1, 10), nil)
			if len(ps) != 2 || ps[1].ID != "dog-2026" {
				t.Fatalf("got %+v, want dog-2025 and dog-2026", ps)
			}
			p := ps[1]
			// 28 Feb 2026 is a Saturday.
			if p.AmountCZK != tt.amount || p.DueOn != day(2026, 3, 2) || p.VariableSymbol != "124" {
				t.Errorf("got %d Kč due %s VS %s; want %d Kč due 2026-03-02 VS 124", p.AmountCZK, p.DueOn, p.VariableSymbol, tt.amount)
			}
			if !strings.Contains(p.Basis, "by started months") || !strings.Contains(p.Basis, "an interpretation") {
				t.Errorf("basis %q does not say how the months and the age are counted", p.Basis)
			}
			if tt.amount == 0 && (p.Status != PaymentPaid || p.SPAYD != "") {
				t.Errorf("nothing to pay: %s with QR %q, want paid without QR", p.Status, p.SPAYD)
			}
		})
	}
	// The dog fee of a duty arising after 28 Feb: the schedule states only
	// the yearly due date, and nothing is due before the duty exists, so it
	// is due on the day the duty arose (not overdue that day), a Monday.
	// June–December: 7 × 200 ÷ 12 = 1400/12 = 116.67, rounded up to 117 Kč.
	c := feeCase(day(1980, 5, 17))
	must(t, c, clerkOn(day(2026, 6, 1)), LocalFeeLiabilityAroseType,
		`{"fee":"dog","arose_on":"2026-06-01","basis":"owner","house_number":"12","village_part":"Vepřek","dogs":1}`)
	if p := only(t, c, day(2026, 6, 1)); p.DueOn != day(2026, 6, 1) || p.Status != PaymentUnpaid || p.AmountCZK != 117 ||
		!strings.Contains(p.Basis, "the day the duty arose, pending the bylaw") {
		t.Errorf("got %d Kč due %s, %s, basis %q", p.AmountCZK, p.DueOn, p.Status, p.Basis)
	}
}

func TestExemptionForTheWholeYearExcusesIt(t *testing.T) {
	c := feeCase(day(1980, 5, 17))
	ctx := clerkOn(day(2026, 3, 10))
	must(t, c, ctx, LocalFeeLiabilityAroseType, arose("2024-06-01"))
	must(t, c, ctx, LocalFeeExemptionGrantedType, `{"fee":"waste","reason":"abroad","from":"2026-01-01","to":"2026-12-31"}`)
	must(t, c, ctx, LocalFeeExemptionGrantedType, `{"fee":"waste","reason":"custody","from":"2025-03-01","to":"2025-05-31"}`)
	ps := c.PaymentObligations(day(2026, 3, 10), nil)
	if len(ps) != 3 {
		t.Fatalf("got %+v, want 2024, 2025, 2026", ps)
	}
	if ps[2].ID != "waste-2026" || ps[2].Status != PaymentExcused || ps[2].OwedCZK != 0 || ps[2].SPAYD != "" {
		t.Errorf("2026: %+v, want excused", ps[2])
	}
	// Custody 1 Mar–31 May 2025: month ends March–May exempt, 9 × 100 Kč.
	if ps[1].Status != PaymentOverdue || ps[1].AmountCZK != 900 {
		t.Errorf("2025 with three months in custody: %+v, want 900 Kč overdue", ps[1])
	}
	// From 1 Jun 2024: month ends June–December, 7 × 100 Kč.
	if ps[0].DueOn != day(2024, 7, 1) || ps[0].AmountCZK != 700 {
		t.Errorf("2024: %d Kč due %s, want 700 Kč due 2024-07-01 (1 Jul, 30 days after 1 Jun)", ps[0].AmountCZK, ps[0].DueOn)
	}
	// A payment for 1541 settles the oldest first and skips the excused year:
	// 700 + 900, and 3000 − 1600 = 1400 credit on 2025.
	must(t, c, ctx, PaymentReceivedType, `{"amount_czk":3000,"paid_on":"2026-03-09","variable_symbol":"1541"}`)
	ps = c.PaymentObligations(day(2026, 3, 10), nil)
	if ps[0].Status != PaymentPaidLate || ps[1].Status != PaymentPaidLate || ps[1].CreditCZK != 1400 || ps[1].PaidCZK != 2300 || ps[2].PaidCZK != 0 {
		t.Errorf("got %+v\nwant 2024 and 2025 paid late, 1400 Kč credit on 2025, nothing on the excused 2026", ps)
	}
	err := do(t, c, ctx, LocalFeeExemptionGrantedType, `{"fee":"waste","reason":"holiday","from":"2026-01-01"}`)
	refused(t, err, "data.reason")
	err = do(t, c, ctx, LocalFeeExemptionGrantedType, `{"fee":"dog","reason":"abroad","from":"2026-01-01"}`)
	refused(t, err, "data.fee")
	err = do(t, c, ctx, LocalFeeExemptionGrantedType, `{"fee":"waste","reason":"abroad","from":"2026-01-01","to":"2025-01-01"}`)
	invalid(t, err, "data.to")
}

// A year paid and excused afterwards keeps the money as credit (docs/LAW.md
// §9: an overpayment shows as a credit); it is never lost.
func TestAPaymentForAYearExcusedLaterIsCredit(t *testing.T) {
	c := feeCase(day(1980, 5, 17))
	ctx := clerkOn(day(2025, 6, 1))
	must(t, c, ctx, LocalFeeLiabilityAroseType, arose("2025-01-10"))
	must(t, c, ctx, PaymentReceivedType, `{"amount_czk":1200,"paid_on":"2025-02-20","variable_symbol":"1541"}`)
	must(t, c, ctx, LocalFeeExemptionGrantedType, `{"fee":"waste","reason":"abroad","from":"2025-01-01","to":"2025-12-31"}`)
	p := only(t, c, day(2025, 6, 1))
	if p.Status != PaymentExcused || p.PaidCZK != 1200 || p.CreditCZK != 1200 || p.OwedCZK != 0 {
		t.Errorf("got %+v, want excused with the 1 200 Kč paid as credit", p)
	}
}

func TestPartialLateAndOldestFirst(t *testing.T) {
	c := feeCase(day(1980, 5, 17))
	ctx := clerkOn(day(2026, 4, 1))
	must(t, c, ctx, LocalFeeLiabilityAroseType, arose("2025-01-10"))
	must(t, c, ctx, PaymentReceivedType, `{"amount_czk":500,"paid_on":"2025-02-10","variable_symbol":"1541","bank_reference":"A1"}`)
	p := c.PaymentObligations(day(2025, 3, 1), nil)[0]
	if p.Status != PaymentPartiallyPaid || p.OwedCZK != 700 || !strings.Contains(p.SPAYD, "*AM:700.00*") {
		t.Fatalf("after 500 Kč: %+v, want partially paid, 700 owed, QR for 700", p)
	}
	// 1 300 Kč owes no obligation exactly (700 and 1 200 are owed): the
	// oldest first, 700 Kč for 2025, then 600 Kč of 2026.
	must(t, c, ctx, PaymentReceivedType, `{"amount_czk":1300,"paid_on":"2026-03-05","variable_symbol":"1541","bank_reference":"A2"}`)
	ps := c.PaymentObligations(day(2026, 4, 1), nil)
	if ps[0].Status != PaymentPaidLate || ps[0].PaidOn != day(2026, 3, 5) {
		t.Errorf("2025: %+v, want paid late on 2026-03-05", ps[0])
	}
	if ps[1].Status != PaymentPartiallyPaid || ps[1].PaidCZK != 600 || ps[1].OwedCZK != 600 {
		t.Errorf("2026: %+v, want 600 of 1200 paid", ps[1])
	}
	// The same bank payment again is the same payment.
	err := do(t, c, ctx, PaymentReceivedType, `{"amount_czk":1300,"paid_on":"2026-03-05","variable_symbol":"1541","bank_reference":"A2"}`)
	refused(t, err, "data.bank_reference")
	b, _ := json.Marshal(PaymentReceived{AmountCZK: 1300, PaidOn: day(2026, 3, 5), VariableSymbol: "1541", BankReference: "A2"})
	if err := c.Replay(Event{Type: PaymentReceivedType, Version: c.Version + 1, Data: b}); err != nil {
		t.Fatal(err)
	}
	if len(c.Payments) != 2 {
		t.Errorf("a replayed duplicate counted: %d payments, want 2", len(c.Payments))
	}
	refused(t, do(t, c, ctx, PaymentReceivedType, `{"amount_czk":100,"paid_on":"2026-03-05","variable_symbol":"9991"}`), "data.variable_symbol")
	invalid(t, do(t, c, ctx, PaymentReceivedType, `{"amount_czk":0,"paid_on":"2026-03-05","variable_symbol":"1541"}`), "data.amount_czk")
	invalid(t, do(t, c, ctx, PaymentReceivedType, `{"amount_czk":10,"paid_on":"2026-03-05","variable_symbol":"VS1541"}`), "data.variable_symbol")
	refused(t, do(t, c, ctx, PaymentReceivedType, `{"amount_czk":10,"paid_on":"2026-04-02","variable_symbol":"1541"}`), "data.paid_on")
}

func TestLiabilityArisesAndEnds(t *testing.T) {
	c := feeCase(day(1980, 5, 17))
	ctx := clerkOn(day(2027, 6, 1))
	refused(t, do(t, c, ctx, LocalFeeLiabilityEndedType, `{"fee":"waste","ended_on":"2026-01-01"}`), "data.fee")
	must(t, c, ctx, LocalFeeLiabilityAroseType, arose("2025-05-01"))
	refused(t, do(t, c, ctx, LocalFeeLiabilityAroseType, arose("2025-06-01")), "data.fee")
	refused(t, do(t, c, ctx, LocalFeeLiabilityEndedType, `{"fee":"waste","ended_on":"2025-04-01"}`), "data.ended_on")
	must(t, c, ctx, LocalFeeLiabilityEndedType, `{"fee":"waste","ended_on":"2026-03-01"}`)
	ps := c.PaymentObligations(day(2027, 6, 1), nil)
	if len(ps) != 2 || ps[0].ID != "waste-2025" || ps[1].ID != "waste-2026" || ps[0].DueOn != day(2025, 6, 2) {
		t.Fatalf("got %+v, want 2025 (due 31 May, a Saturday, moved to Monday 2 Jun) and 2026, none for 2027", ps)
	}
	refused(t, do(t, c, ctx, LocalFeeLiabilityAroseType, arose("2026-02-01")), "data.arose_on")
	// Moving back in the same year owes no second 2026.
	must(t, c, ctx, LocalFeeLiabilityAroseType, arose("2026-10-01"))
	if ps := c.PaymentObligations(day(2027, 6, 1), nil); len(ps) != 3 || ps[2].ID != "waste-2027" {
		t.Fatalf("got %+v, want 2025, 2026, 2027", ps)
	}
	if ps := c.PaymentObligations(day(2025, 4, 30), nil); len(ps) != 0 {
		t.Errorf("before the duty arose: %+v", ps)
	}
}

func TestLiabilityIsCheckedAgainstTheSchedule(t *testing.T) {
	ctx := clerkOn(day(2026, 3, 1))
	for _, tt := range []struct {
		data, field string
		shape       bool
	}{
		{`{"fee":"parking","arose_on":"2026-01-01","basis":"owner","house_number":"1","village_part":"Vepřek"}`, "data.fee", true},
		{`{"fee":"dog","arose_on":"2026-01-01","basis":"owner","house_number":"1","village_part":"Vepřek"}`, "data.dogs", true},
		{`{"fee":"waste","arose_on":"2026-01-01","basis":"permanent_residence","house_number":"1","village_part":"Vepřek","dogs":1}`, "data.dogs", true},
		{`{"fee":"dog","arose_on":"2026-01-01","basis":"owner","house_number":"1","village_part":"Vepřek","dogs":101}`, "data.dogs", true},
		{`{"fee":"waste","arose_on":"2026-01-01","basis":"student","house_number":"1","village_part":"Vepřek"}`, "data.basis", false},
		{`{"fee":"waste","arose_on":"2026-01-01","basis":"permanent_residence","house_number":"1","village_part":"Praha"}`, "data.house_number", false},
		{`{"fee":"waste","arose_on":"2026-01-01","basis":"permanent_residence","house_number":"1a","village_part":"Vepřek"}`, "data.house_number", false},
		{`{"fee":"waste","arose_on":"2022-12-31","basis":"permanent_residence","house_number":"1","village_part":"Vepřek"}`, "data.arose_on", false},
	} {
		err := do(t, feeCase(day(1980, 5, 17)), ctx, LocalFeeLiabilityAroseType, tt.data)
		if tt.shape {
			invalid(t, err, tt.field)
		} else {
			refused(t, err, tt.field)
		}
	}
	other := feeCase(day(1980, 5, 17))
	other.Office = "praha-1"
	refused(t, do(t, other, ctx, LocalFeeLiabilityAroseType, arose("2026-01-01")), "data.arose_on")
	if _, ok := other.OwingSpan(); ok {
		t.Error("a case without money facts may owe")
	}
	other.LocalFees = []Liability{{AroseOn: day(2025, 3, 1), EndedOn: day(2025, 6, 1)}, {AroseOn: day(2024, 1, 1), EndedOn: day(2024, 2, 1)}}
	if s, ok := other.OwingSpan(); !ok || s != (Span{From: day(2024, 1, 1), Until: day(2025, 6, 1)}) {
		t.Errorf("ended liabilities: %+v", s)
	}
	other.LocalFees = append(other.LocalFees, Liability{AroseOn: day(2025, 9, 1)})
	if s, _ := other.OwingSpan(); !s.Until.IsZero() {
		t.Errorf("a lasting liability: %+v", s)
	}
}

const customOffices = `
[office hora]
name = Obecní úřad Hora
account = 19-2000145399/0800
fine_due_days = 15
schedules = hora.txt
transfer.account = 3711-8920071/0710
transfer.variable_symbol_prefix = 1111
transfer.specific_symbol = 433
`

const horaSchedule = `
[schedule]
municipality = Hora
valid_from = 2020-01-01
account = 19-2000145399/0800
specific_symbol = 1340
variable_symbol = 77{house_number}
message = {fee} {year} {full_name}
proration = statutory

[fee waste]
title = odpad
rate = 1200
due = 03-31
category.resident = resident
`

func horaOffices(t *testing.T) *money.Offices {
	t.Helper()
	o, err := money.ParseOffices("offices.txt", []byte(customOffices), func(string) ([]byte, error) { return []byte(horaSchedule), nil })
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestAnOfficesOwnScheduleIsProratedByTheStatute(t *testing.T) {
	offices := horaOffices(t)
	c := feeCase(day(1980, 5, 17))
	c.Office = "hora"
	ctx := clerkOn(day(2026, 5, 1))
	ctx.Offices = offices
	must(t, c, ctx, LocalFeeLiabilityAroseType, `{"fee":"waste","arose_on":"2026-04-10","basis":"resident","house_number":"5"}`)
	p := c.PaymentObligations(day(2026, 5, 1), offices)[0]
	// Overdue as of 1 May: the QR Platba string names no (past) due date.
	want := "SPD*1.0*ACC:CZ6508000000192000145399*AM:900.00*CC:CZK*X-VS:775*X-SS:1340*MSG:waste 2026 Jana Nováková"
	if p.AmountCZK != 900 || p.SPAYD != want || p.Status != PaymentOverdue {
		t.Errorf("got %+v\nwant month ends April–December, 900 Kč, due Friday 10 Apr, the day it arose (no later due date stated), %s", p, want)
	}
	if !strings.Contains(p.Basis, "April–December: 1200 Kč ÷ 12 a month") {
		t.Errorf("basis %q", p.Basis)
	}
}

func TestFinesAndTransferFees(t *testing.T) {
	offices := horaOffices(t)
	c := &Case{ID: "case-7", Situation: IDCardIncident, Office: "hora", Version: 3,
		Citizen: Citizen{ID: "p", BirthDate: day(1973, 10, 28), FullName: "Jana  Nováková", BirthNumber: "736028/5163"},
		Flags: []Flag{{ID: "c-1", Decision: Fined, FineCZK: 2000, DecidedOn: day(2026, 4, 10)},
			{ID: "d-2", Decision: Dismissed, DecidedOn: day(2026, 4, 10)}},
		Fee: &fees.Fee{AtFiling: 500}, application: &application{filedOn: day(2026, 4, 1)}}
	if s, ok := c.OwingSpan(); !ok || s != (Span{From: day(2026, 4, 1), Until: day(2026, 4, 10)}) {
		t.Fatalf("a fined case with a fee: %+v %v", s, ok)
	}
	if s, ok := (&Case{Fee: c.Fee, application: c.application}).OwingSpan(); !ok || !s.FeeOnly {
		t.Errorf("a fee only: %+v %v", s, ok)
	}
	ps := c.PaymentObligations(day(2026, 5, 1), offices)
	if len(ps) != 2 {
		t.Fatalf("got %+v, want the fee and the fine", ps)
	}
	fee, fine := ps[0], ps[1]
	if fee.Kind != KindAdministrativeFee || fee.AmountCZK != 500 || fee.DueOn != day(2026, 4, 1) ||
		fee.Status != PaymentBlocking || fee.SPAYD != "SPD*1.0*ACC:CZ4707100037110008920071*AM:500.00*CC:CZK*X-VS:11115163*X-SS:433*MSG:Jana Nováková" {
		t.Errorf("fee: %+v", fee)
	}
	// 25 Apr 2026 is a Saturday: 15 days after 10 Apr, moved to Monday.
	if fine.Kind != KindFine || fine.ID != "fine-c-1" || fine.AmountCZK != 2000 || fine.DueOn != day(2026, 4, 27) ||
		fine.IBAN != "CZ6508000000192000145399" || len(fine.VariableSymbol) != 10 || !strings.Contains(fine.Basis, "office policy") {
		t.Errorf("fine: %+v", fine)
	}
	if fine.VariableSymbol != c.fineVS() || (&Case{ID: "case-8"}).fineVS() == fine.VariableSymbol {
		t.Errorf("the fine's symbol is not the case's own")
	}
	// Under the built-in terms: nova-ves's account, 30 days; praha-1 has none.
	c.Office = "nova-ves"
	if ps := c.PaymentObligations(day(2026, 5, 20), nil); len(ps) != 1 || ps[0].DueOn != day(2026, 5, 11) || ps[0].IBAN != novaVesIBAN {
		t.Errorf("nova-ves: %+v", ps)
	}
	c.Office = "praha-1"
	ps = c.PaymentObligations(day(2026, 5, 20), nil)
	if len(ps) != 1 || ps[0].IBAN != "" || ps[0].SPAYD != "" || !strings.Contains(ps[0].Basis, "names no account") {
		t.Errorf("praha-1: %+v", ps)
	}
	if ps := c.PaymentObligations(day(2026, 4, 9), nil); len(ps) != 0 {
		t.Errorf("before the decision: %+v", ps)
	}
	c.Office, c.Citizen.BirthNumber = "hora", ""
	ps = c.PaymentObligations(day(2026, 5, 1), offices)
	if ps[0].VariableSymbol != "" || !strings.Contains(ps[0].Basis, "no birth number") {
		t.Errorf("without a birth number: %+v", ps[0])
	}
}

func TestLocalFeeWithoutScheduleOwesNothingAskable(t *testing.T) {
	c := feeCase(day(1980, 5, 17))
	c.Office = "praha-1"
	c.LocalFees = []Liability{{Fee: money.Waste, AroseOn: day(2026, 1, 1), Basis: "x"}}
	p := only(t, c, day(2026, 1, 2))
	if p.AmountCZK != 0 || !strings.Contains(p.Basis, "no fee schedule") {
		t.Errorf("got %+v", p)
	}
}

func TestMoneySurvivesASnapshot(t *testing.T) {
	c := feeCase(day(1980, 5, 17))
	ctx := clerkOn(day(2026, 3, 10))
	must(t, c, ctx, LocalFeeLiabilityAroseType, arose("2026-01-15"))
	must(t, c, ctx, LocalFeeExemptionGrantedType, `{"fee":"waste","reason":"abroad","from":"2027-01-01"}`)
	must(t, c, ctx, PaymentReceivedType, `{"amount_czk":100,"paid_on":"2026-03-01","variable_symbol":"1541","bank_reference":"X"}`)
	back := restored(t, c.MarshalSnapshot, RestoreSnapshot)
	a, z := c.PaymentObligations(day(2027, 3, 1), nil), back.PaymentObligations(day(2027, 3, 1), nil)
	if len(a) != 2 || len(z) != 2 || a[0] != z[0] || a[1] != z[1] || a[1].Status != PaymentExcused {
		t.Errorf("before %+v\nafter %+v", a, z)
	}
}

// The money state alone gives the same obligations as the whole case: fee
// years, a fine and a transfer fee.
func TestMoneyStateGivesTheSameObligations(t *testing.T) {
	offices := horaOffices(t)
	c := feeCase(day(1973, 10, 28))
	c.Office, c.Citizen.BirthNumber = "hora", "736028/5163"
	ctx := clerkOn(day(2026, 5, 1))
	ctx.Offices = offices
	must(t, c, ctx, LocalFeeLiabilityAroseType, `{"fee":"waste","arose_on":"2025-04-10","basis":"resident","house_number":"5"}`)
	must(t, c, ctx, PaymentReceivedType, `{"amount_czk":300,"paid_on":"2026-03-01","variable_symbol":"775"}`)
	c.Flags = []Flag{{ID: "c-1", Decision: Fined, FineCZK: 2000, DecidedOn: day(2026, 4, 10)}, {ID: "c-2", Decision: Dismissed}}
	c.Fee, c.application = &fees.Fee{AtFiling: 500, AtCollection: 100}, &application{filedOn: day(2026, 4, 1)}
	c.SLA = []SLA{{FiledOn: day(2026, 4, 1), Due: day(2026, 4, 30)}}
	back := restored(t, c.MarshalMoney, RestoreMoney)
	a, z := c.PaymentObligations(day(2026, 5, 1), offices), back.PaymentObligations(day(2026, 5, 1), offices)
	if len(a) != 5 || len(z) != len(a) || a[4].ID != feeCollectionID || a[4].DueOn != day(2026, 4, 30) {
		t.Fatalf("before %+v\nafter %+v", a, z)
	}
	lean := back.PaymentAmounts(day(2026, 5, 1), offices)
	for i := range a {
		if a[i] != z[i] {
			t.Errorf("%d: before %+v\nafter %+v", i, a[i], z[i])
		}
		if l := lean[i]; l.AmountCZK != a[i].AmountCZK || l.PaidCZK != a[i].PaidCZK || l.OwedCZK != a[i].OwedCZK ||
			l.Status != a[i].Status || l.DueOn != a[i].DueOn || l.Kind != a[i].Kind || l.CreditCZK != a[i].CreditCZK {
			t.Errorf("%d: amounts %+v, obligations %+v", i, l, a[i])
		}
	}
	if _, err := RestoreMoney([]byte("[")); err == nil {
		t.Error("garbage restored")
	}
}

// Any event type and data on a local_fee case is decided without a panic,
// and what is recorded replays to payment obligations without one.
func FuzzLocalFeeRecord(f *testing.F) {
	f.Add(string(LocalFeeLiabilityAroseType), []byte(arose("2026-01-15")), false)
	f.Add(string(LocalFeeLiabilityAroseType), []byte(`{"fee":"dog","arose_on":"2025-12-01","basis":"owner","house_number":"12","village_part":"Vepřek","dogs":3}`), false)
	f.Add(string(LocalFeeExemptionGrantedType), []byte(`{"fee":"waste","reason":"abroad","from":"2026-01-01"}`), false)
	f.Add(string(LocalFeeIncreasedType), []byte(`{"fee":"waste","year":2025,"amount_czk":3600,"decided_on":"2026-03-31"}`), true)
	f.Add(string(PaymentReceivedType), []byte(`{"amount_czk":700,"paid_on":"2026-03-05","variable_symbol":"1541","bank_reference":"X"}`), false)
	f.Add(string(LocalFeeLiabilityEndedType), []byte(`{"fee":"waste","ended_on":"2026-03-05"}`), false)
	f.Fuzz(func(t *testing.T, typ string, data []byte, officer bool) {
		c := feeCase(day(1950, 5, 17))
		ctx := clerkOn(day(2026, 4, 1))
		must(t, c, ctx, LocalFeeLiabilityAroseType, arose("2025-01-15"))
		if officer {
			ctx = officerOn(day(2026, 4, 1))
		}
		rec, err := c.Record(EventType(typ), data, ctx)
		if err != nil {
			return
		}
		fold(t, c, rec)
		for _, p := range c.PaymentObligations(day(2027, 1, 1), nil) {
			if p.OwedCZK < 0 || p.PaidCZK < 0 || p.OwedCZK > p.AmountCZK {
				t.Fatalf("impossible sums: %+v", p)
			}
		}
	})
}

// A variable symbol is a number: 01541 from a bank is 1541.
func TestAVariableSymbolWithLeadingZerosIsTheSame(t *testing.T) {
	c := feeCase(day(1980, 5, 17))
	ctx := clerkOn(day(2026, 3, 1))
	must(t, c, ctx, LocalFeeLiabilityAroseType, arose("2026-01-15"))
	must(t, c, ctx, PaymentReceivedType, `{"amount_czk":1200,"paid_on":"2026-02-20","variable_symbol":"0001541"}`)
	if p := only(t, c, day(2026, 3, 1)); p.Status != PaymentPaid || p.PaidCZK != 1200 {
		t.Errorf("got %+v, want paid by the payment with VS 0001541", p)
	}
}
