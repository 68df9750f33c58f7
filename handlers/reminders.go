package handlers

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/internal/reminders/listing"
)

// Reminders lists the e-mail reminders of a case or of a citizen's cases.
type Reminders interface {
	List(ctx context.Context, caseID, citizenID string) ([]listing.Item, error)
}

// listReminders answers GET /v1/reminders?case_id=|citizen_id= (clerk):
// the reminders planned, sent, cancelled and parked (docs/LAW.md §5.4).
func (s *Server) listReminders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	caseID, citizenID := q.Get("case_id"), q.Get("citizen_id")
	if (caseID == "") == (citizenID == "") {
		badRequest(w, "case_id", "give either case_id or citizen_id")
		return
	}
	if !s.waitMinPosition(w, r) {
		return
	}
	items := []listing.Item{}
	if s.reminders != nil {
		var err error
		if items, err = s.reminders.List(r.Context(), caseID, citizenID); err != nil {
			writeError(w, s.log, err)
			return
		}
	}
	// A clerk bound to offices sees their reminders only; another
	// office's case is not found, as everywhere.
	if id := identity(r); id.Scope() != nil {
		if caseID != "" {
			c, err := s.repo.Load(r.Context(), caseID)
			if err == nil && !id.Sees(c.Office) {
				err = fmt.Errorf("case %s: %w", caseID, cases.ErrNotFound)
			}
			if err != nil {
				writeError(w, s.log, err)
				return
			}
		}
		items = slices.DeleteFunc(items, func(it listing.Item) bool { return !id.Sees(it.Office) })
	}
	s.audit(r, caseIDs(items, func(it listing.Item) string { return it.CaseID })...)
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": ""})
}
