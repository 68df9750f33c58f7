package cases

import (
	"errors"
	"strings"

	"github.com/lhuta/lhuta/domain"
	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/fees"
	"github.com/lhuta/lhuta/domain/rulebook"
)

// The application for a document and its collection; every situation
// takes them.
const (
	ApplicationFiledType       EventType = "ApplicationFiled"
	DocumentReadyType          EventType = "DocumentReady"
	CollectionReminderSentType EventType = "CollectionReminderSent"
	DocumentCollectedType      EventType = "DocumentCollected"
)

// applicationEvents declares them (docs/events.md).
var applicationEvents = []eventDecl{
	{typ: ApplicationFiledType, label: "Podání žádosti o doklad", new: newFact[ApplicationFiled]},
	{typ: DocumentReadyType, label: "Doklad připraven k vydání", new: newFact[DocumentReady]},
	{typ: CollectionReminderSentType, label: "Výzva k převzetí dokladu", new: newFact[CollectionReminderSent]},
	{typ: DocumentCollectedType, label: "Převzetí dokladu", new: newFact[DocumentCollected]},
}

// application is the document applied for, from filing to collection.
type application struct {
	document      domain.Document
	filedOn       calendar.Date
	readyOn       calendar.Date
	collectedOn   calendar.Date
	reminders     int
	lastCollectBy calendar.Date
	// notCollectedFlag is the § 16a(1)(d) flag after repeated reminders.
	notCollectedFlag string
	sla              int
	// priced is what the application's fee was priced from, so that a
	// trigger recorded after it reprices it (the order in which a clerk
	// records the facts must not change the fee).
	priced fees.Application
}

// pendingApplication returns the application filed and not yet collected.
func (c *Case) pendingApplication() *application {
	if c.application == nil || !c.application.collectedOn.IsZero() {
		return nil
	}
	return c.application
}

// ApplicationFiled: the citizen applied for a document. It fulfils a
// pending duty to apply for an identity card, except an application for a
// temporary card alone (seed 002 requires the full card to be applied for
// the same day); it starts the office's processing deadline (§ 6) and fixes
// the fee (§ 8).
type ApplicationFiled struct {
	Document        domain.Document   `json:"document" fact:"required,public"`
	FiledOn         calendar.Date     `json:"filed_on" fact:"required,past,public"`
	Track           domain.Track      `json:"track" fact:"required,public"`
	FilingOffice    domain.OfficeKind `json:"filing_office" fact:"required,public"`
	PickupOffice    domain.OfficeKind `json:"pickup_office,omitempty" fact:"public"`
	ApplicantAge    *int              `json:"applicant_age,omitempty" fact:"public"`
	ConsentAttached bool              `json:"consent_attached,omitempty" fact:"public"`
	// ConsentObstacle is why the legal representative's consent to a
	// passport for a citizen of 15 to 17 is not attached: obtaining it meets
	// a hard-to-overcome obstacle (seed 004), so it is not needed.
	ConsentObstacle string `json:"consent_obstacle,omitempty" fact:"text"`
}

var applicationOffices = []domain.OfficeKind{domain.MunicipalOffice, domain.RegistryOffice, domain.Embassy, domain.Ministry}

func (*ApplicationFiled) enums() map[string][]string {
	offices := values(applicationOffices...)
	return map[string][]string{"document": values(domain.IDCard, domain.IDCardChip, domain.IDCardTemporary, domain.Passport),
		"track":         values(domain.Standard, domain.FiveWorkingDays, domain.TwentyFourHours, domain.EmbassyTrack),
		"filing_office": offices, "pickup_office": offices}
}

