package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/gorilla/mux"

	"github.com/lhuta/lhuta/internal/caseport"
	"github.com/lhuta/lhuta/internal/credits"
)

// The fee department's unmatched credits (docs/LAW.md §9.1, shared variable
// symbols): statement credits no single case could be found for. They are
// read from the ledger of statement credits, which is primary data on the
// primary database, not a read model: a list shows every decision at once.

// listUnmatchedCredits answers GET /v1/unmatched-credits.
func (s *Server) listUnmatchedCredits(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := credits.Filter{Office: q.Get("office"), Status: credits.Status(q.Get("status")), After: q.Get("cursor")}
	// Every query takes min_position (API.md); the credits are the primary
	// database's, so it only waits for the read models like any other list.
	if !notKnownAt(w, r) || !s.waitMinPosition(w, r) {
		return
	}
	if !oneOf(w, "status", f.Status, credits.UnmatchedStatuses) {
		return
	}
	var ok bool
	if f.Limit, ok = limitParam(w, r); !ok {
		return
	}
	// A token bound to offices sees their credits only.
	if id := identity(r); id.Scope() != nil {
		if f.Office != "" && !id.Sees(f.Office) {
			s.writeList(w, r, []credits.Credit{}, "", nil)
			return
		}
		f.Offices = id.Scope()
	}
	page, err := caseport.Read(r.Context(), func() (list[credits.Credit], error) {
		items, next, err := s.credits.List(r.Context(), f)
		return list[credits.Credit]{items, next}, err
	})
	if errors.Is(err, credits.ErrBadCursor) {
		badRequest(w, "cursor", err.Error())
		return
	}
	s.writeList(w, r, page.items, page.next, err)
}

// assignedCredit answers an assignment: the credit and the PaymentReceived
// recorded for it.
type assignedCredit struct {
	credits.Credit
	Version  int64 `json:"version"`
	Position int64 `json:"position"`
}

// assignCredit answers POST /v1/unmatched-credits/{credit_id}/assign
// {"case_id", "variable_symbol"?}: the credit's PaymentReceived is recorded
// on the case, once; variable_symbol names the obligation it pays where the
// credit's own symbol names none of the case's (a credit without one).
func (s *Server) assignCredit(w http.ResponseWriter, r *http.Request) {
	var req struct {
		CaseID         string `json:"case_id"`
		VariableSymbol string `json:"variable_symbol"`
	}
	id, body, ok := creditCommand(w, r, &req, `{"case_id": string, "variable_symbol"?: string}`)
	if !ok {
		return
	}
	if u, err := uuid.Parse(req.CaseID); err != nil || u.String() != req.CaseID {
		badRequest(w, "case_id", "must be a case id (a UUID)")
		return
	}
	e, c, err := s.repo.AssignCredit(r.Context(), s.credits, id, req.CaseID, req.VariableSymbol, s.request(r, body), s.context(r))
	if !s.creditError(w, err) {
		return
	}
	s.metrics.accepted.WithLabelValues(e.Type).Inc()
	// A payment that settles a local-fee case schedules its retention, as
	// one recorded through POST /v1/cases/{id}/events does.
	if sch, ok, _ := s.scheduleRetentionAfter(r, req.CaseID); ok {
		e.Position = sch.Position
	}
	s.pipeline.Nudge()
	writeJSON(w, http.StatusCreated, assignedCredit{c, e.Version, e.Position})
}

// maxReturnReason bounds the reason of a refund, a sentence or two.
const maxReturnReason = 500

// returnCredit answers POST /v1/unmatched-credits/{credit_id}/return
// {"reason"}: the credit is marked for refund to the payer.
func (s *Server) returnCredit(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Reason string `json:"reason"`
	}
	id, _, ok := creditCommand(w, r, &req, `{"reason": string}`)
	if !ok {
		return
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if req.Reason == "" || !singleLine(req.Reason) || utf8.RuneCountInString(req.Reason) > maxReturnReason {
		badRequest(w, "reason", "must be one line of 1 to 500 characters saying why the money goes back")
		return
	}
	c, err := s.credits.Get(r.Context(), id)
	if err == nil && !identity(r).Sees(c.Office) {
		err = credits.ErrNotFound
	}
	if err == nil {
		c, err = s.credits.Return(r.Context(), id, req.Reason, identity(r).Name, time.Now())
	}
	if !s.creditError(w, err) {
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// creditID is the {credit_id} of the route; an id that is no UUID is no
// credit's (404), and never reaches the database.
func creditID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := mux.Vars(r)["credit_id"]
	if u, err := uuid.Parse(id); err != nil || u.String() != id {
		writeProblem(w, Problem{Type: "/problems/not-found", Status: http.StatusNotFound, Detail: "no such unmatched credit"})
		return "", false
	}
	return id, true
}

// creditCommand reads a command on an unmatched credit: the route's credit
// id, then the body into req (of that shape), answering 404 or 400 itself.
func creditCommand(w http.ResponseWriter, r *http.Request, req any, shape string) (id string, body []byte, ok bool) {
	if id, ok = creditID(w, r); !ok {
		return "", nil, false
	}
	body, ok = decodeStrict(w, r, req, shape)
	return id, body, ok
}

// decodeStrict reads a small JSON object with exactly the fields of v,
// answering 400 itself otherwise.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any, shape string) ([]byte, bool) {
	body, ok := readBody(w, r)
	if !ok {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		badRequest(w, envelopeField(err), "must be "+shape+": "+err.Error())
		return nil, false
	}
	return body, true
}

// creditError answers the errors of the unmatched credits' commands, and
// reports whether there was none.
func (s *Server) creditError(w http.ResponseWriter, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, credits.ErrNotFound):
		writeProblem(w, Problem{Type: "/problems/not-found", Status: http.StatusNotFound, Detail: "no such unmatched credit"})
	case errors.Is(err, credits.ErrDecided):
		writeProblem(w, Problem{Type: "/problems/credit-decided", Title: "Credit decided already", Status: http.StatusConflict,
			Detail: err.Error()})
	default:
		writeError(w, s.log, err)
	}
	return false
}
