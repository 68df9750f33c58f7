package cases

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/fees"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/domain/payment"
)

// PaymentKind is what a payment obligation is for (docs/LAW.md §9).
type PaymentKind string

// Kinds of payment obligation.
const (
	KindLocalFee          PaymentKind = "local_fee"
	KindFine              PaymentKind = "fine"
	KindAdministrativeFee PaymentKind = "administrative_fee"
)

// PaymentKinds lists the kinds, for validating queries.
var PaymentKinds = []PaymentKind{KindLocalFee, KindFine, KindAdministrativeFee}

// PaymentStatus is where a payment obligation stands on a day.
type PaymentStatus string

// Statuses of a payment obligation as of a day T.
const (
	PaymentUnpaid        PaymentStatus = "unpaid"         // nothing paid, due date not passed
	PaymentOverdue       PaymentStatus = "overdue"        // nothing paid, due date passed
	PaymentPartiallyPaid PaymentStatus = "partially_paid" // some paid, the rest still owed
	PaymentPaid          PaymentStatus = "paid"           // paid in full by the due date
	PaymentPaidLate      PaymentStatus = "paid_late"      // paid in full after the due date
	PaymentExcused       PaymentStatus = "excused"        // an exemption covers it
	// PaymentBlocking is an administrative fee not yet paid: the office does
	// not act until it is (zákon 634/2004 Sb. § 5(2)), so it is never
	// overdue and never increased (docs/LAW.md §9).
	PaymentBlocking PaymentStatus = "blocking"
)

// PaymentStatuses lists every status, for validating queries.
var PaymentStatuses = []PaymentStatus{PaymentUnpaid, PaymentOverdue, PaymentPartiallyPaid, PaymentPaid, PaymentPaidLate, PaymentExcused, PaymentBlocking}

// PaymentObligation is money the citizen owes an office, as of a day.
type PaymentObligation struct {
	// ID names the obligation within its case: "waste-2026", "fine-c-1", "fee".
	ID   string
	Kind PaymentKind
	// Fee is the local fee (waste, dog); "" for other kinds.
	Fee string
	// Year is the fee year of a local fee; 0 for other kinds.
	Year int
	// ArisesOn is the day the obligation exists from.
	ArisesOn  calendar.Date
	AmountCZK int
	// PaidCZK is what the payments up to the day settled of it, credit included.
	PaidCZK int
	// OwedCZK is what is still owed (0 once paid or excused).
	OwedCZK int
	// CreditCZK is what was paid beyond the amount.
	CreditCZK int
	DueOn     calendar.Date
	// PaidOn is the day the last payment that completed it came in.
	PaidOn         calendar.Date
	Status         PaymentStatus
	Account        string
	IBAN           string
	VariableSymbol string
	SpecificSymbol string
	Message        string
	// SPAYD is the QR Platba string of what is still owed; "" when nothing is.
	SPAYD string
	// Basis explains the amount and the due date, and says what is office policy.
	Basis string

	// increase marks an officer's increase of a fee year (LocalFeeIncreased).
	increase bool
}

// PaymentObligations returns the case's payment obligations as of a day,
// oldest due first, with what the payments received up to that day settled:
// a payment equal to what one obligation with its variable symbol still owes
// settles that one; any other settles the oldest obligation with its symbol
// that is still owed, then the next; what is left over is credit on the
// newest obligation with that symbol. offices gives the offices' terms (fee
// schedules, accounts, the fine due days); nil means the built-in ones.
func (c *Case) PaymentObligations(asOf calendar.Date, offices *money.Offices) []PaymentObligation {
	return c.obligations(asOf, offices, true)
}

// PaymentAmounts is PaymentObligations without what only a reader needs
// (the basis, the message, the account and the QR Platba string of fines
// and fees), for summing many cases' obligations.
func (c *Case) PaymentAmounts(asOf calendar.Date, offices *money.Offices) []PaymentObligation {
	return c.obligations(asOf, offices, false)
}

