package cases

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// Seed 004's dog fee: one dog at house 12 in Vepřek (VS 124), held all of
// 2025, owes 200 Kč due Friday 28 Feb 2025.
const dog2025 = `{"fee":"dog","arose_on":"2025-01-05","basis":"owner","house_number":"12","village_part":"Vepřek","dogs":1}`

func increase(czk int, decided, due string) string {
	return fmt.Sprintf(`{"fee":"dog","year":2025,"increase_czk":%d,"decided_on":%q,"due_on":%q,"reason":"repeatedly reminded in writing, no answer"}`, czk, decided, due)
}

func owedIn(ps []PaymentObligation) int {
	sum := 0
	for _, p := range ps {
		sum += p.OwedCZK
	}
	return sum
}

// docs/LAW.md §9.1: dog fee 200 due 28 Feb 2025, 50 paid on 20 Feb: unpaid
// part 150, increase ≤ 300, owed after the decision 450; 301 is refused.
func TestIncreaseOfThePartNotPaidByTheDueDate(t *testing.T) {
	// Given the dog fee and 50 Kč paid before the due date,
	c := feeCase(day(1980, 5, 17))
	must(t, c, clerkOn(day(2025, 2, 20)), LocalFeeLiabilityAroseType, dog2025)
	must(t, c, clerkOn(day(2025, 2, 20)), PaymentReceivedType, `{"amount_czk":50,"paid_on":"2025-02-20","variable_symbol":"124"}`)
	officer := officerOn(day(2025, 4, 1))

	// when an officer raises it by more than 2 × (200 − 50) = 300 Kč, it is refused;
	refused(t, do(t, c, officer, LocalFeeIncreasedType, increase(301, "2025-03-20", "2025-04-10")), "data.increase_czk")
	var forbidden *ForbiddenError
	if err := do(t, c, clerkOn(day(2025, 4, 1)), LocalFeeIncreasedType, increase(300, "2025-03-20", "2025-04-10")); !errors.As(err, &forbidden) {
		t.Errorf("a clerk raising a fee: %v, want forbidden", err)
	}
	refused(t, do(t, c, officer, LocalFeeIncreasedType, increase(100, "2025-02-28", "2025-04-10")), "data.decided_on")
	refused(t, do(t, c, officer, LocalFeeIncreasedType, increase(100, "2025-03-20", "2025-03-19")), "data.due_on")
	refused(t, do(t, c, officer, LocalFeeIncreasedType, strings.Replace(increase(100, "2025-03-20", "2025-04-10"), "2025,", "2024,", 1)), "data.year")
	invalid(t, do(t, c, officer, LocalFeeIncreasedType, increase(0, "2025-03-20", "2025-04-10")), "data.increase_czk")
	invalid(t, do(t, c, officer, LocalFeeIncreasedType, increase(100_000_001, "2025-03-20", "2025-04-10")), "data.increase_czk")
	invalid(t, do(t, c, officer, LocalFeeIncreasedType, `{"fee":"dog","year":2025,"increase_czk":300,"decided_on":"2025-03-20","due_on":"2025-04-10"}`), "data.reason")
	invalid(t, do(t, c, officer, LocalFeeIncreasedType, `{"fee":"dog","year":2025,"amount_czk":450,"decided_on":"2025-03-20"}`), "data.amount_czk")

	// when it raises it by 300 Kč, due 10 Apr,
	must(t, c, officer, LocalFeeIncreasedType, increase(300, "2025-03-20", "2025-04-10"))

	// then the year still owes its 150 Kč, and the increase is owed beside
	// it: 150 + 300 = 450 Kč.
	ps := c.PaymentObligations(day(2025, 4, 1), nil)
	if len(ps) != 2 {
		t.Fatalf("got %+v, want the year and its increase", ps)
	}
	year, raised := ps[0], ps[1]
	if year.ID != "dog-2025" || year.AmountCZK != 200 || year.OwedCZK != 150 || year.Status != PaymentPartiallyPaid {
		t.Errorf("the year: %+v, want 200 Kč with 150 owed", year)
	}
	if raised.ID != "dog-2025-increase-1" || raised.Kind != KindLocalFee || raised.Fee != "dog" || raised.Year != 2025 ||
		raised.AmountCZK != 300 || raised.OwedCZK != 300 || raised.DueOn != day(2025, 4, 10) || raised.Status != PaymentUnpaid ||
		raised.VariableSymbol != "124" || !strings.Contains(raised.SPAYD, "*AM:300.00*CC:CZK*DT:20250410*X-VS:124*") || !strings.Contains(raised.Basis, "§ 11(3)") {
		t.Errorf("the increase: %+v, want 300 Kč due 2025-04-10 with VS 124", raised)
	}
	if owed := owedIn(ps); owed != 450 {
		t.Errorf("owed after the decision: %d Kč, want 450", owed)
	}
	if ps := c.PaymentObligations(day(2025, 3, 19), nil); len(ps) != 1 {
		t.Errorf("before the decision: %+v, want the year alone", ps)
	}
	if got := c.PaymentObligations(day(2025, 4, 11), nil)[1].Status; got != PaymentOverdue {
		t.Errorf("the increase after 10 Apr: %s, want overdue", got)
	}
	// The 300 Kč allowed are used up: one more crown is refused.
	refused(t, do(t, c, officer, LocalFeeIncreasedType, increase(1, "2025-03-25", "2025-04-10")), "data.increase_czk")

	// A payment of 300 Kč is what the increase owes exactly: it settles the
	// increase (paid on time), not 150 of the year and 150 of the increase.
	must(t, c, clerkOn(day(2025, 4, 5)), PaymentReceivedType, `{"amount_czk":300,"paid_on":"2025-04-05","variable_symbol":"124"}`)
	ps = c.PaymentObligations(day(2025, 4, 5), nil)
	if ps[0].OwedCZK != 150 || ps[1].Status != PaymentPaid || ps[1].OwedCZK != 0 {
		t.Errorf("after 300 Kč: year %+v\nincrease %+v; want the increase paid, 150 Kč of the year owed", ps[0], ps[1])
	}
}

