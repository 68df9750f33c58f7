package fees

// Reason is why a citizen applies for a new identity card; on the standard
// track it decides the fee for a card without chip (seeds 002, 003).
type Reason string

// Reasons for a new identity card. The first five match the kinds of an
// IncidentReported event (docs/LAW.md §5.1).
const (
	ReasonLost                     Reason = "lost"
	ReasonStolen                   Reason = "stolen"
	ReasonDamaged                  Reason = "damaged"
	ReasonDestroyed                Reason = "destroyed"
	ReasonCertificateMisuse        Reason = "certificate_misuse"         // the chip's certificate was at risk of misuse
	ReasonExpiry                   Reason = "expiry"                     // the old card expires within 6 months, or has expired
	ReasonOwnRequest               Reason = "own_request"                // more than 6 months before the old card expires
	ReasonAcademicTitle            Reason = "academic_title"             // to add an academic title
	ReasonResidenceChange          Reason = "residence_change"           // change of permanent residence reported
	ReasonResidenceRecordCancelled Reason = "residence_record_cancelled" // the residence record was cancelled by decision
	ReasonMaritalStatusChange      Reason = "marital_status_change"
	ReasonNameChange               Reason = "name_change"
	ReasonFirstCard                Reason = "first_card"  // on turning 15, or earlier on request
	ReasonNewCitizen               Reason = "new_citizen" // just after acquiring Czech citizenship
	ReasonVoting                   Reason = "voting"      // a temporary card to vote in an election
)

// Valid reports whether r is one of the known reasons.
func (r Reason) Valid() bool {
	_, ok := reasonRules[r]
	return ok
}

// notOffered marks a kind of card the seeds do not issue for a reason.
const notOffered = -1

// notStated marks a fee the seeds do not state, so it is refused, never guessed.
const notStated = -2

// reasonRule is what a reason means for the fee.
type reasonRule struct {
	what string // why the card is issued, as a clerk says it
	// card is the fee for a card without chip for a citizen of 15 or more with
	// permanent residence in the Czech Republic, on the standard track;
	// notOffered or notStated where the seeds do not issue or do not price it.
	card int
	// temporary is the fee for a temporary card ("Blesk").
	temporary int
	source    string
}

// reasonRules gives each reason its fees (seeds 002, 003; docs/LAW.md §8).
var reasonRules = map[Reason]reasonRule{
	ReasonLost:                     {"the old card was lost", 100, 100, "seeds 002, 003"},
	ReasonStolen:                   {"the old card was stolen", 100, 100, "seeds 002, 003"},
	ReasonDamaged:                  {"the old card was damaged", 100, 100, "seeds 002, 003"},
	ReasonDestroyed:                {"the old card was destroyed", 100, 100, "seeds 002, 003"},
	ReasonCertificateMisuse:        {"the chip's certificate was at risk of misuse", 100, notOffered, "seed 002"},
	ReasonExpiry:                   {"the old card expires within 6 months", 0, notOffered, "seed 003"},
	ReasonOwnRequest:               {"the citizen asks for it more than 6 months before the old card expires", 200, notOffered, "seeds 002, 003"},
	ReasonAcademicTitle:            {"an academic title is added", 200, notOffered, "seeds 002, 003"},
	ReasonResidenceChange:          {"the permanent residence changed", 0, notOffered, "seed 003"},
	ReasonResidenceRecordCancelled: {"the permanent residence record was cancelled", 0, 100, "seed 003"},
	ReasonMaritalStatusChange:      {"the marital status changed", 0, notOffered, "seed 003"},
	ReasonNameChange:               {"the name changed", notStated, notOffered, "seed 003"},
	ReasonFirstCard:                {"it is the citizen's first card", 0, notOffered, "seed 003"},
	ReasonNewCitizen:               {"the citizen has just acquired Czech citizenship", 0, 100, "seed 003"},
	ReasonVoting:                   {"the citizen needs it to vote", notOffered, 0, "seeds 002, 003"},
}
