package cases

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/domain/payment"
)

// LocalFee is the situation of one payer's local fees in one municipality
// (docs/LAW.md §9; seeds 000, 004): a case per payer and municipality.
const LocalFee Situation = "local_fee"

// Events only a local_fee case takes.
const (
	LocalFeeLiabilityAroseType   EventType = "LocalFeeLiabilityArose"
	LocalFeeLiabilityEndedType   EventType = "LocalFeeLiabilityEnded"
	LocalFeeExemptionGrantedType EventType = "LocalFeeExemptionGranted"
	LocalFeeIncreasedType        EventType = "LocalFeeIncreased"
)

// localFee declares the situation and its events (docs/events.md).
var localFee = situationDecl{LocalFee, "Místní poplatek", []eventDecl{
	{typ: LocalFeeLiabilityAroseType, label: "Vznik poplatkové povinnosti", new: newFact[LocalFeeLiabilityArose]},
	{typ: LocalFeeLiabilityEndedType, label: "Zánik poplatkové povinnosti", new: newFact[LocalFeeLiabilityEnded]},
	{typ: LocalFeeExemptionGrantedType, label: "Osvobození od poplatku", new: newFact[LocalFeeExemptionGranted]},
	{typ: LocalFeeIncreasedType, label: "Zvýšení neuhrazeného poplatku (§ 11 zákona o místních poplatcích)", new: newFact[LocalFeeIncreased], officer: true},
}}

// PaymentReceivedType: a payment received (docs/LAW.md §9); every situation
// takes it.
const PaymentReceivedType EventType = "PaymentReceived"

// paymentEvents declares it (docs/events.md).
var paymentEvents = []eventDecl{
	{typ: PaymentReceivedType, label: "Přijatá platba", new: newFact[PaymentReceived]},
}

// Liability is a period in which a payer owes a local fee. For the dog fee
// it is a group of dogs that arose (and end) together: a holder's further
// dog is a further Liability, and ending some of a group's dogs splits it.
type Liability struct {
	Fee         money.Fee     `json:"fee"`
	AroseOn     calendar.Date `json:"arose_on"`
	EndedOn     calendar.Date `json:"ended_on,omitzero"`
	Basis       string        `json:"basis"`
	HouseNumber string        `json:"house_number,omitempty"`
	VillagePart string        `json:"village_part,omitempty"`
	Dogs        int           `json:"dogs,omitempty"`
	// DogBornOn is the dogs' birth date where the clerk gave it.
	DogBornOn calendar.Date `json:"dog_born_on,omitzero"`
}

// active reports whether the liability has not ended.
func (l Liability) active() bool { return l.EndedOn.IsZero() }

// from returns the day the duty runs from: the day it arose, or for a dog
// younger than 3 months the day it is 3 months old (zákon 565/1990 Sb.
// § 2(2): the fee is paid for dogs older than 3 months; docs/LAW.md §9.3).
func (l Liability) from() calendar.Date {
	if old := l.DogBornOn.AddMonths(3); !l.DogBornOn.IsZero() && old.After(l.AroseOn) {
		return old
	}
	return l.AroseOn
}

// runs reports whether the duty runs on at least one day from first to
// last: a dog sold before it was 3 months old never owed.
func (l Liability) runs(first, last calendar.Date) bool {
	from := l.from()
	return !from.After(last) && (l.active() || !l.EndedOn.Before(first) && !l.EndedOn.Before(from))
}

// Exemption frees a payer of a fee from a day to a day (open-ended without To).
type Exemption struct {
	Fee    money.Fee     `json:"fee"`
	Reason string        `json:"reason"`
	From   calendar.Date `json:"from"`
	To     calendar.Date `json:"to,omitzero"`
}

// covers reports whether the exemption covers every day from a to b.
func (e Exemption) covers(a, b calendar.Date) bool {
	return !e.From.After(a) && (e.To.IsZero() || !e.To.Before(b))
}

// Increase is an officer's decision to raise the part of a year's fee not
// paid by its due date; it is owed as an obligation of its own (payments.go).
type Increase struct {
	Fee         money.Fee     `json:"fee"`
	Year        int           `json:"year"`
	IncreaseCZK int           `json:"increase_czk"`
	DecidedOn   calendar.Date `json:"decided_on"`
	DueOn       calendar.Date `json:"due_on"`
	// FormerTotalCZK is the year's new total of a decision recorded under
	// the former contract (upcast.go); its increase is that total less the
	// year's fee, resolved where the fee is known (Case.increases).
	FormerTotalCZK int `json:"former_total_czk,omitempty"`
}