// docs/LAW.md §9.1: a fee paid in full on time cannot be increased; one
// paid in full but late can, by up to twice what was unpaid at the due date.
func TestAFeePaidOnTimeCannotBeIncreased(t *testing.T) {
	for _, tt := range []struct {
		name   string
		paidOn string
		max    int
	}{
		{"paid on the due date, Friday 28 Feb 2025", "2025-02-28", 0},
		// Nothing was paid by the due date: 2 × 200 = 400 Kč.
		{"paid in full on 3 March, late", "2025-03-03", 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := feeCase(day(1980, 5, 17))
			must(t, c, clerkOn(day(2025, 3, 3)), LocalFeeLiabilityAroseType, dog2025)
			must(t, c, clerkOn(day(2025, 3, 3)), PaymentReceivedType, `{"amount_czk":200,"paid_on":"`+tt.paidOn+`","variable_symbol":"124"}`)
			officer := officerOn(day(2025, 4, 1))
			if tt.max == 0 {
				err := do(t, c, officer, LocalFeeIncreasedType, increase(1, "2025-03-20", "2025-04-10"))
				refused(t, err, "data.year")
				if !strings.Contains(err.Error(), "paid in full by its due date") {
					t.Errorf("the refusal does not say why: %v", err)
				}
				return
			}
			refused(t, do(t, c, officer, LocalFeeIncreasedType, increase(tt.max+1, "2025-03-20", "2025-04-10")), "data.increase_czk")
			must(t, c, officer, LocalFeeIncreasedType, increase(tt.max, "2025-03-20", "2025-04-10"))
		})
	}
}

