package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/mux"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
)

// maxBody bounds a request body; a case event is a few hundred bytes.
const maxBody = 1 << 20

func (s *Server) context(r *http.Request) cases.Context {
	id := identity(r)
	return cases.Context{Today: s.today(), Actor: id.Name, Role: id.Role, LossReportThreshold: s.lossReportThreshold}
}

// metadata describes who records a request's event; with an
// Idempotency-Key the request is recorded at most once.
func (s *Server) metadata(r *http.Request) eventstore.Metadata {
	actor := identity(r).Name
	meta := eventstore.Metadata{RecordedBy: actor, CorrelationID: r.Header.Get("X-Request-ID")}
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		meta = eventstore.IdempotentCorrelation(actor, key)
	}
	if meta.CorrelationID == "" {
		meta.CorrelationID = uuid.NewString()
	}
	meta.RecordedAt = time.Now()
	return meta
}

// readBody returns the body of a write request, answering 400 itself if it
// is not JSON or its Idempotency-Key is too long.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if len(r.Header.Get("Idempotency-Key")) > maxKey {
		badRequest(w, "Idempotency-Key", "must be at most 200 characters")
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		badRequest(w, "body", "could not be read (at most 1 MiB)")
		return nil, false
	}
	if !json.Valid(body) {
		badRequest(w, "body", "is not well-formed JSON")
		return nil, false
	}
	return body, true
}

// maxKey bounds an Idempotency-Key; a UUID is 36 characters.
const maxKey = 200

type written struct {
	ID       string `json:"id,omitempty"`
	Version  int64  `json:"version"`
	Position int64  `json:"position"`
}

func (s *Server) openCase(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	opened, err := cases.Open(body, s.context(r))
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	e, err := s.repo.Create(r.Context(), opened, s.metadata(r))
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	s.pipeline.Nudge()
	w.Header().Set("Location", "/v1/cases/"+e.StreamID)
	writeJSON(w, http.StatusCreated, written{ID: e.StreamID, Version: e.Version, Position: e.Position})
}

// eventRequest is the body of POST /v1/cases/{id}/events.
type eventRequest struct {
	Type            string          `json:"type"`
	Data            json.RawMessage `json:"data"`
	ExpectedVersion *int64          `json:"expected_version"`
}

func (s *Server) recordEvent(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var req eventRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		badRequest(w, envelopeField(err), "must be {\"type\": string, \"data\": object, \"expected_version\": number (optional)}: "+err.Error())
		return
	}
	switch {
	case req.Type == "":
		badRequest(w, "type", "is required")
		return
	case len(req.Data) == 0 || string(req.Data) == "null":
		badRequest(w, "data", "is required")
		return
	}
	expected := eventstore.Any
	if req.ExpectedVersion != nil {
		expected = *req.ExpectedVersion
	}
	ctx := s.context(r)
	e, err := s.repo.Update(r.Context(), mux.Vars(r)["id"], expected, s.metadata(r), func(c *cases.Case) (cases.Recorded, error) {
		return c.Record(req.Type, req.Data, ctx)
	})
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	s.pipeline.Nudge()
	writeJSON(w, http.StatusCreated, written{Version: e.Version, Position: e.Position})
}

// envelopeField names the envelope field a decoding error is about.
func envelopeField(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return typeErr.Field
	}
	return "body"
}

// waitMinPosition makes a query wait until the read models include
// min_position; it answers the request itself and returns false if it cannot.
func (s *Server) waitMinPosition(w http.ResponseWriter, r *http.Request) bool {
	raw := r.URL.Query().Get("min_position")
	if raw == "" {
		return true
	}
	pos, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || pos < 0 {
		badRequest(w, "min_position", "must be a non-negative whole number (a position returned by a write)")
		return false
	}
	if err := s.pipeline.WaitFor(r.Context(), pos, s.MinPositionWait); err != nil {
		writeError(w, s.log, err)
		return false
	}
	return true
}

// dateParam reads an optional date query parameter, answering 400 itself if it is not a date.
func dateParam(w http.ResponseWriter, r *http.Request, name string, def calendar.Date) (calendar.Date, bool) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, true
	}
	d, err := calendar.ParseDate(raw)
	if err != nil {
		badRequest(w, name, err.Error())
		return d, false
	}
	return d, true
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) {
	asOf, ok := dateParam(w, r, "as_of", s.today())
	if !ok || !s.waitMinPosition(w, r) {
		return
	}
	v, err := s.reader.Case(r.Context(), mux.Vars(r)["id"], asOf)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

type historyItem struct {
	Type       string          `json:"type"`
	Data       json.RawMessage `json:"data"`
	Version    int64           `json:"version"`
	Position   int64           `json:"position"`
	RecordedAt time.Time       `json:"recorded_at"`
	RecordedBy string          `json:"recorded_by"`
}

// getEvents answers from the event store itself: the history is the source
// of truth and is never behind, so min_position is accepted but has nothing to wait for.
func (s *Server) getEvents(w http.ResponseWriter, r *http.Request) {
	events, err := s.repo.Events(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	items := make([]historyItem, len(events))
	for i, e := range events {
		items[i] = historyItem{e.Type, e.Data, e.Version, e.Position, e.RecordedAt, e.RecordedBy}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}
