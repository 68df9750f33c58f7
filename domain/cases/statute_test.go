package cases

import (
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/money"
)

// The worked examples of docs/LAW.md §9.1 (zákon 565/1990 Sb. § 2 and
// § 10h, daňový řád § 33(4) and § 146(1)), given/when/then: given the facts
// recorded on a Nová Ves payer's case, then as of a day the fee year shows
// this amount, due date and status. Every figure is worked out by hand in
// the comment beside it: a month's share is the rate ÷ 12, the shares are
// summed exactly and the sum is rounded up to whole Kč once.

// statute is one worked example.
type statute struct {
	name string
	born calendar.Date
	// today is the day the facts are recorded and the day asked about.
	today calendar.Date
	given []string // facts as "EventType data"
	// then: the obligation of this id…
	id     string
	amount int
	due    calendar.Date
	status PaymentStatus
	credit int
	// …whose basis says these words.
	says []string
}

const dog154 = `"basis":"owner","house_number":"154","village_part":"Nová Ves"`

func dogArose(on string, dogs string, extra string) string {
	return string(LocalFeeLiabilityAroseType) + ` {"fee":"dog","arose_on":"` + on + `",` + dog154 + `,"dogs":` + dogs + extra + `}`
}

func TestTheStatutesWorkedExamples(t *testing.T) {
	born := day(1980, 5, 17)
	for _, tt := range []statute{
		// Due dates move (daňový řád § 33(4)).
		{name: "28 Feb 2026 is a Saturday: due Monday 2 Mar 2026, paid that day on time",
			born: born, today: day(2026, 3, 2),
			given: []string{string(LocalFeeLiabilityAroseType) + " " + arose("2025-06-01"),
				string(PaymentReceivedType) + ` {"amount_czk":700,"paid_on":"2025-07-01","variable_symbol":"1541"}`,
				string(PaymentReceivedType) + ` {"amount_czk":1200,"paid_on":"2026-03-02","variable_symbol":"1541"}`},
			// 2026: January–December, 12 × 100 = 1200 Kč.
			id: "waste-2026", amount: 1200, due: day(2026, 3, 2), status: PaymentPaid, says: []string{"moved to 2026-03-02 (daňový řád § 33(4))"}},
		{name: "28 Feb 2027 is a Sunday: due Monday 1 Mar 2027, overdue on 2 Mar",
			born: born, today: day(2027, 3, 2),
			given: []string{string(LocalFeeLiabilityAroseType) + " " + arose("2026-12-01")},
			id:    "waste-2027", amount: 1200, due: day(2027, 3, 1), status: PaymentOverdue},
		{name: "a Nová Ves dog arising on Saturday 12 Apr 2025 is due on Monday 14 Apr, pending the bylaw",
			born: born, today: day(2025, 4, 14),
			given: []string{dogArose("2025-04-12", "1", "")},
			// April–December: 9 × 200 ÷ 12 = 1800/12 = 150 Kč.
			id: "dog-2025", amount: 150, due: day(2025, 4, 14), status: PaymentUnpaid,
			says: []string{"the day the duty arose, pending the bylaw", "moved to 2025-04-14"}},

		// Dogs by started months (§ 2).
		{name: "a dog acquired 10 Apr 2025, the only dog: April–December, 150 Kč",
			born: born, today: day(2025, 4, 10),
			given: []string{dogArose("2025-04-10", "1", "")},
			// 9 × 200 ÷ 12 = 1800/12 = 150 Kč; due the day it arose, a Thursday.
			id: "dog-2025", amount: 150, due: day(2025, 4, 10), status: PaymentUnpaid,
			says: []string{"April–December: 1 dog, 200 Kč ÷ 12 a month", "1800/12 Kč, rounded up to 150 Kč"}},
		{name: "a second dog acquired 15 Oct 2025 adds October–December at 300 ÷ 12: 75 Kč",
			born: born, today: day(2025, 10, 15),
			given: []string{dogArose("2025-04-10", "1", ""), dogArose("2025-10-15", "1", "")},
			// April–September 6 × 200 = 1200, October–December 3 × (200 + 300) = 1500:
			// 2700/12 = 225 Kč = 150 + 75; due the day the second dog arose, a Wednesday.
			id: "dog-2025", amount: 225, due: day(2025, 10, 15), status: PaymentUnpaid,
			says: []string{"October–December: 2 dogs, the first and 1 further"}},
		{name: "when the first dog's duty ends, the remaining dog is the first dog from the next month",
			born: born, today: day(2025, 12, 1),
			given: []string{dogArose("2025-01-10", "1", ""), dogArose("2025-10-15", "1", ""),
				string(LocalFeeLiabilityEndedType) + ` {"fee":"dog","ended_on":"2025-11-10","dogs":1}`},
			// January–September 9 × 200 = 1800, October–November (both boundary months
			// in full) 2 × 500 = 1000, December 1 × 200: 3000/12 = 250 Kč.
			id: "dog-2025", amount: 250, due: day(2025, 10, 15), status: PaymentOverdue,
			says: []string{"December: 1 dog"}},
		{name: "a dog born 20 Feb 2025 and acquired 10 Apr is liable from May, the month it is 3 months old",
			born: born, today: day(2025, 5, 20),
			given: []string{dogArose("2025-04-10", "1", `,"dog_born_on":"2025-02-20"`)},
			// May–December 8 × 200 = 1600/12 = 133.33, rounded up to 134 Kč; the
			// duty arises on 20 May 2025, a Tuesday.
			id: "dog-2025", amount: 134, due: day(2025, 5, 20), status: PaymentUnpaid,
			says: []string{"January–April: no liable dog", "1600/12 Kč, rounded up to 134 Kč"}},

		// Age-dependent rates (§ 3 and § 9.1).
		{name: "holder born 20 Mar 1960: January–March at 200 ÷ 12, then 0: 50 Kč in 2025",
			born: day(1960, 3, 20), today: day(2025, 6, 1),
			given: []string{dogArose("2024-05-01", "1", "")},
			// 65 on 20 Mar 2025; March charged in full: 3 × 200 = 600/12 = 50 Kč;
			// due 28 Feb 2025, a Friday.
			id: "dog-2025", amount: 50, due: day(2025, 2, 28), status: PaymentOverdue,
			says: []string{"from April 2025 for this payer (an interpretation", "April–December: the payer is older than 65, nothing"}},
		{name: "holder born 2 Nov 1959: 65 before 1 Jan 2025, 0 Kč",
			born: day(1959, 11, 2), today: day(2025, 6, 1),
			given: []string{dogArose("2024-05-01", "2", "")},
			id:    "dog-2025", amount: 0, due: day(2025, 2, 28), status: PaymentPaid,
			says: []string{"from December 2024 for this payer"}},
		{name: "holder born 29 Feb 1960: 65 on 28 Feb 2025, a common year; January–February: 34 Kč",
			born: day(1960, 2, 29), today: day(2025, 6, 1),
			given: []string{dogArose("2024-05-01", "1", "")},
			// 2 × 200 = 400/12 = 33.33, rounded up to 34 Kč.
			id: "dog-2025", amount: 34, due: day(2025, 2, 28), status: PaymentOverdue,
			says: []string{"from March 2025 for this payer"}},

		// Waste by month ends (§ 10h).
		{name: "registered from 6 Mar 2026: month ends March–December, 1 000 Kč",
			born: born, today: day(2026, 3, 6),
			given: []string{string(LocalFeeLiabilityAroseType) + " " + arose("2026-03-06")},
			// 10 × 1200 = 12000/12 = 1000 Kč; due 5 Apr 2026, Easter Sunday, and
			// 6 Apr is Easter Monday: Tuesday 7 Apr 2026.
			id: "waste-2026", amount: 1000, due: day(2026, 4, 7), status: PaymentUnpaid,
			says: []string{"January–February: not liable at the month's end", "March–December: 1200 Kč ÷ 12 a month"}},
		{name: "deregistered 10 Apr 2025: January–March, 300 Kč; 1 200 paid leaves a credit of 900",
			born: born, today: day(2025, 4, 10),
			given: []string{string(LocalFeeLiabilityAroseType) + " " + arose("2024-01-01"),
				string(PaymentReceivedType) + ` {"amount_czk":1200,"paid_on":"2024-02-20","variable_symbol":"1541"}`,
				string(PaymentReceivedType) + ` {"amount_czk":1200,"paid_on":"2025-02-20","variable_symbol":"1541"}`,
				string(LocalFeeLiabilityEndedType) + ` {"fee":"waste","ended_on":"2025-04-10"}`},
			// 3 × 1200 = 3600/12 = 300 Kč.
			id: "waste-2025", amount: 300, due: day(2025, 2, 28), status: PaymentPaid, credit: 900,
			says: []string{"April–December: not liable"}},
		{name: "exempt (prison) 20 Mar–15 Aug 2025: month ends March–July exempt, 700 Kč",
			born: born, today: day(2025, 9, 1),
			given: []string{string(LocalFeeLiabilityAroseType) + " " + arose("2024-01-01"),
				string(LocalFeeExemptionGrantedType) + ` {"fee":"waste","reason":"prison","from":"2025-03-20","to":"2025-08-15"}`},
			// January, February, August–December: 7 × 1200 = 8400/12 = 700 Kč.
			id: "waste-2025", amount: 700, due: day(2025, 2, 28), status: PaymentOverdue,
			says: []string{"March–July: exempt, nothing"}},
		{name: "an exemption of every month the duty runs excuses the year",
			born: born, today: day(2026, 5, 1),
			given: []string{string(LocalFeeLiabilityAroseType) + " " + arose("2026-03-06"),
				string(LocalFeeExemptionGrantedType) + ` {"fee":"waste","reason":"abroad","from":"2026-03-01"}`},
			id: "waste-2026", amount: 0, due: day(2026, 4, 7), status: PaymentExcused},
		{name: "moving back in within a year adds its months to the year's obligation, due as the later part",
			born: born, today: day(2025, 10, 7),
			given: []string{string(LocalFeeLiabilityAroseType) + " " + arose("2024-01-01"),
				string(LocalFeeLiabilityEndedType) + ` {"fee":"waste","ended_on":"2025-04-10"}`,
				string(LocalFeeLiabilityAroseType) + " " + arose("2025-09-05")},
			// January–March and September–December: 7 × 100 = 700 Kč; due 30 days
			// after 5 Sep, Sunday 5 Oct 2025: Monday 6 Oct.
			id: "waste-2025", amount: 700, due: day(2025, 10, 6), status: PaymentOverdue},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := feeCase(tt.born)
			for _, f := range tt.given {
				typ, data, _ := strings.Cut(f, " ")
				must(t, c, clerkOn(tt.today), EventType(typ), data)
			}
			var got *PaymentObligation
			for _, p := range c.PaymentObligations(tt.today, nil) {
				if p.ID == tt.id {
					got = &p
				}
			}
			if got == nil {
				t.Fatalf("no %s in %+v", tt.id, c.PaymentObligations(tt.today, nil))
			}
			if got.AmountCZK != tt.amount || got.DueOn != tt.due || got.Status != tt.status || got.CreditCZK != tt.credit {
				t.Errorf("got %d Kč due %s %s credit %d; want %d Kč due %s %s credit %d\nbasis: %s",
					got.AmountCZK, got.DueOn, got.Status, got.CreditCZK, tt.amount, tt.due, tt.status, tt.credit, got.Basis)
			}
			for _, w := range tt.says {
				if !strings.Contains(got.Basis, w) {
					t.Errorf("basis %q does not say %q", got.Basis, w)
				}
			}
		})
	}
}

