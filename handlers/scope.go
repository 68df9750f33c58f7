package handlers

import (
	"net/http"
	"slices"
	"strings"

	"github.com/lhuta/lhuta/internal/caseport"
)

// Office scope applies to reads (docs/API.md, "Office scope"): a token
// bound to offices finds only their cases. Another office's case is
// answered as missing (404), never as forbidden: a 403 would tell that the
// case exists. Lists keep the rows of the token's offices.

// scope returns the offices the caller may see, nil for every office.
func scope(r *http.Request) []string { return identity(r).Scope() }

// seesStream reports whether the caller may see a case from its history:
// its office is in the CaseOpened.
func (s *Server) seesStream(r *http.Request, events []caseport.Event) bool {
	if scope(r) == nil {
		return true
	}
	office, ok := caseport.Office(events)
	return ok && identity(r).Sees(office)
}

// statsOffices narrows the stats' office to the caller's scope: ok is false
// where the office asked for is out of scope (the figures are empty).
func statsOffices(r *http.Request, office string) (offices string, ok bool) {
	sc := scope(r)
	switch {
	case sc == nil:
		return "", true
	case office != "":
		return "", slices.Contains(sc, office)
	}
	sorted := slices.Clone(sc)
	slices.Sort(sorted)
	return strings.Join(sorted, ","), true
}
