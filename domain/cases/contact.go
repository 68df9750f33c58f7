package cases

import (
	"net/mail"

	"github.com/lhuta/lhuta/domain/calendar"
)

// Consent to reminders by e-mail (docs/LAW.md §5.4); every situation takes them.
const (
	ContactConsentGivenType     EventType = "ContactConsentGiven"
	ContactConsentWithdrawnType EventType = "ContactConsentWithdrawn"
)

// contactEvents declares them (docs/events.md).
var contactEvents = []eventDecl{
	{typ: ContactConsentGivenType, label: "Souhlas se zasíláním připomínek e-mailem", new: newFact[ContactConsentGiven]},
	{typ: ContactConsentWithdrawnType, label: "Odvolání souhlasu se zasíláním připomínek", new: newFact[ContactConsentWithdrawn]},
}

// ContactConsentGiven: the citizen agreed, at the counter or in the portal,
// to be reminded by e-mail of their deadlines and payments (docs/LAW.md
// §5.4: a reminder is an office service, not law). The consent is the
// office's, as each office is its own controller of personal data: recorded
// on any of the citizen's cases, it holds for all their cases at that
// office, until a later ContactConsentWithdrawn or ContactConsentGiven
// with another address.
type ContactConsentGiven struct {
	Email string `json:"email" fact:"required,personal"`
}

// maxEmail is the longest address SMTP carries (RFC 5321 §4.5.3.1.3).
const maxEmail = 254

func (e *ContactConsentGiven) decide(_ *Case, _ Context, chk *check) {
	addr, err := mail.ParseAddress(e.Email)
	switch {
	case len(e.Email) > maxEmail:
		chk.bad("email", "is longer than %d characters", maxEmail)
	case err != nil || addr.Name != "" || addr.Address != e.Email:
		chk.bad("email", "%q is not a plain e-mail address (name@example.cz)", e.Email)
	}
}

// evolve changes nothing on the case: the consent is the citizen's at the
// office; the projection keeps it per office and citizen (consent_view).
func (e *ContactConsentGiven) evolve(*Case) {}

// ContactConsentWithdrawn: the citizen no longer wants reminders from this
// office; nothing more is sent to them from the moment it is recorded.
// Withdrawing where no consent was given is harmless and accepted.
type ContactConsentWithdrawn struct {
	// WithdrawnOn is the day the citizen withdrew it (default: today).
	WithdrawnOn calendar.Date `json:"withdrawn_on,omitzero" fact:"past,public"`
}

func (e *ContactConsentWithdrawn) decide(_ *Case, ctx Context, _ *check) {
	ctx.orToday(&e.WithdrawnOn)
}

func (e *ContactConsentWithdrawn) evolve(*Case) {}
