package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/internal/caseport"
	"github.com/lhuta/lhuta/projections/views"
)

// maxBody bounds a request body; a case event is a few hundred bytes.
const maxBody = 1 << 20

func (s *Server) context(r *http.Request) cases.Context {
	id := identity(r)
	return cases.Context{Today: s.today(), Actor: id.Name, Role: id.Role, Scope: id.Scope(), LossReportThreshold: s.lossReportThreshold,
		Offices: s.offices, KnownOffices: s.knownOffices}
}

// request describes who sends a write and under which request. With an
// Idempotency-Key the request is recorded at most once, and the key is bound
// to a digest of the method, the route's template, the case id and the body.
func (s *Server) request(r *http.Request, body []byte) caseport.Request {
	route := ""
	if cur := mux.CurrentRoute(r); cur != nil {
		route, _ = cur.GetPathTemplate()
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", r.Method, route, mux.Vars(r)["id"])
	h.Write(body)
	return caseport.Request{Actor: identity(r).Name, Key: r.Header.Get("Idempotency-Key"),
		RequestHash: hex.EncodeToString(h.Sum(nil)), CorrelationID: correlationID(r), RecordedAt: time.Now()}
}

// readBody returns the body of a write request, answering itself if it is
// not UTF-8 JSON of at most maxBody bytes read in time, or its
// Idempotency-Key is not 1–200 visible ASCII characters.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if key, given := r.Header.Get("Idempotency-Key"), len(r.Header.Values("Idempotency-Key")) > 0; given && !visibleASCII(key, maxKey) {
		badRequest(w, "Idempotency-Key", "must be 1 to 200 visible ASCII characters (a UUID is fine)")
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeProblem(w, Problem{Type: "/problems/too-large", Status: http.StatusRequestEntityTooLarge,
			Detail: "the body is larger than 1 MiB", Errors: []cases.FieldError{{Field: "body", Message: "must be at most 1 MiB"}}})
		return nil, false
	case err != nil:
		badRequest(w, "body", "could not be read in time")
		return nil, false
	case !json.Valid(body):
		badRequest(w, "body", "is not well-formed JSON")
		return nil, false
	case !utf8.Valid(body):
		badRequest(w, invalidUTF8Field(body, ""), "is not valid UTF-8")
		return nil, false
	}
	return body, true
}

// invalidUTF8Field names the first field of a JSON document whose key or
// value holds bytes that are not UTF-8 ("citizen.full_name"), or "body".
func invalidUTF8Field(doc []byte, prefix string) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(doc, &fields) != nil {
		if prefix == "" {
			return "body"
		}
		return strings.TrimSuffix(prefix, ".")
	}
	for name, raw := range fields {
		if !utf8.Valid(raw) {
			return invalidUTF8Field(raw, prefix+name+".")
		}
	}
	// The values are UTF-8, so a key was not: decoding replaced its bytes with U+FFFD.
	for name := range fields {
		if strings.ContainsRune(name, utf8.RuneError) {
			return prefix + name
		}
	}
	if prefix == "" {
		return "body"
	}
	return strings.TrimSuffix(prefix, ".")
}

// maxKey bounds an Idempotency-Key; a UUID is 36 characters.
const maxKey = 200

// maxType bounds an event type; the longest is 24 characters.
const maxType = 64

type written struct {
	ID string `json:"id,omitempty"`
	// Reference is the new case's <office>/<year>/<sequence>.
	Reference string `json:"reference,omitempty"`
	Version   int64  `json:"version"`
	Position  int64  `json:"position"`
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
	e, err := s.repo.Create(r.Context(), opened, s.request(r, body))
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	s.pipeline.Nudge()
	s.metrics.accepted.WithLabelValues(string(cases.CaseOpenedType)).Inc()
	w.Header().Set("Location", "/v1/cases/"+e.StreamID)
	var recorded cases.CaseOpened
	if err := json.Unmarshal(e.Data, &recorded); err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusCreated, written{ID: e.StreamID, Reference: recorded.Reference, Version: e.Version, Position: e.Position})
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
	case !visibleASCII(req.Type, maxType):
		badRequest(w, "type", "is not an event type (see /v1/openapi.json)")
		return
	case len(req.Data) == 0 || string(req.Data) == "null":
		badRequest(w, "data", "is required")
		return
	case req.ExpectedVersion != nil && *req.ExpectedVersion < 0:
		badRequest(w, "expected_version", "must be the case's current version, a whole number of 0 or more (leave it out to record on any version)")
		return
	}
	expected := caseport.Any
	if req.ExpectedVersion != nil {
		expected = *req.ExpectedVersion
	}
	ctx := s.context(r)
	e, err := s.repo.Update(r.Context(), mux.Vars(r)["id"], expected, s.request(r, body), func(c *cases.Case) (cases.Recorded, error) {
		return c.Record(cases.EventType(req.Type), req.Data, ctx)
	})
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	s.metrics.accepted.WithLabelValues(e.Type).Inc()
	// The fact may close or settle the case: its retention is scheduled at once.
	if se, ok, _ := s.scheduleRetentionAfter(r, mux.Vars(r)["id"]); ok {
		e.Position = se.Position
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

// knownAtParam reads the optional known_at query parameter (docs/LAW.md §3,
// two kinds of time): an RFC 3339 instant, or a date meaning the end of that
// day in Europe/Prague. It answers 400 itself if it is neither.
func knownAtParam(w http.ResponseWriter, r *http.Request) (t time.Time, given, ok bool) {
	raw := r.URL.Query().Get("known_at")
	if raw == "" {
		return time.Time{}, false, true
	}
	if d, err := calendar.ParseDate(raw); err == nil {
		next := d.AddDays(1)
		return time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, calendar.Prague).Add(-time.Nanosecond), true, true
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		badRequest(w, "known_at", "must be an RFC 3339 instant (2026-03-01T12:00:00+01:00) or a date YYYY-MM-DD (the end of that day in Europe/Prague)")
		return time.Time{}, false, false
	}
	return t, true, true
}