func (c *Case) obligations(asOf calendar.Date, offices *money.Offices, explain bool) []PaymentObligation {
	if offices == nil {
		offices = builtinOffices
	}
	office, _ := offices.Office(c.Office)
	var out []PaymentObligation
	years := c.localFeeYears(asOf, office)
	out = append(out, years...)
	out = append(out, c.increases(asOf, years)...)
	out = append(out, c.fines(asOf, office, explain)...)
	out = append(out, c.transferFee(asOf, office)...)
	slices.SortStableFunc(out, func(a, b PaymentObligation) int {
		if n := a.DueOn.Compare(b.DueOn); n != 0 {
			return n
		}
		return strings.Compare(a.ID, b.ID)
	})
	c.settle(out, asOf)
	for i := range out {
		out[i].finish(asOf, explain)
	}
	return out
}

// Span says when a case's payment obligations can arise, whatever the
// offices' terms: from the first day one can exist to the last one can
// arise (zero while a liability lasts); FeeOnly is set when only an
// administrative fee can give one, which counts only where the office
// accepts it by transfer.
type Span struct {
	From, Until calendar.Date
	FeeOnly     bool
}

// OwingSpan returns the case's span; ok is false when nothing can be owed.
func (c *Case) OwingSpan() (s Span, ok bool) {
	widen := func(from, until calendar.Date) {
		if !ok || from.Before(s.From) {
			s.From = from
		}
		if !ok || (!s.Until.IsZero() && (until.IsZero() || until.After(s.Until))) {
			s.Until = until
		}
		ok = true
	}
	for _, l := range c.LocalFees {
		widen(l.AroseOn, l.EndedOn)
	}
	for _, f := range c.Flags {
		if f.Decision == Fined {
			widen(f.DecidedOn, f.DecidedOn)
		}
	}
	s.FeeOnly = !ok
	if c.Fee != nil && c.Fee.Total() > 0 && c.application != nil {
		widen(c.application.filedOn, c.application.filedOn)
	}
	return s, ok
}

// localFeeYears gives one obligation per fee and year in which a duty ran,
// up to the year of asOf: every liability of the fee that arose by asOf
// adds its months to the year's one obligation (a further dog, moving back
// in), prorated as the statute says (docs/LAW.md §9.1).
func (c *Case) localFeeYears(asOf calendar.Date, office *money.Office) []PaymentObligation {
	var out []PaymentObligation
	for _, fee := range money.Fees {
		var parts []Liability
		years := map[int]bool{}
		for _, l := range c.LocalFees {
			if l.Fee != fee || l.AroseOn.After(asOf) {
				continue
			}
			parts = append(parts, l)
			last := asOf.Year()
			if !l.EndedOn.IsZero() && l.EndedOn.Year() < last {
				last = l.EndedOn.Year()
			}
			for year := l.from().Year(); year <= last; year++ {
				years[year] = true
			}
		}
		for _, year := range slices.Sorted(maps.Keys(years)) {
			span := yearSpan(year, parts)
			if span.first.IsZero() || span.first.After(asOf) {
				continue
			}
			out = append(out, c.feeYear(span.payer, parts, year, span, asOf, office, fmt.Sprintf("%s-%d", fee, year)))
		}
	}
	return out
}

// feeSpan is when the duties of a fee year arise.
type feeSpan struct {
	// first is the first day of the year on which a duty runs (1 January,
	// or the day it arose within the year); zero when none runs.
	first calendar.Date
	// latest is the day the year's latest part arose: the year's due date
	// is that part's (a further dog arising in October is not due on
	// 28 February, docs/decisions.md).
	latest calendar.Date
	// payer is the latest part, which gives the year its payer category
	// and variable symbol.
	payer Liability
}

func yearSpan(year int, parts []Liability) feeSpan {
	jan, dec := calendar.NewDate(year, time.January, 1), calendar.NewDate(year, time.December, 31)
	var s feeSpan
	for _, l := range parts {
		if !l.runs(jan, dec) {
			continue
		}
		from := l.from()
		if from.Before(jan) {
			from = jan
		}
		if s.first.IsZero() || from.Before(s.first) {
			s.first = from
		}
		if s.latest.IsZero() || !from.Before(s.latest) {
			s.latest, s.payer = from, l
		}
	}
	return s
}