// Payment is money received, by bank or at the cash desk.
type Payment struct {
	AmountCZK      int           `json:"amount_czk"`
	PaidOn         calendar.Date `json:"paid_on"`
	VariableSymbol string        `json:"variable_symbol"`
	BankReference  string        `json:"bank_reference,omitempty"`
}

// offices returns the payment terms the context knows, or the built-in ones.
func (ctx Context) offices() *money.Offices {
	if ctx.Offices != nil {
		return ctx.Offices
	}
	return builtinOffices
}

var builtinOffices = money.Builtin()

// schedule returns the fee schedule of the case's office in force on a day.
func (c *Case) schedule(ctx Context, chk *check, field string, on calendar.Date) *money.Schedule {
	o, ok := ctx.offices().Office(c.Office)
	if !ok || len(o.Schedules) == 0 {
		chk.refuse(field, "office %q keeps no local fees: it has no fee schedule configured", c.Office)
		return nil
	}
	s, ok := o.Schedules.For(on)
	if !ok {
		chk.refuse(field, "no fee schedule of office %q is in force on %s", c.Office, on)
	}
	return s
}

// liability returns the latest liability for a fee, or nil.
func (c *Case) liability(fee money.Fee) *Liability {
	for i := len(c.LocalFees) - 1; i >= 0; i-- {
		if c.LocalFees[i].Fee == fee {
			return &c.LocalFees[i]
		}
	}
	return nil
}

// running returns the liabilities of a fee that have not ended, the
// longest-held first (they are recorded in the order they arose).
func (c *Case) running(fee money.Fee) []*Liability {
	var out []*Liability
	for i := range c.LocalFees {
		if l := &c.LocalFees[i]; l.Fee == fee && l.active() {
			out = append(out, l)
		}
	}
	return out
}

// ending returns the running liabilities whose dogs end when n dogs end
// (0: all), and how many of the last one's dogs: the longest-held dogs end
// first, so that when the first dog's duty ends a remaining dog is the
// first dog (docs/LAW.md §9.1). The event does not say which dogs end; it
// matters only for a dog not yet 3 months old (docs/decisions.md).
func (c *Case) ending(fee money.Fee, n int) (groups []*Liability, ofLast int) {
	for _, l := range c.running(fee) {
		if n == 0 || fee != money.Dog {
			groups, ofLast = append(groups, l), l.Dogs
			continue
		}
		take := min(n, l.Dogs)
		groups, ofLast = append(groups, l), take
		if n -= take; n == 0 {
			break
		}
	}
	return groups, ofLast
}

// feeEnum is the closed set of the local fee facts' fee field.
var feeEnum = map[string][]string{"fee": values(money.Fees...)}

// LocalFeeLiabilityArose: the payer's duty to pay a local fee arose (moving
// in, buying a house where nobody is registered, getting a dog…).
type LocalFeeLiabilityArose struct {
	Fee     money.Fee     `json:"fee" fact:"required,public"`
	AroseOn calendar.Date `json:"arose_on" fact:"required,past,public"`
	// Basis is the schedule's payer category.
	Basis       string `json:"basis" fact:"required,public"`
	HouseNumber string `json:"house_number,omitempty" fact:"personal"`
	VillagePart string `json:"village_part,omitempty" fact:"personal"`
	// Dogs is how many dogs, for the dog fee; a further LocalFeeLiabilityArose
	// while the payer's dog fee runs adds these dogs from its month.
	Dogs int `json:"dogs,omitempty" fact:"public"`
	// DogBornOn, for the dog fee, is the dogs' birth date: a dog younger
	// than 3 months is liable from the month it is 3 months old.
	DogBornOn calendar.Date `json:"dog_born_on,omitzero" fact:"past,public"`
}

func (*LocalFeeLiabilityArose) enums() map[string][]string { return feeEnum }

