package cases

import (
	"github.com/lhuta/lhuta/domain"
	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/rulebook"
)

// IncidentKind is what happened to an identity card (RULES.md §5.1).
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
	Kind         IncidentKind      `json:"kind" fact:"required"`
	ReportedOn   calendar.Date     `json:"reported_on" fact:"required,past"`
	DiscoveredOn calendar.Date     `json:"discovered_on,omitzero" fact:"past"`
	ReportedTo   domain.OfficeKind `json:"reported_to" fact:"required"`
}

func (e *IncidentReported) check(c *Case, _ Context, chk *check) {
	oneOf(chk, "kind", e.Kind, Lost, Stolen, Damaged, Destroyed, CertificateMisuse)
	oneOf(chk, "reported_to", e.ReportedTo, domain.MunicipalOffice, domain.RegistryOffice, domain.Police, domain.Embassy, domain.Ministry)
	if !e.DiscoveredOn.IsZero() && e.DiscoveredOn.After(e.ReportedOn) {
		chk.refuse("discovered_on", "the loss was discovered (%s) after it was reported (%s)", e.DiscoveredOn, e.ReportedOn)
	}
}

func (e *IncidentReported) apply(c *Case) {
	duty := rulebook.For(e.ReportedOn).ApplyForCardAfterIncident(e.ReportedOn)
	c.Obligations = append(c.Obligations, Obligation{Duty: duty})
}

// ApplicationFiled: the citizen applied for a document. An application for
// a full card or passport fulfils a pending duty to apply; a temporary card
// alone does not, as seed 002 requires the full card to be applied for the
// same day.
type ApplicationFiled struct {
	Document     domain.Document   `json:"document" fact:"required"`
	FiledOn      calendar.Date     `json:"filed_on" fact:"required,past"`
	Track        domain.Track      `json:"track" fact:"required"`
	FilingOffice domain.OfficeKind `json:"filing_office" fact:"required"`
	PickupOffice domain.OfficeKind `json:"pickup_office,omitempty"`
	ApplicantAge *int              `json:"applicant_age,omitempty"`
}

func (e *ApplicationFiled) check(c *Case, _ Context, chk *check) {
	oneOf(chk, "document", e.Document, domain.IDCard, domain.IDCardChip, domain.IDCardTemporary, domain.Passport)
	oneOf(chk, "track", e.Track, domain.Standard, domain.FiveWorkingDays, domain.TwentyFourHours, domain.EmbassyTrack)
	offices := []domain.OfficeKind{domain.MunicipalOffice, domain.RegistryOffice, domain.Embassy, domain.Ministry}
	oneOf(chk, "filing_office", e.FilingOffice, offices...)
	oneOf(chk, "pickup_office", e.PickupOffice, offices...)
	if e.ApplicantAge != nil && *e.ApplicantAge != e.FiledOn.YearsSince(c.Citizen.BirthDate) {
		chk.refuse("applicant_age", "is %d, but the citizen born %s was %d on %s",
			*e.ApplicantAge, c.Citizen.BirthDate, e.FiledOn.YearsSince(c.Citizen.BirthDate), e.FiledOn)
	}
	if c.applicationPending {
		chk.refuse("document", "an application is already pending on this case")
	}
}

func (e *ApplicationFiled) apply(c *Case) {
	if e.Document != domain.IDCardTemporary {
		if o := c.pending(rulebook.ObligationApplyForIDCard); o != nil {
			o.FulfilledOn = e.FiledOn
		}
	}
	c.applicationPending = true
}