func (c *Case) feeYear(l Liability, parts []Liability, year int, span feeSpan, asOf calendar.Date, office *money.Office, id string) PaymentObligation {
	arises := span.first
	p := PaymentObligation{ID: id, Kind: KindLocalFee, Fee: string(l.Fee), Year: year, ArisesOn: arises}
	var s *money.Schedule
	if office != nil {
		s, _ = office.Schedules.For(arises)
	}
	var rule *money.Rule
	if s != nil {
		rule, _ = s.Rule(l.Fee)
	}
	if rule == nil {
		p.DueOn = arises
		p.Basis = fmt.Sprintf("local fee %s for %d: office %q has no fee schedule setting it on %s; nothing can be asked", l.Fee, year, c.Office, arises)
		return p
	}
	var basis []string
	basis = append(basis, fmt.Sprintf("local fee %s (%s) for %d under zákon 565/1990 Sb., fee schedule of %s valid from %s; payer category %s",
		l.Fee, rule.Title, year, s.Municipality, s.ValidFrom, l.Basis))
	months := c.feeMonths(rule, parts, year)
	if l.Fee == money.Dog {
		basis = append(basis, "by started months (zákon 565/1990 Sb. § 2): each dog from the month in which it is held and older than 3 months to the month its duty ends, both in full, at the month's rate ÷ 12; in each month the longest-held dog is the first dog, every other a further dog")
	} else {
		basis = append(basis, "by month ends (zákon 565/1990 Sb. § 10h): the year's fee less 1/12 for each month at whose end the payer is not liable or is exempt")
	}
	if freeFrom, ok := rule.FreeFrom(c.Citizen.BirthDate); ok {
		basis = append(basis, fmt.Sprintf("0 Kč for a payer older than %d from the month after the month of the %dth birthday, the birthday month at the ordinary rate: from %s %d for this payer (an interpretation: the statute counts the fee by months)",
			*rule.FreeOlderThan, *rule.FreeOlderThan, freeFrom.Month(), freeFrom.Year()))
	}
	amount := rule.Prorate(months)
	basis = append(basis, amount.Reason)
	p.AmountCZK = amount.CZK
	due, dueWhy := rule.Due(year, span.latest)
	p.DueOn = due
	basis = append(basis, dueWhy)
	if excused(months) {
		p.Status = PaymentExcused
		basis = append(basis, "excused: exempt in every month the duty runs")
	}
	p.Account, p.IBAN, p.SpecificSymbol = s.Account.String(), s.Account.IBAN(), s.SpecificSymbol
	p.VariableSymbol, _ = s.VariableSymbolOf(money.Payer{HouseNumber: l.HouseNumber, VillagePart: l.VillagePart})
	p.Message = s.MessageOf(money.Payer{FullName: c.Citizen.FullName, Fee: l.Fee, Year: year})
	p.Basis = strings.Join(basis, "; ")
	return p
}

// feeMonths counts what the statute charges in each month of a fee year
// (docs/LAW.md §9.1). The dog fee counts started months: a dog is liable in
// every month on one of whose days its duty runs, and a month is exempt
// when exemptions cover every such day (the started-month rule read the
// other way: a month owes if the dog owes on one day of it). The waste fee
// counts month ends: the payer owes a month when liable and not exempt at
// its end. A payer older than the schedule's age owes nothing from the
// month after the birthday month (money.Rule.FreeFrom).
func (c *Case) feeMonths(rule *money.Rule, parts []Liability, year int) [12]money.Month {
	var months [12]money.Month
	freeFrom, free := rule.FreeFrom(c.Citizen.BirthDate)
	for i := range months {
		m := &months[i]
		first := calendar.NewDate(year, time.Month(i+1), 1)
		last := first.AddMonths(1).AddDays(-1)
		m.Free = free && !first.Before(freeFrom)
		if rule.Fee != money.Dog {
			for _, l := range parts {
				if !l.from().After(last) && (l.active() || l.EndedOn.After(last)) {
					m.Units = 1
				}
			}
			m.Exempt = m.Units > 0 && c.exempt(rule.Fee, last)
			continue
		}
		for _, l := range parts {
			if l.runs(first, last) {
				m.Units += l.Dogs
			}
		}
		m.Exempt = m.Units > 0 && c.exemptOnEveryDay(parts, first, last)
	}
	return months
}

// exempt reports whether an exemption from the fee covers a day.
func (c *Case) exempt(fee money.Fee, d calendar.Date) bool {
	for _, e := range c.Exemptions {
		if e.Fee == fee && e.covers(d, d) {
			return true
		}
	}
	return false
}