func (e *LocalFeeLiabilityArose) decide(c *Case, ctx Context, chk *check) {
	switch {
	case e.Fee == money.Dog && e.Dogs < 1:
		chk.bad("dogs", "is required for the dog fee: how many dogs, at least 1")
	case e.Fee != money.Dog && e.Dogs != 0:
		chk.bad("dogs", "is only given for the dog fee")
	case e.Dogs > 100:
		chk.bad("dogs", "%d dogs is more than a payer's register holds (at most 100)", e.Dogs)
	}
	switch {
	case e.DogBornOn.IsZero():
	case e.Fee != money.Dog:
		chk.bad("dog_born_on", "is only given for the dog fee")
	case e.DogBornOn.After(e.AroseOn):
		chk.bad("dog_born_on", "%s is after arose_on (%s): a dog is held once it is born", e.DogBornOn, e.AroseOn)
	}
	if len(chk.invalid) > 0 {
		return
	}
	s := c.schedule(ctx, chk, "arose_on", e.AroseOn)
	if s == nil {
		return
	}
	rule, ok := s.Rule(e.Fee)
	if !ok {
		chk.refuse("fee", "the fee schedule of %s sets no %s fee", s.Municipality, e.Fee)
		return
	}
	if _, ok := rule.Category(e.Basis); !ok {
		chk.refuse("basis", "%q is not a payer category of the %s fee of %s; categories: %s", e.Basis, e.Fee, s.Municipality, money.Codes(rule.Categories))
	}
	if _, err := s.VariableSymbolOf(money.Payer{HouseNumber: e.HouseNumber, VillagePart: e.VillagePart}); err != nil {
		chk.refuse("house_number", "the variable symbol cannot be made: %v", err)
	}
	running := c.running(e.Fee)
	switch {
	case len(running) > 0 && e.Fee != money.Dog:
		chk.refuse("fee", "the %s fee is already owed since %s; record LocalFeeLiabilityEnded first", e.Fee, running[0].AroseOn)
	case len(running) > 0:
		// A further dog (docs/LAW.md §9.3): the holder's dogs are one
		// obligation a year, paid with one variable symbol.
		last := running[len(running)-1]
		notBefore(chk, "arose_on", e.AroseOn, last.AroseOn, "the dogs held already arose")
		if e.HouseNumber != last.HouseNumber || e.VillagePart != last.VillagePart {
			chk.refuse("house_number", "the dog fee is owed for house %s, %s since %s: a further dog is paid with the same variable symbol",
				last.HouseNumber, last.VillagePart, last.AroseOn)
		}
	default:
		for _, l := range c.LocalFees {
			if l.Fee == e.Fee {
				notBefore(chk, "arose_on", e.AroseOn, l.EndedOn, "the previous liability ended")
			}
		}
	}
}

func (e *LocalFeeLiabilityArose) evolve(c *Case) {
	c.LocalFees = append(c.LocalFees, Liability{Fee: e.Fee, AroseOn: e.AroseOn, Basis: e.Basis,
		HouseNumber: e.HouseNumber, VillagePart: e.VillagePart, Dogs: e.Dogs, DogBornOn: e.DogBornOn})
}

// LocalFeeLiabilityEnded: the duty ended (moving away, the dog's death…);
// for the dog fee, of Dogs dogs (0: all of them).
type LocalFeeLiabilityEnded struct {
	Fee     money.Fee     `json:"fee" fact:"required,public"`
	EndedOn calendar.Date `json:"ended_on" fact:"required,past,public"`
	Dogs    int           `json:"dogs,omitempty" fact:"public"`
}

func (*LocalFeeLiabilityEnded) enums() map[string][]string { return feeEnum }

func (e *LocalFeeLiabilityEnded) decide(c *Case, _ Context, chk *check) {
	switch {
	case e.Dogs < 0:
		chk.bad("dogs", "is how many dogs end, at least 1 (leave it out for all)")
	case e.Fee != money.Dog && e.Dogs != 0:
		chk.bad("dogs", "is only given for the dog fee")
	}
	if len(chk.invalid) > 0 {
		return
	}
	running := c.running(e.Fee)
	held := 0
	for _, l := range running {
		held += l.Dogs
	}
	switch {
	case len(running) == 0:
		chk.refuse("fee", "the case has no %s fee owed that could end", e.Fee)
		return
	case e.Dogs > held:
		chk.refuse("dogs", "the dog fee runs for %d dogs, fewer than %d", held, e.Dogs)
		return
	}
	groups, _ := c.ending(e.Fee, e.Dogs)
	for _, l := range groups {
		notBefore(chk, "ended_on", e.EndedOn, l.AroseOn, "the liability arose")
	}
}