// A LocalFeeIncreased stored under the former contract, amount_czk the
// year's new total, reads as increase = total − the year's fee, and is
// never rewritten (docs/LAW.md §9.3, docs/events.md).
func TestAnIncreaseStoredUnderTheFormerContract(t *testing.T) {
	stored := []Event{
		{Type: LocalFeeLiabilityAroseType, Version: 2, Data: []byte(dog2025)},
		{Type: PaymentReceivedType, Version: 3, Data: []byte(`{"amount_czk":50,"paid_on":"2025-02-20","variable_symbol":"124"}`)},
		{Type: LocalFeeIncreasedType, Version: 4, Data: []byte(`{"fee":"dog","year":2025,"amount_czk":450,"decided_on":"2025-03-20"}`)},
	}
	old := bytes.Clone(stored[2].Data)
	c := feeCase(day(1980, 5, 17))
	if err := c.Replay(stored...); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored[2].Data, old) {
		t.Errorf("the stored event changed: %s", stored[2].Data)
	}
	// The total was 450 Kč: the fee 200 Kč, so the increase is 450 − 200 =
	// 250 Kč, due when decided; owed 150 + 250 = 400 Kč, as the former
	// contract asked (450 − 50 paid).
	ps := c.PaymentObligations(day(2025, 4, 1), nil)
	if len(ps) != 2 || ps[1].ID != "dog-2025-increase-1" || ps[1].AmountCZK != 250 || ps[1].DueOn != day(2025, 3, 20) ||
		ps[1].Status != PaymentOverdue || !strings.Contains(ps[1].Basis, "new total of 450 Kč") {
		t.Fatalf("got %+v, want an increase of 250 Kč due 2025-03-20", ps)
	}
	if owed := owedIn(ps); owed != 400 {
		t.Errorf("owed: %d Kč, want 400", owed)
	}
	// The cap counts it: 2 × 150 = 300 allowed, 250 used, 51 is too much.
	officer := officerOn(day(2025, 4, 1))
	refused(t, do(t, c, officer, LocalFeeIncreasedType, increase(51, "2025-03-25", "2025-04-10")), "data.increase_czk")
	must(t, c, officer, LocalFeeIncreasedType, increase(50, "2025-03-25", "2025-04-10"))
	// A snapshot keeps the former total, so the case reads the same from it.
	back := restored(t, c.MarshalSnapshot, RestoreSnapshot)
	if a, z := c.PaymentObligations(day(2025, 4, 1), nil), back.PaymentObligations(day(2025, 4, 1), nil); owedIn(a) != 450 || owedIn(z) != 450 {
		t.Errorf("owed %d, from the snapshot %d; want 150 + 250 + 50 = 450", owedIn(a), owedIn(z))
	}
}

// Every upcaster turns its former shape into data the current event reads
// field for field, and versions follow one another without a gap.
func TestUpcastsGiveTheCurrentShape(t *testing.T) {
	former := map[upcastKey]string{
		{LocalFeeIncreasedType, 1}: `{"fee":"dog","year":2025,"amount_czk":450,"decided_on":"2025-03-20"}`,
	}
	for key, u := range upcasters {
		if key.From > 1 {
			if _, ok := upcasters[upcastKey{key.Type, key.From - 1}]; !ok {
				t.Errorf("%s: an upcaster from version %d but none from %d", key.Type, key.From, key.From-1)
			}
		}
		data, ok := former[key]
		if !ok {
			t.Errorf("%s version %d: no stored example of the former shape in this test", key.Type, key.From)
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(data), &fields); err != nil || !u.written(fields) {
			t.Errorf("%s version %d: the example is not recognised as written in it", key.Type, key.From)
		}
		up, err := upcast(key.Type, []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(up))
		dec.DisallowUnknownFields()
		if err := dec.Decode(reg.events[key.Type].new()); err != nil {
			t.Errorf("%s version %d upcast to %s: %v", key.Type, key.From, up, err)
		}
	}
	current := []byte(increase(300, "2025-03-20", "2025-04-10"))
	if got, err := upcast(LocalFeeIncreasedType, current); err != nil || !bytes.Equal(got, current) {
		t.Errorf("data in the current shape: %s, %v; want it as it is", got, err)
	}
}

