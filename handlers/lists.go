package handlers

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/internal/caseport"
	"github.com/lhuta/lhuta/projections/views"
)

const (
	defaultLimit = 50
	maxLimit     = 500
)

func (s *Server) listObligations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := views.ObligationFilter{
		Scope:     scope(r),
		Status:    cases.Status(q.Get("status")),
		Office:    q.Get("office"),
		Situation: q.Get("situation"),
		After:     q.Get("cursor"),
	}
	var ok bool
	if f.AsOf, ok = s.asOfParam(w, r); !ok {
		return
	}
	if f.DueFrom, ok = dateParam(w, r, "due_from", calendar.Date{}); !ok {
		return
	}
	if f.DueTo, ok = dateParam(w, r, "due_to", calendar.Date{}); !ok {
		return
	}
	if !oneOf(w, "status", f.Status, cases.Statuses) {
		return
	}
	if f.Sort, f.Limit, ok = s.pageParams(w, r, datedSorts); !ok {
		return
	}
	serveFiltered(s, w, r, &f, &f.After, &f.Limit, s.reader.Obligations, nil)
}

func (s *Server) listFlags(w http.ResponseWriter, r *http.Request) {
	statusList(s, w, r, views.FlagStatuses, undatedSorts, s.reader.Flags)
}

func (s *Server) listSLA(w http.ResponseWriter, r *http.Request) {
	statusList(s, w, r, views.SLAStatuses, datedSorts, func(ctx context.Context, f views.FlagFilter) ([]views.SLAItem, string, error) {
		return s.reader.SLA(ctx, views.SLAFilter(f))
	})
}

// statusList serves a list as of a day filtered by status (one of
// statuses) and office: the flags' or the office deadlines', whose
// filters are alike.
func statusList[T any](s *Server, w http.ResponseWriter, r *http.Request, statuses []string, sorts []views.Sort,
	read func(context.Context, views.FlagFilter) ([]T, string, error)) {
	q := r.URL.Query()
	f := views.FlagFilter{Scope: scope(r), Status: q.Get("status"), Office: q.Get("office"), After: q.Get("cursor")}
	var ok bool
	if f.AsOf, ok = s.asOfParam(w, r); !ok {
		return
	}
	if !oneOf(w, "status", f.Status, statuses) {
		return
	}
	if f.Sort, f.Limit, ok = s.pageParams(w, r, sorts); !ok {
		return
	}
	serveFiltered(s, w, r, &f, &f.After, &f.Limit, read, nil)
}

// serveFiltered serves a list that read reads with the filter f, whose
// cursor and limit (after and limit, fields of f) it sets for each page.
func serveFiltered[F, T any](s *Server, w http.ResponseWriter, r *http.Request, f *F, after *string, limit *int,
	read func(context.Context, F) ([]T, string, error), seen func([]T)) {
	serveList(s, w, r, *after, *limit, func(ctx context.Context, a string, l int) ([]T, string, error) {
		*after, *limit = a, l
		return read(ctx, *f)
	}, seen)
}

// asOfParam reads ?as_of= (today if absent) of a list, which takes no
// known_at; it answers 400 itself and returns false for either.
func (s *Server) asOfParam(w http.ResponseWriter, r *http.Request) (calendar.Date, bool) {
	d, ok := dateParam(w, r, "as_of", s.today())
	return d, ok && notKnownAt(w, r)
}

// pageParams reads a list's ?sort= (one of sorts) and ?limit=, then waits
// for ?min_position=; it answers itself and returns false when one is
// wrong or the wait fails.
func (s *Server) pageParams(w http.ResponseWriter, r *http.Request, sorts []views.Sort) (views.Sort, int, bool) {
	sort, ok := sortParam(w, r, sorts)
	if !ok {
		return "", 0, false
	}
	limit, ok := limitParam(w, r)
	if !ok || !s.waitMinPosition(w, r) {
		return "", 0, false
	}
	return sort, limit, true
}

// oneOf reports whether a parameter's value is "" (not given) or one of
// allowed, answering 400 naming them otherwise.
func oneOf[T ~string](w http.ResponseWriter, field string, value T, allowed []T) bool {
	if value == "" || slices.Contains(allowed, value) {
		return true
	}
	badRequest(w, field, "must be one of "+joined(allowed))
	return false
}

// joined lists values for an error message.
func joined[T ~string](values []T) string {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}

// notKnownAt refuses known_at on a list, answering 400 itself: the read
// models behind the lists hold what is known now, and a list that ignored
// known_at would pass today's knowledge off as the past's (docs/decisions.md).
func notKnownAt(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Query().Has("known_at") {
		badRequest(w, "known_at", "is answered per case (GET /v1/cases/{id}?known_at=…); lists show what is known now")
		return false
	}
	return true
}

// list is one page of a list query.
type list[T any] struct {
	items []T
	next  string
}

// limitParam reads the page size, answering 400 itself if it is not 1…maxLimit.
func limitParam(w http.ResponseWriter, r *http.Request) (int, bool) {
	raw := r.URL.Query().Get("limit")
	if raw == "" {
		return defaultLimit, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxLimit {
		badRequest(w, "limit", "must be a whole number from 1 to "+strconv.Itoa(maxLimit))
		return 0, false
	}
	return n, true
}

func (s *Server) writeList(w http.ResponseWriter, r *http.Request, items any, next string, err error) {
	switch {
	case errors.Is(err, views.ErrBadCursor):
		badRequest(w, "cursor", err.Error())
	case err != nil:
		writeError(w, s.log, err)
	case wantsCSV(r):
		writeCSV(w, r, items, next)
	default:
		writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": next})
	}
}

func (s *Server) stats(w http.ResponseWriter, r *http.Request) {
	today := s.today()
	f := views.StatsFilter{Office: r.URL.Query().Get("office")}
	var ok bool
	if f.From, ok = dateParam(w, r, "from", calendar.NewDate(today.Year(), time.January, 1)); !ok {
		return
	}
	if f.To, ok = dateParam(w, r, "to", today); !ok {
		return
	}
	if f.To.Before(f.From) {
		badRequest(w, "to", "is before from")
		return
	}
	if !s.waitMinPosition(w, r) {
		return
	}
	var inScope bool
	// Another office's figures: none for this token, as for an office with no cases.
	f.Offices, inScope = statsOffices(r, f.Office)
	f.Nothing = !inScope
	st, err := caseport.Read(r.Context(), func() (views.Stats, error) { return s.reader.Stats(r.Context(), f) })
	if err == nil {
		st.Payments, err = caseport.Read(r.Context(), func() (views.PaymentTotals, error) {
			return s.reader.PaymentTotals(r.Context(), f, r.URL.Query().Has("min_position"))
		})
	}
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	if wantsCSV(r) {
		writeStatsCSV(w, r, st)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