// exemptOnEveryDay reports whether exemptions cover every day from first to
// last on which a duty of parts runs.
func (c *Case) exemptOnEveryDay(parts []Liability, first, last calendar.Date) bool {
	for d := first; !d.After(last); d = d.AddDays(1) {
		for _, l := range parts {
			if l.runs(d, d) && !c.exempt(l.Fee, d) {
				return false
			}
		}
	}
	return true
}

// excused reports whether every month in which the duty runs is exempt
// (docs/LAW.md §9.1: an exemption for part of the year only reduces it).
func excused(months [12]money.Month) bool {
	owed := false
	for _, m := range months {
		if m.Units > 0 && !m.Exempt {
			return false
		}
		owed = owed || m.Units > 0
	}
	return owed
}

// fines gives an obligation for each flag an officer decided with a fine,
// due the office's fine_due_days after the decision (office policy).
func (c *Case) fines(asOf calendar.Date, office *money.Office, explain bool) []PaymentObligation {
	var out []PaymentObligation
	days := money.DefaultFineDueDays
	if office != nil {
		days = office.FineDueDays
	}
	for _, f := range c.Flags {
		if f.Decision != Fined || f.DecidedOn.After(asOf) {
			continue
		}
		p := PaymentObligation{ID: "fine-" + f.ID, Kind: KindFine, ArisesOn: f.DecidedOn, AmountCZK: f.FineCZK,
			DueOn: calendar.DaysAfter(f.DecidedOn, days), VariableSymbol: c.fineVS()}
		if !explain {
			out = append(out, p)
			continue
		}
		p.Message = money.Clip("pokuta " + surname(c.Citizen.FullName))
		p.Basis = fmt.Sprintf("fine of %d Kč decided on %s on flag %s (%s); due date: office policy, %d days after the decision, moved off non-working days (the seeds state none); variable symbol: office policy, derived from the case",
			f.FineCZK, f.DecidedOn, f.ID, f.Offence.LegalBasis, days)
		if office != nil && office.Account != nil {
			p.Account, p.IBAN = office.Account.String(), office.Account.IBAN()
		} else {
			p.Basis += fmt.Sprintf("; office %q names no account for fines", c.Office)
		}
		out = append(out, p)
	}
	return out
}

// fineVS is the variable symbol of the case's fines, office policy where
// the seeds state none: 10 digits derived from the case id, so that a bank
// payment finds its case; it cannot be mistaken for a local fee's symbol of
// a house number and a digit.
func (c *Case) fineVS() string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(c.ID)) // a hash.Hash never fails to write
	return strconv.FormatUint(1_000_000_000+h.Sum64()%9_000_000_000, 10)
}

// transferFee gives the application's administrative fee as obligations
// where the office accepts such fees by transfer (seed 004): the filing part
// due the day the application was filed, the collection part (the second
// part of a split fast-track fee, +100 Kč for collection at another office)
// due before the document is handed over; VS the office's prefix + the
// birth number's suffix (docs/LAW.md §9).
func (c *Case) transferFee(asOf calendar.Date, office *money.Office) []PaymentObligation {
	if office == nil || office.Transfer == nil || c.Fee == nil || c.Fee.Total() <= 0 || c.application == nil || c.application.filedOn.After(asOf) {
		return nil
	}
	t, filed := office.Transfer, c.application.filedOn
	common := PaymentObligation{Kind: KindAdministrativeFee, ArisesOn: filed, Account: t.Account.String(), IBAN: t.Account.IBAN(),
		SpecificSymbol: t.SpecificSymbol, Message: money.Clip(strings.Join(strings.Fields(c.Citizen.FullName), " "))}
	accepted := fmt.Sprintf("paid by transfer: office %q accepts it; the office does not act until it is paid (zákon 634/2004 Sb. § 5(2)), so it is blocking while unpaid, never overdue", c.Office)
	noVS := ""
	if bn := strings.ReplaceAll(c.Citizen.BirthNumber, "/", ""); len(bn) >= 9 {
		common.VariableSymbol = t.VSPrefix + bn[6:]
	} else {
		noVS = "; no birth number on the case, so no variable symbol (VS = prefix + the birth number's suffix)"
	}
	var out []PaymentObligation
	if c.Fee.AtFiling > 0 {
		p := common
		p.ID, p.AmountCZK, p.DueOn = "fee", c.Fee.AtFiling, filed
		p.Basis = fmt.Sprintf("administrative fee of %d Kč for the application of %s (zákon 634/2004 Sb.), the part due when the application is filed; %s%s",
			p.AmountCZK, filed, accepted, noVS)
		out = append(out, p)
	}
	if c.Fee.AtCollection > 0 {
		p := common
		due, when := c.collectionDue()
		p.ID, p.AmountCZK, p.DueOn = feeCollectionID, c.Fee.AtCollection, due
		p.Basis = fmt.Sprintf("administrative fee of %d Kč for the application of %s (zákon 634/2004 Sb.), the part due before the document is handed over (%s); %s; the document is not handed over until it is paid%s",
			p.AmountCZK, filed, when, accepted, noVS)
		out = append(out, p)
	}
	return out
}