// Several dogs: a further LocalFeeLiabilityArose adds dogs, and
// LocalFeeLiabilityEnded ends some of them, the longest-held first.
func TestFurtherDogsArriveAndEnd(t *testing.T) {
	c := feeCase(day(1980, 5, 17))
	ctx := clerkOn(day(2025, 12, 31))
	must(t, c, ctx, LocalFeeLiabilityAroseType, `{"fee":"dog","arose_on":"2025-01-10",`+dog154+`,"dogs":2}`)
	refused(t, do(t, c, ctx, LocalFeeLiabilityAroseType, `{"fee":"dog","arose_on":"2025-01-09",`+dog154+`,"dogs":1}`), "data.arose_on")
	refused(t, do(t, c, ctx, LocalFeeLiabilityAroseType, `{"fee":"dog","arose_on":"2025-03-01","basis":"owner","house_number":"12","village_part":"Vepřek","dogs":1}`), "data.house_number")
	invalid(t, do(t, c, ctx, LocalFeeLiabilityAroseType, `{"fee":"dog","arose_on":"2025-03-01",`+dog154+`,"dogs":1,"dog_born_on":"2025-03-02"}`), "data.dog_born_on")
	invalid(t, do(t, c, ctx, LocalFeeLiabilityEndedType, `{"fee":"waste","ended_on":"2025-03-02","dogs":1}`), "data.dogs")
	refused(t, do(t, c, ctx, LocalFeeLiabilityEndedType, `{"fee":"dog","ended_on":"2025-06-15","dogs":3}`), "data.dogs")
	// One of the two ends on 15 Jun; a third dog comes on 1 Sep.
	must(t, c, ctx, LocalFeeLiabilityEndedType, `{"fee":"dog","ended_on":"2025-06-15","dogs":1}`)
	must(t, c, ctx, LocalFeeLiabilityAroseType, `{"fee":"dog","arose_on":"2025-09-01",`+dog154+`,"dogs":1}`)
	// January–June 2 dogs: 6 × 500 = 3000; July–August 1 dog: 2 × 200 = 400;
	// September–December 2 dogs: 4 × 500 = 2000: 5400/12 = 450 Kč.
	ps := c.PaymentObligations(day(2025, 12, 31), nil)
	if len(ps) != 1 || ps[0].AmountCZK != 450 {
		t.Fatalf("got %+v, want one 2025 of 450 Kč", ps)
	}
	// Every dog ends on 10 Dec (dogs left out: all); December counts in full.
	must(t, c, ctx, LocalFeeLiabilityEndedType, `{"fee":"dog","ended_on":"2025-12-10"}`)
	if len(c.running(money.Dog)) != 0 {
		t.Errorf("dogs still running: %+v", c.LocalFees)
	}
	if ps := c.PaymentObligations(day(2027, 1, 1), nil); len(ps) != 1 || ps[0].AmountCZK != 450 {
		t.Errorf("after the end: %+v, want 2025 unchanged and no 2026", ps)
	}
	refused(t, do(t, c, ctx, LocalFeeLiabilityEndedType, `{"fee":"dog","ended_on":"2025-12-20"}`), "data.fee")
	// The state survives the read model's money state.
	back := restored(t, c.MarshalMoney, RestoreMoney)
	if a, z := c.PaymentObligations(day(2026, 1, 1), nil), back.PaymentObligations(day(2026, 1, 1), nil); len(a) != 1 || a[0] != z[0] {
		t.Errorf("before %+v\nafter %+v", a, z)
	}
}

