package handlers

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/internal/caseport"
	"github.com/lhuta/lhuta/projections/views"
)

// citizenCases answers GET /v1/citizens/{citizen_id}/cases: the cases
// opened for one citizen (the citizen.id they were opened with), oldest
// first, for finding a citizen at the counter. Each case listed is logged
// as a personal-data read, as a case read is.
func (s *Server) citizenCases(w http.ResponseWriter, r *http.Request) {
	if !notKnownAt(w, r) || !s.waitMinPosition(w, r) {
		return
	}
	citizen := cases.NormalizeCitizenID(mux.Vars(r)["citizen_id"])
	items, err := caseport.Read(r.Context(), func() ([]views.CitizenCase, error) {
		return s.reader.CitizenCases(r.Context(), citizen, s.today(), scope(r))
	})
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	s.audit(r, caseIDs(items, func(it views.CitizenCase) string { return it.CaseID })...)
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}
