package cases

import (
	"github.com/lhuta/lhuta/domain"
	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/fees"
	"github.com/lhuta/lhuta/domain/rulebook"
)

// IDCardIncident: a card lost, stolen, damaged or destroyed (docs/LAW.md §5.1).
const IDCardIncident Situation = "id_card_incident"

// Events only an id_card_incident case takes.
const (
	IncidentReportedType   EventType = "IncidentReported"
	OldCardFoundType       EventType = "OldCardFound"
	OldCardSurrenderedType EventType = "OldCardSurrendered"
	LostCardUsedType       EventType = "LostCardUsed"
)

// idCardIncident declares the situation and its events (docs/events.md).
var idCardIncident = situationDecl{IDCardIncident, "Ztráta, odcizení, poškození nebo zničení OP", []eventDecl{
	{typ: IncidentReportedType, label: "Ohlášení ztráty, odcizení, poškození nebo zničení OP", new: newFact[IncidentReported], trigger: true},
	{typ: OldCardFoundType, label: "Nalezení ztraceného OP", new: newFact[OldCardFound]},
	{typ: OldCardSurrenderedType, label: "Odevzdání nalezeného OP", new: newFact[OldCardSurrendered]},
	{typ: LostCardUsedType, label: "Použití OP ohlášeného jako ztracený", new: newFact[LostCardUsed]},
}}

// IncidentKind is what happened to an identity card (docs/LAW.md §5.1).
type IncidentKind string

// Kinds of incident.
const (
	Lost              IncidentKind = "lost"
	Stolen            IncidentKind = "stolen"
	Damaged           IncidentKind = "damaged"
	Destroyed         IncidentKind = "destroyed"
	CertificateMisuse IncidentKind = "certificate_misuse"
)

// IncidentReported: the citizen reported a card lost, stolen, damaged or
// destroyed (seeds 002, 003). It obliges them to apply for a new card within
// 15 working days of the report.
type IncidentReported struct {
	Kind         IncidentKind      `json:"kind" fact:"required,public"`
	ReportedOn   calendar.Date     `json:"reported_on" fact:"required,past,public"`
	DiscoveredOn calendar.Date     `json:"discovered_on,omitzero" fact:"past,public"`
	ReportedTo   domain.OfficeKind `json:"reported_to" fact:"required,public"`
	// ReviewThreshold is the office's review threshold in working days when
	// the fact was recorded (docs/LAW.md §5.1: configurable), kept with the
	// fact so that folding the case never depends on today's configuration.
	ReviewThreshold int `json:"review_threshold_working_days,omitempty" fact:"server,public"`
}

func (*IncidentReported) enums() map[string][]string {
	return map[string][]string{"kind": values(Lost, Stolen, Damaged, Destroyed, CertificateMisuse),
		"reported_to": values(domain.MunicipalOffice, domain.RegistryOffice, domain.Police, domain.Embassy, domain.Ministry)}
}

func (e *IncidentReported) decide(_ *Case, ctx Context, chk *check) {
	e.ReviewThreshold = ctx.LossReportThreshold
	if e.ReviewThreshold <= 0 {
		e.ReviewThreshold = rulebook.DefaultLossReportThreshold
	}
	if !e.DiscoveredOn.IsZero() && e.DiscoveredOn.After(e.ReportedOn) {
		chk.refuse("discovered_on", "the incident was discovered (%s) after it was reported (%s)", e.DiscoveredOn, e.ReportedOn)
	}
}

func (e *IncidentReported) evolve(c *Case) {
	c.trigger(IncidentReportedType, e.ReportedOn, fees.Reason(e.Kind))
	c.incident = e.Kind
	law := rulebook.For(e.ReportedOn)
	c.oblige(law.ApplyForCardAfterIncident(e.ReportedOn))
	// Seed 003: a loss, theft, damage or destruction report gets a
	// certificate valid for two months (old law only).
	if until, ok := law.LossCertificateValidUntil(e.ReportedOn); ok && e.Kind != CertificateMisuse {
		c.Validity = append(c.Validity, Validity{"loss_certificate", until, "Potvrzení o občanském průkazu issued on the report"})
	}
	if !e.DiscoveredOn.IsZero() && rulebook.LateLossReport(e.DiscoveredOn, e.ReportedOn, e.threshold()) {
		c.raise(law.LossNotReportedWithoutDelay(), e.ReportedOn, "")
	}
}

// threshold is the recorded review threshold; events recorded before it was
// kept used the default.
func (e *IncidentReported) threshold() int {
	if e.ReviewThreshold > 0 {
		return e.ReviewThreshold
	}
	return rulebook.DefaultLossReportThreshold
}

// cardWasLost reports whether the case's card was reported lost or stolen,
// and when: only such a card can be found again or misused.
func (c *Case) cardWasLost(chk *check, field string) calendar.Date {
	if c.incident != Lost && c.incident != Stolen {
		chk.refuse(field, "the case has no card reported lost or stolen")
		return calendar.Date{}
	}
	return c.seen[IncidentReportedType]
}

// OldCardFound: the citizen found the card reported lost or stolen; they
// must hand it in (seed 002), by the next working day (docs/LAW.md §5.1).
type OldCardFound struct {
	FoundOn calendar.Date `json:"found_on" fact:"required,past,public"`
}

func (e *OldCardFound) decide(c *Case, _ Context, chk *check) {
	notBefore(chk, "found_on", e.FoundOn, c.cardWasLost(chk, "found_on"), "the loss was reported")
	if c.pending(rulebook.ObligationSurrenderFoundCard) != nil {
		chk.refuse("found_on", "the found card has not been surrendered yet")
	}
}

func (e *OldCardFound) evolve(c *Case) {
	c.oblige(rulebook.For(e.FoundOn).SurrenderFoundCard(e.FoundOn))
}

// OldCardSurrendered: the found card was handed in.
type OldCardSurrendered struct {
	SurrenderedOn calendar.Date `json:"surrendered_on" fact:"required,past,public"`
}

func (e *OldCardSurrendered) decide(c *Case, _ Context, chk *check) {
	c.checkSurrender(chk, rulebook.ObligationSurrenderFoundCard, e.SurrenderedOn,
		"no found card is waiting to be surrendered (record OldCardFound first)")
}

// checkSurrender refuses handing in a card that is not due to be handed in,
// or on a day before the duty arose.
func (c *Case) checkSurrender(chk *check, obligation string, on calendar.Date, nothingDue string) {
	o := c.pending(obligation)
	if o == nil {
		chk.refuse("surrendered_on", "%s", nothingDue)
		return
	}
	notBefore(chk, "surrendered_on", on, o.TriggeredOn, "the duty to surrender the card arose")
}

func (e *OldCardSurrendered) evolve(c *Case) {
	c.fulfil(rulebook.ObligationSurrenderFoundCard, e.SurrenderedOn)
}

// LostCardUsed: someone used the card reported lost, a misdemeanor under
// § 16a(1)(n) of 328/1999.
type LostCardUsed struct {
	UsedOn calendar.Date `json:"used_on" fact:"required,past,public"`
}

func (e *LostCardUsed) decide(c *Case, _ Context, chk *check) {
	notBefore(chk, "used_on", e.UsedOn, c.cardWasLost(chk, "used_on"), "the loss was reported")
}

func (e *LostCardUsed) evolve(c *Case) {
	c.raise(rulebook.For(e.UsedOn).LostCardUsed(), e.UsedOn, "")
}