// asOfKnownAt reads as_of and known_at. Without as_of, a case known at an
// instant is shown as of the Europe/Prague day of that instant, the office's
// today then, but never later than the service's today (a fixed clock).
func (s *Server) asOfKnownAt(w http.ResponseWriter, r *http.Request) (asOf calendar.Date, knownAt time.Time, known, ok bool) {
	knownAt, known, ok = knownAtParam(w, r)
	if !ok {
		return
	}
	def := s.today()
	if d := calendar.Today(knownAt); known && d.Before(def) {
		def = d
	}
	asOf, ok = dateParam(w, r, "as_of", def)
	return
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) {
	asOf, knownAt, known, ok := s.asOfKnownAt(w, r)
	if !ok || !s.waitMinPosition(w, r) {
		return
	}
	v, err := caseport.Read(r.Context(), func() (views.CaseView, error) {
		if known {
			// As the office knew it at known_at: the events recorded by
			// then, through the one fold, never the read model of today.
			c, err := s.repo.LoadKnownAt(r.Context(), mux.Vars(r)["id"], knownAt)
			if err != nil {
				return views.CaseView{}, err
			}
			return views.ViewOf(c, asOf, s.offices)
		}
		return s.reader.Case(r.Context(), mux.Vars(r)["id"], asOf)
	})
	if err == nil && !identity(r).Sees(v.Office) {
		err = cases.ErrNotFound // another office's case is not there for this token, not forbidden
	}
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	s.audit(r, v.ID)
	writeJSON(w, http.StatusOK, v)
}

// audit logs that a caller read a citizen's personal data (a case or its
// history, or the cases a list names): who, which case, through which
// route, under which request id; each case once a call.
// LevelAudit is the level of the audit log's lines: above every level a
// log can be set to (LHUTA_LOG_LEVEL error included), so that no setting
// silences the record of who read whose personal data.
const LevelAudit = slog.LevelError + 4

func (s *Server) audit(r *http.Request, caseIDs ...string) {
	route := ""
	if cur := mux.CurrentRoute(r); cur != nil {
		route, _ = cur.GetPathTemplate()
	}
	id := identity(r)
	seen := make(map[string]bool, len(caseIDs))
	read := make([]string, 0, len(caseIDs))
	for _, c := range caseIDs {
		if seen[c] {
			continue
		}
		seen[c] = true
		read = append(read, c)
		s.log.Log(r.Context(), LevelAudit, "personal data read", "audit", true, "actor", id.Name, "role", string(id.Role), "case_id", c,
			"route", route, "request_id", correlationID(r))
	}
	s.recordReads(r, id, read, route)
}

// caseIDs is the case of each item, for audit.
func caseIDs[T any](items []T, caseOf func(T) string) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = caseOf(it)
	}
	return ids
}

// getEvents answers from the event store itself: the history is the source
// of truth and is never behind, so min_position is accepted but has nothing to wait for.
func (s *Server) getEvents(w http.ResponseWriter, r *http.Request) {
	knownAt, known, ok := knownAtParam(w, r)
	if !ok {
		return
	}
	var (
		events []caseport.Event
		err    error
	)
	if known {
		events, err = s.repo.KnownAt(r.Context(), mux.Vars(r)["id"], knownAt)
	} else {
		events, err = s.repo.Events(r.Context(), mux.Vars(r)["id"])
	}
	if err == nil && !s.seesStream(r, events) {
		err = cases.ErrNotFound
	}
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	// The history answers every event in the current shape of its type, as
	// the fold reads it: one schema per type, whenever it was recorded.
	for i := range events {
		if events[i].Data, err = cases.Upcast(cases.EventType(events[i].Type), events[i].Data); err != nil {
			writeError(w, s.log, err)
			return
		}
	}
	s.audit(r, mux.Vars(r)["id"])
	writeJSON(w, http.StatusOK, map[string]any{"items": events})
}