// A puppy sold before it was 3 months old never owed: its year shows no
// obligation, and a dog born in December owes from March of the next year.
func TestAPuppyOwesFromThreeMonths(t *testing.T) {
	c := feeCase(day(1980, 5, 17))
	ctx := clerkOn(day(2026, 6, 1))
	must(t, c, ctx, LocalFeeLiabilityAroseType, `{"fee":"dog","arose_on":"2025-12-20",`+dog154+`,"dogs":1,"dog_born_on":"2025-12-01"}`)
	// Liable from 1 Mar 2026: March–December 10 × 200 = 2000/12 = 166.67 → 167 Kč,
	// due the day the duty arises, Sunday 1 Mar 2026 → Monday 2 Mar.
	ps := c.PaymentObligations(day(2026, 6, 1), nil)
	if len(ps) != 1 || ps[0].ID != "dog-2026" || ps[0].AmountCZK != 167 || ps[0].DueOn != day(2026, 3, 2) || ps[0].ArisesOn != day(2026, 3, 1) {
		t.Fatalf("got %+v, want only dog-2026, 167 Kč due 2026-03-02", ps)
	}
	if ps := c.PaymentObligations(day(2026, 2, 28), nil); len(ps) != 0 {
		t.Errorf("before the puppy is 3 months old: %+v", ps)
	}
	sold := feeCase(day(1980, 5, 17))
	must(t, sold, ctx, LocalFeeLiabilityAroseType, `{"fee":"dog","arose_on":"2026-01-10",`+dog154+`,"dogs":1,"dog_born_on":"2026-01-01"}`)
	must(t, sold, ctx, LocalFeeLiabilityEndedType, `{"fee":"dog","ended_on":"2026-03-20"}`)
	if ps := sold.PaymentObligations(day(2026, 6, 1), nil); len(ps) != 0 {
		t.Errorf("a puppy sold at 11 weeks: %+v", ps)
	}
}