func (e *ApplicationFiled) decide(c *Case, _ Context, chk *check) {
	if len(chk.invalid) > 0 {
		return
	}
	age := e.FiledOn.YearsSince(c.Citizen.BirthDate)
	switch {
	case c.pendingApplication() != nil:
		chk.refuse("document", "an application filed on %s is still pending (its document was not collected)", c.application.filedOn)
		return
	case (c.Situation == PassportApplication) != (e.Document == domain.Passport):
		chk.refuse("document", "a %s case takes applications for %s", c.Situation, map[bool]string{true: "a passport", false: "an identity card"}[c.Situation == PassportApplication])
		return
	case e.ApplicantAge != nil && *e.ApplicantAge != age:
		chk.refuse("applicant_age", "is %d, but the citizen born %s was %d on %s", *e.ApplicantAge, c.Citizen.BirthDate, age, e.FiledOn)
	case e.ConsentObstacle != "" && e.Document != domain.Passport:
		chk.refuse("consent_obstacle", "is given on a passport application only (seed 004)")
	case e.Document == domain.Passport && age >= 15 && age < 18 && !e.ConsentAttached && strings.TrimSpace(e.ConsentObstacle) == "":
		// Seed 004: a citizen aged 15 to 17 applies with the legal
		// representative's consent, unless obtaining it meets a
		// hard-to-overcome obstacle.
		chk.refuse("consent_attached", "the applicant is %d: a passport application needs the legal representative's consent attached, "+
			"or consent_obstacle saying why obtaining it meets a hard-to-overcome obstacle", age)
	case c.Situation == IDCardIncident && c.incident == "":
		chk.rules = append(chk.rules, FieldError{"type", "record the IncidentReported before the application"})
	case c.Situation != FirstIDCard && !c.firstTrigger().IsZero() && e.FiledOn.Before(c.firstTrigger()):
		chk.refuse("filed_on", "%s is before the case's first fact (%s); an earlier application belongs to another case", e.FiledOn, c.firstTrigger())
	}
	if _, err := rulebook.SLADue(e.Document, e.Track, e.FiledOn); err != nil {
		chk.refuse("track", "%v", err)
		return
	}
	if _, err := fees.Price(c.feeApplication(e, age)); errors.Is(err, fees.ErrNotOffered) || errors.Is(err, fees.ErrInvalidApplication) {
		chk.refuse("track", "%v", err)
	}
}

// feeApplication describes the application for pricing.
func (c *Case) feeApplication(e *ApplicationFiled, age int) fees.Application {
	a := fees.Application{Document: e.Document, Track: e.Track, Age: age, Reason: c.feeReason,
		PermanentResidenceInCZ: !c.noPermanentResidence, FilingOffice: e.FilingOffice, PickupOffice: e.PickupOffice}
	switch {
	case e.Document == domain.Passport:
		a.Reason = ""
	case a.Reason == "":
		a.Reason = fees.ReasonOwnRequest
	}
	return a
}

func (e *ApplicationFiled) evolve(c *Case) {
	if e.Document.IsIDCard() && e.Document != domain.IDCardTemporary {
		c.cardAppliedOn = e.FiledOn
		c.fulfil(rulebook.ObligationApplyForIDCard, e.FiledOn)
	}
	due, _ := rulebook.SLADue(e.Document, e.Track, e.FiledOn)
	c.SLA = append(c.SLA, SLA{Document: string(e.Document), Track: string(e.Track), FiledOn: e.FiledOn, Due: due})
	c.application = &application{document: e.Document, filedOn: e.FiledOn, sla: len(c.SLA) - 1,
		priced: c.feeApplication(e, e.FiledOn.YearsSince(c.Citizen.BirthDate))}
	c.reprice()
}

// reprice prices the latest application with what the case knows now: the
// reason its trigger gives and the citizen's residence, whichever was
// recorded first.
func (c *Case) reprice() {
	if c.application == nil || c.application.priced.Document == "" {
		return
	}
	a := &c.application.priced
	if a.Document != domain.Passport {
		a.Reason = c.feeReason
		if a.Reason == "" {
			a.Reason = fees.ReasonOwnRequest
		}
	}
	a.PermanentResidenceInCZ = !c.noPermanentResidence
	c.Fee = nil
	if fee, err := fees.Price(*a); err == nil {
		c.Fee = &fee
	}
}