// feeCollectionID names the collection part of an application's fee.
const feeCollectionID = "fee-collection"

// collectionDue is the due date of the collection part of an application's
// fee: the document is handed over once it is ready, so the part is due by
// the day it is ready, and until then by the office processing deadline,
// when it is expected.
func (c *Case) collectionDue() (calendar.Date, string) {
	a := c.application
	if !a.readyOn.IsZero() {
		return a.readyOn, fmt.Sprintf("the document is ready since %s", a.readyOn)
	}
	if a.sla < len(c.SLA) {
		return c.SLA[a.sla].Due, fmt.Sprintf("the document is expected by the office processing deadline %s", c.SLA[a.sla].Due)
	}
	return a.filedOn, "payable from the filing"
}

// increases gives an obligation for each officer's decision raising a fee
// year (LocalFeeIncreased), due on the decision's due date. The increase is
// an obligation of its own beside the year's fee, as the fee department
// books it: the fee keeps its due date and status, the increase has its own.
// A decision recorded under the former contract gave the year's new total:
// its increase is that total less the year's fee (upcast.go).
func (c *Case) increases(asOf calendar.Date, years []PaymentObligation) []PaymentObligation {
	var out []PaymentObligation
	n := map[string]int{}
	for _, in := range c.Increases {
		if in.DecidedOn.After(asOf) {
			continue
		}
		id := feeYearID(in.Fee, in.Year)
		year, ok := obligationByID(years, id)
		if !ok {
			continue
		}
		n[id]++
		p := year
		p.ID, p.ArisesOn, p.AmountCZK, p.DueOn, p.increase = fmt.Sprintf("%s-increase-%d", id, n[id]), in.DecidedOn, in.IncreaseCZK, in.DueOn, true
		p.Basis = fmt.Sprintf("increase of the %s fee for %d by %d Kč, decided by an officer on %s, due %s: the part not paid by the due date %s may be raised to at most three times itself (zákon 565/1990 Sb. § 11(3))",
			in.Fee, in.Year, in.IncreaseCZK, in.DecidedOn, in.DueOn, year.DueOn)
		if in.FormerTotalCZK > 0 {
			p.AmountCZK = max(in.FormerTotalCZK-year.AmountCZK, 0)
			p.Basis = fmt.Sprintf("increase of the %s fee for %d decided by an officer on %s, recorded as the year's new total of %d Kč: %d Kč beyond the year's fee of %d Kč, due when decided (zákon 565/1990 Sb. § 11(3))",
				in.Fee, in.Year, in.DecidedOn, in.FormerTotalCZK, p.AmountCZK, year.AmountCZK)
		}
		if year.Status == PaymentExcused {
			p.Basis += "; excused with the year's fee"
		}
		out = append(out, p)
	}
	return out
}

// feeYearID names the obligation of a local fee for a year ("waste-2026").
func feeYearID(fee money.Fee, year int) string { return fmt.Sprintf("%s-%d", fee, year) }

// obligationByID finds an obligation by its ID.
func obligationByID(obs []PaymentObligation, id string) (PaymentObligation, bool) {
	for _, p := range obs {
		if p.ID == id {
			return p, true
		}
	}
	return PaymentObligation{}, false
}

// checkAmount refuses an amount of a request that is not whole Kč from
// money.MinCZK to money.MaxCZK (API.md, Money integrity).
func checkAmount(chk *check, field string, czk int) {
	if !money.InBounds(czk) {
		chk.bad(field, "%d Kč is not an amount from %d to %d Kč", czk, money.MinCZK, money.MaxCZK)
	}
}