func (e *LocalFeeLiabilityEnded) evolve(c *Case) {
	groups, ofLast := c.ending(e.Fee, e.Dogs)
	if len(groups) == 0 {
		return
	}
	last := groups[len(groups)-1]
	rest := *last
	rest.Dogs -= ofLast
	for _, l := range groups {
		l.EndedOn = e.EndedOn
	}
	if e.Fee != money.Dog || rest.Dogs == 0 {
		return
	}
	// Some of a group's dogs end: the rest run on as a group of their own,
	// in the group's place among the dogs in the order they arose.
	last.Dogs = ofLast
	for i := range c.LocalFees {
		if &c.LocalFees[i] == last {
			c.LocalFees = slices.Insert(c.LocalFees, i+1, rest)
			return
		}
	}
}

// LocalFeeExemptionGranted: the payer is exempt for a reason of the schedule
// (seed 004 lists eight for waste); a fee year the exemption covers whole is excused.
type LocalFeeExemptionGranted struct {
	Fee    money.Fee     `json:"fee" fact:"required,public"`
	Reason string        `json:"reason" fact:"required,personal"`
	From   calendar.Date `json:"from" fact:"required,public"`
	To     calendar.Date `json:"to,omitzero" fact:"public"`
}

func (*LocalFeeExemptionGranted) enums() map[string][]string { return feeEnum }

func (e *LocalFeeExemptionGranted) decide(c *Case, ctx Context, chk *check) {
	if !e.To.IsZero() && e.To.Before(e.From) {
		chk.bad("to", "%s is before from (%s)", e.To, e.From)
	}
	if len(chk.invalid) > 0 {
		return
	}
	if c.liability(e.Fee) == nil {
		chk.refuse("fee", "the case owes no %s fee to be exempt from (record LocalFeeLiabilityArose first)", e.Fee)
		return
	}
	s := c.schedule(ctx, chk, "from", e.From)
	if s == nil {
		return
	}
	rule, ok := s.Rule(e.Fee)
	if !ok {
		chk.refuse("fee", "the fee schedule of %s in force on %s sets no %s fee", s.Municipality, e.From, e.Fee)
		return
	}
	if _, ok := rule.Exemption(e.Reason); !ok {
		chk.refuse("reason", "%q is not an exemption of the %s fee of %s; reasons: %s", e.Reason, e.Fee, s.Municipality, money.Codes(rule.Exemptions))
	}
}

func (e *LocalFeeExemptionGranted) evolve(c *Case) {
	c.Exemptions = append(c.Exemptions, Exemption{Fee: e.Fee, Reason: e.Reason, From: e.From, To: e.To})
}

// MaxIncrease is how many times the part of a fee not paid by its due date
// an officer may raise it by: to at most three times that part, so by at
// most twice it (zákon 565/1990 Sb. § 11(3), docs/LAW.md §9.1).
const MaxIncrease = 2

// LocalFeeIncreased: an officer decided to raise the part of a year's fee
// not paid by its due date; never automatic. The decision gives its reasons
// (NSS 1 Afs 3/2016: being late alone is no reason) and a due date of its own.
type LocalFeeIncreased struct {
	Fee         money.Fee     `json:"fee" fact:"required,public"`
	Year        int           `json:"year" fact:"required,public"`
	IncreaseCZK int           `json:"increase_czk" fact:"required,public"`
	DecidedOn   calendar.Date `json:"decided_on" fact:"required,past,public"`
	DueOn       calendar.Date `json:"due_on" fact:"required,public"`
	Reason      string        `json:"reason" fact:"required,text"`
	// FormerTotalCZK is set only by the upcast of an event stored under the
	// former contract (amount_czk, the year's new total); a request cannot
	// give it.
	FormerTotalCZK int `json:"former_total_czk,omitempty" fact:"server,public"`
}

func (*LocalFeeIncreased) enums() map[string][]string { return feeEnum }