// DocumentReady: the office made the document; this ends its processing deadline.
type DocumentReady struct {
	ReadyOn calendar.Date `json:"ready_on" fact:"required,past,public"`
}

func (e *DocumentReady) decide(c *Case, _ Context, chk *check) {
	a := c.pendingApplication()
	switch {
	case a == nil:
		chk.refuse("ready_on", "no application is pending on this case")
	case !a.readyOn.IsZero():
		chk.refuse("ready_on", "the document was already ready on %s", a.readyOn)
	default:
		notBefore(chk, "ready_on", e.ReadyOn, a.filedOn, "the application was filed")
	}
}

func (e *DocumentReady) evolve(c *Case) {
	c.application.readyOn = e.ReadyOn
	c.SLA[c.application.sla].ReadyOn = e.ReadyOn
}

// CollectionReminderSent: the office reminded the citizen to collect the
// document. After two or more reminders, a document not collected by the
// last one's date is a misdemeanor under § 16a(1)(d) of 328/1999.
type CollectionReminderSent struct {
	SentOn    calendar.Date `json:"sent_on" fact:"required,past,public"`
	CollectBy calendar.Date `json:"collect_by" fact:"required,public"`
}

func (e *CollectionReminderSent) decide(c *Case, _ Context, chk *check) {
	if c.readyApplication(chk, "sent_on", e.SentOn, "no document is ready and waiting to be collected") == nil {
		return
	}
	notBefore(chk, "collect_by", e.CollectBy, e.SentOn, "the reminder was sent")
}

func (e *CollectionReminderSent) evolve(c *Case) {
	a := c.application
	a.reminders++
	a.lastCollectBy = e.CollectBy
	if a.reminders < 2 || !a.document.IsIDCard() {
		return
	}
	raisedOn := e.CollectBy.AddDays(1)
	if f := c.flag(a.notCollectedFlag); f != nil {
		if f.DecidedOn.IsZero() {
			f.RaisedOn = raisedOn
		}
		return
	}
	if f := c.raise(rulebook.For(e.SentOn).NotCollectedAfterReminders(), raisedOn, ""); f != nil {
		a.notCollectedFlag = f.ID
	}
}

// readyApplication is the pending application whose document is ready to be
// collected; without one it refuses field, saying none, and is nil. The day
// on of what is done with the document is not before it was ready.
func (c *Case) readyApplication(chk *check, field string, on calendar.Date, none string) *application {
	a := c.pendingApplication()
	if a == nil || a.readyOn.IsZero() {
		chk.refuse(field, "%s", none)
		return nil
	}
	notBefore(chk, field, on, a.readyOn, "the document was ready")
	return a
}

// DocumentCollected: the citizen collected the document.
type DocumentCollected struct {
	CollectedOn calendar.Date `json:"collected_on" fact:"required,past,public"`
}

// The document is not handed over while the collection part of its fee is
// unpaid where the office accepts fees by transfer (zákon 634/2004 Sb.
// § 5(2), docs/LAW.md §9): payments up to the day of collection count.
func (e *DocumentCollected) decide(c *Case, ctx Context, chk *check) {
	if c.readyApplication(chk, "collected_on", e.CollectedOn, "the document is not ready yet (record DocumentReady first)") == nil {
		return
	}
	for _, p := range c.PaymentObligations(e.CollectedOn, ctx.offices()) {
		if p.ID == feeCollectionID && p.OwedCZK > 0 {
			chk.refuse("collected_on", "the collection part of the administrative fee, %d Kč, is unpaid on %s (%d Kč still owed, VS %s): the document is not handed over until it is paid (zákon 634/2004 Sb. § 5(2)); record its PaymentReceived first",
				p.AmountCZK, e.CollectedOn, p.OwedCZK, p.VariableSymbol)
		}
	}
}

func (e *DocumentCollected) evolve(c *Case) {
	a := c.application
	a.collectedOn = e.CollectedOn
	if a.notCollectedFlag != "" && !e.CollectedOn.After(a.lastCollectBy) {
		c.withdraw(a.notCollectedFlag)
	}
}