func surname(full string) string {
	names := strings.Fields(full)
	if len(names) == 0 {
		return ""
	}
	return names[len(names)-1]
}

// settle spreads the payments received up to asOf over the obligations
// (sorted oldest due first), in the order they were paid. Within one case
// a payment equal to what one obligation with its variable symbol still
// owes settles that obligation: 1 200 Kč is the year's waste fee, not 500 Kč
// of dog fee and 700 Kč of waste (docs/LAW.md §9.1). Any other payment
// settles the oldest owed first.
func (c *Case) settle(obs []PaymentObligation, asOf calendar.Date) {
	pays := slices.Clone(c.Payments)
	slices.SortStableFunc(pays, func(a, b Payment) int { return a.PaidOn.Compare(b.PaidOn) })
	for _, pay := range pays {
		if pay.PaidOn.After(asOf) {
			continue
		}
		if i := owingExactly(obs, pay); i >= 0 {
			obs[i].PaidCZK, obs[i].PaidOn = obs[i].AmountCZK, pay.PaidOn
			continue
		}
		left := pay.AmountCZK
		newest, newestExcused := -1, -1
		for i := range obs {
			o := &obs[i]
			if !paysFor(*o, pay) {
				continue
			}
			if o.Status == PaymentExcused {
				newestExcused = i
				continue
			}
			newest = i
			if owed := o.AmountCZK - o.PaidCZK; owed > 0 && left > 0 {
				take := min(owed, left)
				o.PaidCZK += take
				left -= take
				if o.PaidCZK >= o.AmountCZK {
					o.PaidOn = pay.PaidOn
				}
			}
		}
		if newest < 0 {
			// Paid for a year excused since: the money is credit, not lost.
			newest = newestExcused
		}
		if left > 0 && newest >= 0 {
			credit(&obs[newest], left, pay)
		}
	}
}

// owingExactly returns the oldest obligation with the payment's variable
// symbol that still owes exactly its amount, or -1.
func owingExactly(obs []PaymentObligation, pay Payment) int {
	for i, o := range obs {
		if o.Status != PaymentExcused && paysFor(o, pay) && o.AmountCZK-o.PaidCZK == pay.AmountCZK {
			return i
		}
	}
	return -1
}

// paysFor reports whether a payment is for an obligation: it carries the
// obligation's variable symbol or, once the citizen was forgotten
// (docs/RETENTION.md), any: the symbol was personal and reads Forgotten, and
// the payment stays counted on its case so that the statistics do not move.
// Within a case whose obligations have one variable symbol (a local fee's
// years) that is the attribution the symbol gave.
func paysFor(o PaymentObligation, pay Payment) bool {
	return pay.VariableSymbol == Forgotten || SameVariableSymbol(o.VariableSymbol, pay.VariableSymbol)
}

// credit adds what a payment left over to an obligation as credit. A sum
// that cannot be represented (a payment stored before amounts were bounded)
// is not counted, and the obligation says so: a figure is right or an
// error, never a wrapped number.
func credit(o *PaymentObligation, czk int, pay Payment) {
	paid, err := money.Add(o.PaidCZK, czk)
	if err == nil {
		o.CreditCZK, err = money.Add(o.CreditCZK, czk)
	}
	if err != nil {
		o.Basis += fmt.Sprintf("; %d Kč left over of the payment of %s is not counted: %v", czk, pay.PaidOn, err)
		return
	}
	o.PaidCZK = paid
}