// docs/LAW.md §9.1, shared variable symbols: house 154 in Nová Ves pays both
// fees with VS 1541. Two dogs owe 200 + 300 = 500 Kč, waste 1 200 Kč, both
// due 28 Feb 2025.
func TestAPaymentEqualToWhatOneObligationOwesSettlesIt(t *testing.T) {
	c := feeCase(day(1980, 5, 17))
	ctx := clerkOn(day(2025, 3, 1))
	must(t, c, ctx, LocalFeeLiabilityAroseType, arose("2025-01-10"))
	must(t, c, ctx, LocalFeeLiabilityAroseType, `{"fee":"dog","arose_on":"2025-01-10","basis":"owner","house_number":"154","village_part":"Nová Ves","dogs":2}`)
	// When 1 200 Kč come in, they are the waste fee (not 500 of dog fee and
	// 700 of waste, as the oldest-first order alone would have it),
	must(t, c, ctx, PaymentReceivedType, `{"amount_czk":1200,"paid_on":"2025-02-10","variable_symbol":"1541"}`)
	ps := c.PaymentObligations(day(2025, 2, 10), nil)
	if len(ps) != 2 || ps[0].ID != "dog-2025" || ps[0].AmountCZK != 500 || ps[0].PaidCZK != 0 ||
		ps[1].ID != "waste-2025" || ps[1].Status != PaymentPaid || ps[1].PaidOn != day(2025, 2, 10) {
		t.Fatalf("after 1 200 Kč: %+v, want the waste fee paid and the dog fee untouched", ps)
	}
	// then 600 Kč owes nothing exactly (500 is owed): the oldest first, the
	// dog fee's 500 Kč, and the 100 Kč left over is credit.
	must(t, c, ctx, PaymentReceivedType, `{"amount_czk":600,"paid_on":"2025-02-20","variable_symbol":"1541"}`)
	ps = c.PaymentObligations(day(2025, 3, 1), nil)
	if ps[0].Status != PaymentPaid || ps[0].PaidCZK != 500 || ps[1].CreditCZK != 100 || owedIn(ps) != 0 {
		t.Errorf("after 600 Kč more: %+v, want both paid and 100 Kč credit", ps)
	}
}

// API.md, Money integrity: an amount is whole Kč from 1 to 100 000 000; a
// payment stored before that bound cannot wrap a sum around.
func TestPaymentAmountsAreBounded(t *testing.T) {
	c := feeCase(day(1980, 5, 17))
	ctx := clerkOn(day(2025, 3, 1))
	must(t, c, ctx, LocalFeeLiabilityAroseType, arose("2025-01-10"))
	for _, amount := range []string{"0", "-1", "100000001", "9223372036854775807"} {
		invalid(t, do(t, c, ctx, PaymentReceivedType, `{"amount_czk":`+amount+`,"paid_on":"2025-02-10","variable_symbol":"1541"}`), "data.amount_czk")
	}
	must(t, c, ctx, PaymentReceivedType, `{"amount_czk":100000000,"paid_on":"2025-02-10","variable_symbol":"1541"}`)
	// 100 000 000 − 1 200 = 99 998 800 Kč credit.
	if p := only(t, c, day(2025, 3, 1)); p.Status != PaymentPaid || p.CreditCZK != 99_998_800 {
		t.Errorf("the largest payment: %+v, want paid with 99 998 800 Kč credit", p)
	}

	// Two payments of the largest int stored by an earlier version: the
	// first leaves MaxInt − 1 200 credit, the second cannot be added to it.
	old := feeCase(day(1980, 5, 17))
	huge := fmt.Sprintf(`{"amount_czk":%d,"paid_on":"2025-02-%%d","variable_symbol":"1541","bank_reference":"R%%d"}`, math.MaxInt)
	err := old.Replay(Event{Type: LocalFeeLiabilityAroseType, Version: 2, Data: []byte(arose("2025-01-10"))},
		Event{Type: PaymentReceivedType, Version: 3, Data: []byte(fmt.Sprintf(huge, 10, 1))},
		Event{Type: PaymentReceivedType, Version: 4, Data: []byte(fmt.Sprintf(huge, 11, 2))})
	if err != nil {
		t.Fatal(err)
	}
	p := only(t, old, day(2025, 3, 1))
	if p.CreditCZK != math.MaxInt-1200 || p.PaidCZK != math.MaxInt || p.PaidCZK-p.CreditCZK != 1200 || !strings.Contains(p.Basis, "not counted") {
		t.Errorf("got %+v, want the second payment left out and said so, no wrapped figure", p)
	}
}