func (e *LocalFeeIncreased) decide(c *Case, ctx Context, chk *check) {
	checkAmount(chk, "increase_czk", e.IncreaseCZK)
	if len(chk.invalid) > 0 {
		return
	}
	id := feeYearID(e.Fee, e.Year)
	obs := c.PaymentObligations(e.DecidedOn, ctx.offices())
	year, ok := obligationByID(obs, id)
	switch {
	case !ok:
		chk.refuse("year", "the case owes no %s fee for %d as of %s", e.Fee, e.Year, e.DecidedOn)
		return
	case year.Status == PaymentExcused:
		chk.refuse("year", "the %s fee for %d is excused", e.Fee, e.Year)
		return
	case !e.DecidedOn.After(year.DueOn):
		chk.refuse("decided_on", "%s is not after the due date %s of the %s fee for %d: only the part not paid by the due date may be raised",
			e.DecidedOn, year.DueOn, e.Fee, e.Year)
		return
	case e.DueOn.Before(e.DecidedOn):
		chk.refuse("due_on", "%s is before the decision (%s)", e.DueOn, e.DecidedOn)
		return
	}
	atDue, _ := obligationByID(c.PaymentObligations(year.DueOn, ctx.offices()), id)
	unpaid := atDue.OwedCZK
	raised := 0
	for _, p := range obs {
		if p.increase && p.Fee == string(e.Fee) && p.Year == e.Year {
			raised += p.AmountCZK
		}
	}
	switch {
	case unpaid == 0:
		chk.refuse("year", "the %s fee for %d (%d Kč) was paid in full by its due date %s: a fee paid on time cannot be increased (zákon 565/1990 Sb. § 11(3))",
			e.Fee, e.Year, year.AmountCZK, year.DueOn)
	case raised+e.IncreaseCZK > MaxIncrease*unpaid:
		chk.refuse("increase_czk", "%d Kč is more than the increase allowed: at most %d × the %d Kč not paid by the due date %s, %d Kč%s (zákon 565/1990 Sb. § 11(3))",
			e.IncreaseCZK, MaxIncrease, unpaid, year.DueOn, MaxIncrease*unpaid, raisedBefore(raised))
	}
}

// raisedBefore says what earlier decisions already raised the year by.
func raisedBefore(czk int) string {
	if czk == 0 {
		return ""
	}
	return fmt.Sprintf(", of which earlier decisions raised %d Kč", czk)
}

func (e *LocalFeeIncreased) evolve(c *Case) {
	c.Increases = append(c.Increases, Increase{Fee: e.Fee, Year: e.Year, IncreaseCZK: e.IncreaseCZK, DecidedOn: e.DecidedOn,
		DueOn: e.DueOn, FormerTotalCZK: e.FormerTotalCZK})
}

// PaymentReceived: money came in for an obligation of the case, identified
// by its variable symbol; a payment whose bank_reference the case already
// holds is the same payment and is never counted twice.
type PaymentReceived struct {
	AmountCZK      int           `json:"amount_czk" fact:"required,public"`
	PaidOn         calendar.Date `json:"paid_on" fact:"required,past,public"`
	VariableSymbol string        `json:"variable_symbol" fact:"required,personal"`
	BankReference  string        `json:"bank_reference,omitempty" fact:"public"`
}

func (e *PaymentReceived) decide(c *Case, ctx Context, chk *check) {
	checkAmount(chk, "amount_czk", e.AmountCZK)
	if !payment.IsDigits(e.VariableSymbol, 1, 10) {
		chk.bad("variable_symbol", "%q is not 1 to 10 digits", e.VariableSymbol)
	}
	if len(chk.invalid) > 0 {
		return
	}
	if p := c.paymentByReference(e.BankReference); p != nil {
		chk.refuse("bank_reference", "the payment %s was already recorded (%d Kč on %s)", e.BankReference, p.AmountCZK, p.PaidOn)
		return
	}
	for _, p := range c.PaymentObligations(ctx.Today, ctx.offices()) {
		if SameVariableSymbol(p.VariableSymbol, e.VariableSymbol) {
			return
		}
	}
	chk.refuse("variable_symbol", "no payment obligation of the case has the variable symbol %s", e.VariableSymbol)
}

func (e *PaymentReceived) evolve(c *Case) {
	if c.paymentByReference(e.BankReference) != nil {
		return
	}
	c.Payments = append(c.Payments, Payment{AmountCZK: e.AmountCZK, PaidOn: e.PaidOn, VariableSymbol: e.VariableSymbol, BankReference: e.BankReference})
}

func (c *Case) paymentByReference(ref string) *Payment {
	if ref == "" {
		return nil
	}
	for i := range c.Payments {
		if c.Payments[i].BankReference == ref {
			return &c.Payments[i]
		}
	}
	return nil
}

// SameVariableSymbol reports whether two variable symbols are the same: a
// variable symbol is a number, so the 01541 a bank may show is 1541.
func SameVariableSymbol(a, b string) bool {
	return strings.TrimLeft(a, "0") == strings.TrimLeft(b, "0")
}