// finish sets the status as of asOf and the QR Platba string of what is owed.
func (p *PaymentObligation) finish(asOf calendar.Date, explain bool) {
	owed := p.AmountCZK - p.PaidCZK
	switch {
	case p.Status == PaymentExcused:
		owed = 0
	case owed <= 0 && (p.PaidOn.IsZero() || p.Kind == KindAdministrativeFee):
		p.Status = PaymentPaid // nothing to pay (0 Kč), or a fee that has no lateness
	case owed <= 0 && p.PaidOn.After(p.DueOn):
		p.Status = PaymentPaidLate
	case owed <= 0:
		p.Status = PaymentPaid
	case p.Kind == KindAdministrativeFee:
		p.Status = PaymentBlocking
	case p.PaidCZK > 0:
		p.Status = PaymentPartiallyPaid
	case asOf.After(p.DueOn):
		p.Status = PaymentOverdue
	default:
		p.Status = PaymentUnpaid
	}
	p.OwedCZK = max(owed, 0)
	if p.OwedCZK == 0 || p.IBAN == "" || !explain {
		return
	}
	qr, err := payment.SPAYD(payment.Payment{IBAN: p.IBAN, AmountCZK: p.OwedCZK, Due: p.DueOn, AsOf: asOf, VariableSymbol: p.VariableSymbol,
		SpecificSymbol: p.SpecificSymbol, Message: p.Message})
	if err == nil {
		p.SPAYD = qr
	}
}

// moneyState is the part of a case that its payment obligations are
// computed from, for storage beside the case (a smaller read than the
// whole snapshot when many cases are summed).
type moneyState struct {
	ID         string      `json:"id"`
	Office     string      `json:"office"`
	Reference  string      `json:"reference,omitempty"`
	Citizen    Citizen     `json:"citizen"`
	LocalFees  []Liability `json:"local_fees,omitempty"`
	Exemptions []Exemption `json:"exemptions,omitempty"`
	Increases  []Increase  `json:"increases,omitempty"`
	Payments   []Payment   `json:"payments,omitempty"`
	Fines      []moneyFine `json:"fines,omitempty"`
	FeeCZK     int         `json:"fee_czk,omitempty"`
	// FeeCollectionCZK is the fee's collection part, due by CollectionDueOn.
	FeeCollectionCZK int           `json:"fee_collection_czk,omitempty"`
	FiledOn          calendar.Date `json:"filed_on,omitzero"`
	ReadyOn          calendar.Date `json:"ready_on,omitzero"`
	ExpectedOn       calendar.Date `json:"expected_on,omitzero"`
}

type moneyFine struct {
	Flag       string        `json:"flag"`
	FineCZK    int           `json:"fine_czk"`
	DecidedOn  calendar.Date `json:"decided_on"`
	LegalBasis string        `json:"legal_basis"`
}

// MarshalMoney encodes what the case's payment obligations are computed
// from; RestoreMoney gives back a case whose PaymentObligations are the
// same (and that holds nothing else).
func (c *Case) MarshalMoney() ([]byte, error) {
	m := moneyState{ID: c.ID, Office: c.Office, Reference: c.Reference, Citizen: c.Citizen, LocalFees: c.LocalFees, Exemptions: c.Exemptions,
		Increases: c.Increases, Payments: c.Payments}
	for _, f := range c.Flags {
		if f.Decision == Fined {
			m.Fines = append(m.Fines, moneyFine{f.ID, f.FineCZK, f.DecidedOn, f.Offence.LegalBasis})
		}
	}
	if c.Fee != nil && c.application != nil {
		m.FeeCZK, m.FeeCollectionCZK, m.FiledOn, m.ReadyOn = c.Fee.AtFiling, c.Fee.AtCollection, c.application.filedOn, c.application.readyOn
		if c.application.sla < len(c.SLA) {
			m.ExpectedOn = c.SLA[c.application.sla].Due
		}
	}
	return json.Marshal(m)
}

// RestoreMoney decodes what MarshalMoney wrote.
func RestoreMoney(b []byte) (*Case, error) {
	var m moneyState
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	c := &Case{ID: m.ID, Office: m.Office, Reference: m.Reference, Citizen: m.Citizen, LocalFees: m.LocalFees, Exemptions: m.Exemptions,
		Increases: m.Increases, Payments: m.Payments}
	for _, f := range m.Fines {
		fl := Flag{ID: f.Flag, Decision: Fined, FineCZK: f.FineCZK, DecidedOn: f.DecidedOn}
		fl.Offence.LegalBasis = f.LegalBasis
		c.Flags = append(c.Flags, fl)
	}
	if !m.FiledOn.IsZero() {
		c.Fee = &fees.Fee{AtFiling: m.FeeCZK, AtCollection: m.FeeCollectionCZK}
		c.application = &application{filedOn: m.FiledOn, readyOn: m.ReadyOn}
		c.SLA = []SLA{{FiledOn: m.FiledOn, Due: m.ExpectedOn}}
	}
	return c, nil
}