// docs/LAW.md §9, administrative_fee: where the office takes fees by
// transfer, a passport within 5 working days applied for at the office and
// collected at the ministry costs 2 000 Kč at filing and 1 000 Kč before
// it is handed over (seed 004). Unpaid, each is blocking, never overdue,
// and the document is not handed over while the second part is unpaid.
func TestAdministrativeFeeByTransferBlocksTheHandover(t *testing.T) {
	c := &Case{ID: "case-9", Situation: PassportApplication, Office: "hora", Version: 1,
		Citizen: Citizen{ID: "p", BirthDate: day(1973, 10, 28), FullName: "Jana Nováková", BirthNumber: "736028/5163"}}
	ctx := clerkOn(day(2026, 4, 20))
	ctx.Offices = horaOffices(t)
	must(t, c, ctx, ApplicationFiledType, `{"document":"passport","filed_on":"2026-04-01","track":"five_working_days","filing_office":"municipal_office","pickup_office":"ministry"}`)
	expected := c.SLA[0].Due
	ps := c.PaymentObligations(day(2026, 4, 2), ctx.Offices)
	if len(ps) != 2 {
		t.Fatalf("got %+v, want the filing and the collection part", ps)
	}
	filing, collection := ps[0], ps[1]
	if filing.ID != "fee" || filing.AmountCZK != 2000 || filing.DueOn != day(2026, 4, 1) || filing.Status != PaymentBlocking ||
		filing.VariableSymbol != "11115163" || strings.Contains(filing.SPAYD, "DT:") {
		t.Errorf("filing part: %+v, want 2 000 Kč blocking (not overdue), no past DT", filing)
	}
	if collection.ID != "fee-collection" || collection.AmountCZK != 1000 || collection.DueOn != expected || collection.Status != PaymentBlocking ||
		!strings.Contains(collection.Basis, "before the document is handed over") {
		t.Errorf("collection part: %+v, want 1 000 Kč blocking, due by the processing deadline %s", collection, expected)
	}
	must(t, c, ctx, DocumentReadyType, `{"ready_on":"2026-04-08"}`)
	if p := c.PaymentObligations(day(2026, 4, 20), ctx.Offices)[1]; p.DueOn != day(2026, 4, 8) || p.Status != PaymentBlocking {
		t.Errorf("once ready: %+v, want due 2026-04-08 and still blocking, never overdue", p)
	}
	// 2 000 Kč is the filing part exactly; the collection part still blocks.
	must(t, c, ctx, PaymentReceivedType, `{"amount_czk":2000,"paid_on":"2026-04-02","variable_symbol":"11115163"}`)
	err := do(t, c, ctx, DocumentCollectedType, `{"collected_on":"2026-04-09"}`)
	refused(t, err, "data.collected_on")
	if !strings.Contains(err.Error(), "1000 Kč") {
		t.Errorf("the refusal does not say what is unpaid: %v", err)
	}
	// Paid on 10 April, it did not count for a handover on the 9th.
	must(t, c, ctx, PaymentReceivedType, `{"amount_czk":1000,"paid_on":"2026-04-10","variable_symbol":"11115163"}`)
	refused(t, do(t, c, ctx, DocumentCollectedType, `{"collected_on":"2026-04-09"}`), "data.collected_on")
	must(t, c, ctx, DocumentCollectedType, `{"collected_on":"2026-04-10"}`)
	for _, p := range c.PaymentObligations(day(2026, 4, 20), ctx.Offices) {
		if p.Status != PaymentPaid {
			t.Errorf("%s: %s, want paid (an administrative fee is never paid late)", p.ID, p.Status)
		}
	}
	// Where fees are paid at the counter, nothing blocks the handover here.
	counter := &Case{ID: "case-10", Situation: PassportApplication, Office: "nova-ves", Version: 1, Citizen: c.Citizen}
	must(t, counter, clerkOn(day(2026, 4, 20)), ApplicationFiledType, `{"document":"passport","filed_on":"2026-04-01","track":"five_working_days","filing_office":"municipal_office","pickup_office":"ministry"}`)
	must(t, counter, clerkOn(day(2026, 4, 20)), DocumentReadyType, `{"ready_on":"2026-04-08"}`)
	must(t, counter, clerkOn(day(2026, 4, 20)), DocumentCollectedType, `{"collected_on":"2026-04-09"}`)
}
