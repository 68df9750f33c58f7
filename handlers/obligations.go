package handlers

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/projections"
)

const (
	defaultLimit = 50
	maxLimit     = 500
)

func (s *Server) listObligations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := projections.ObligationFilter{
		Status:    cases.Status(q.Get("status")),
		Office:    q.Get("office"),
		Situation: q.Get("situation"),
		After:     q.Get("cursor"),
		Limit:     defaultLimit,
	}
	var ok bool
	if f.AsOf, ok = dateParam(w, r, "as_of", s.today()); !ok {
		return
	}
	if f.DueFrom, ok = dateParam(w, r, "due_from", calendar.Date{}); !ok {
		return
	}
	if f.DueTo, ok = dateParam(w, r, "due_to", calendar.Date{}); !ok {
		return
	}
	if f.Status != "" && !slices.Contains(cases.Statuses, f.Status) {
		badRequest(w, "status", "must be one of open, overdue, met, met_late, excused")
		return
	}
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxLimit {
			badRequest(w, "limit", "must be a whole number from 1 to "+strconv.Itoa(maxLimit))
			return
		}
		f.Limit = n
	}
	if !s.waitMinPosition(w, r) {
		return
	}
	items, next, err := s.reader.Obligations(r.Context(), f)
	if err == projections.ErrBadCursor {
		badRequest(w, "cursor", err.Error())
		return
	}
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": next})
}