const dogExemptSchedule = `
[schedule]
municipality = Hora
valid_from = 2020-01-01
account = 19-2000145399/0800
variable_symbol = 77{house_number}
message = {surname}

[fee dog]
title = psi
rate.first = 200
rate.further = 300
due = 03-31
category.owner = owner
exemption.blind = nevidomá osoba
`

// The dog fee's exemption is read like its started months
// (docs/decisions.md): a month owes when the dog is liable and the holder
// not exempt on one day of it, so only a month the exemption covers whole is free.
func TestADogExemptionFreesTheMonthsItCoversWhole(t *testing.T) {
	offices, err := money.ParseOffices("offices.txt", []byte("[office hora]\nname = Hora\nschedules = hora.txt\n"),
		func(string) ([]byte, error) { return []byte(dogExemptSchedule), nil })
	if err != nil {
		t.Fatal(err)
	}
	c := feeCase(day(1980, 5, 17))
	c.Office = "hora"
	ctx := clerkOn(day(2026, 1, 5))
	ctx.Offices = offices
	must(t, c, ctx, LocalFeeLiabilityAroseType, `{"fee":"dog","arose_on":"2025-01-10","basis":"owner","house_number":"5","dogs":1}`)
	must(t, c, ctx, LocalFeeExemptionGrantedType, `{"fee":"dog","reason":"blind","from":"2025-03-10","to":"2025-06-20"}`)
	must(t, c, ctx, LocalFeeExemptionGrantedType, `{"fee":"dog","reason":"blind","from":"2026-01-01"}`)
	// April and May are covered whole; March and June only in part:
	// 10 × 200 = 2000/12 = 166.67 → 167 Kč. 2026 is exempt in every month: excused.
	ps := c.PaymentObligations(day(2026, 1, 5), offices)
	if len(ps) != 2 || ps[0].AmountCZK != 167 || ps[0].Status == PaymentExcused || ps[1].Status != PaymentExcused {
		t.Fatalf("got %+v, want 2025 167 Kč and 2026 excused", ps)
	}
	if !strings.Contains(ps[0].Basis, "April–May: exempt, nothing") {
		t.Errorf("basis %q", ps[0].Basis)
	}
}
