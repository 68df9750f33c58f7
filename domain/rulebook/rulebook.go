package rulebook

import (
	"errors"
	"fmt"

	"github.com/lhuta/lhuta/domain/calendar"
)

// Law identifies the identity-card act a rule comes from.
type Law string

// The identity-card acts the service knows (docs/LAW.md §4).
const (
	// Law328 is zákon 328/1999 Sb. o občanských průkazech, for facts before 2 August 2021.
	Law328 Law = "328/1999"
	// Law269 is zákon 269/2021 Sb. o občanských průkazech, for facts from 2 August 2021.
	Law269 Law = "269/2021"
)

// Law269EffectiveFrom is the first day of facts judged under zákon 269/2021 Sb.
var Law269EffectiveFrom = calendar.NewDate(2021, 8, 2)

// ErrUnknownLaw is returned by ForLaw for a law the service does not know.
var ErrUnknownLaw = errors.New("unknown law")

// Rulebook is the set of rules of one identity-card act. The zero Rulebook is
// that of zákon 328/1999 Sb., the older law; use For to choose by the fact.
type Rulebook struct {
	modern bool // zákon 269/2021 Sb.
}

// For returns the rulebook in force on the day of the triggering fact: zákon
// 328/1999 Sb. for facts before 2 August 2021, zákon 269/2021 Sb. from then.
func For(fact calendar.Date) Rulebook {
	return Rulebook{modern: !fact.Before(Law269EffectiveFrom)}
}

// ForLaw returns the rulebook of a law recorded earlier, so that a stored
// flag or obligation is judged by the law that produced it.
func ForLaw(law Law) (Rulebook, error) {
	switch law {
	case Law328:
		return Rulebook{}, nil
	case Law269:
		return Rulebook{modern: true}, nil
	}
	return Rulebook{}, fmt.Errorf("rulebook: %w %q (known: %s, %s)", ErrUnknownLaw, law, Law328, Law269)
}

// Law returns the act this rulebook applies.
func (r Rulebook) Law() Law {
	if r.modern {
		return Law269
	}
	return Law328
}

// Statute returns the act's citation as a clerk writes it, e.g. "zákon 328/1999 Sb.".
func (r Rulebook) Statute() string { return "zákon " + string(r.Law()) + " Sb." }
