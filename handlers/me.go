package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/internal/caseport"
	"github.com/lhuta/lhuta/internal/gdpr"
	"github.com/lhuta/lhuta/projections/views"
)

// CitizenPortal is the citizen's portal (package portal) as the API needs
// it: who a request of a citizen comes from, and the counter's issuing of
// their credentials (seed 000, docs/LAW.md §1).
type CitizenPortal interface {
	// Citizen returns the citizen whose portal session cookie or bearer
	// token the request carries; ok is false for anyone else.
	Citizen(r *http.Request) (citizenID string, ok bool, err error)
	// IssueAccess creates or replaces the citizen's counter credentials.
	IssueAccess(ctx context.Context, citizenID, issuedBy string) (username, password string, err error)
	// IssueActivation issues a one-time code that binds the citizen's
	// national identity (NIA) at their first sign-in with it.
	IssueActivation(ctx context.Context, citizenID, issuedBy string) (code string, expires time.Time, err error)
}

// Citizen is the role of a citizen signed in to the portal: the /v1/me*
// routes are theirs alone, and every other route refuses them.
const Citizen cases.Role = "citizen"

type citizenKey struct{}

func citizenOf(r *http.Request) string {
	id, _ := r.Context().Value(citizenKey{}).(string)
	return id
}

// allowCitizen wraps a /v1/me* route: a citizen's session or token reaches
// it, a staff token is refused (403), anything else is unauthenticated.
func (s *Server) allowCitizen(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			if id, staff := s.tokens.Load().lookup(strings.TrimSpace(token)); staff {
				writeProblem(w, Problem{Type: "/problems/forbidden", Status: http.StatusForbidden,
					Detail: "role " + string(id.Role) + " may not do this: /v1/me is the signed-in citizen's own"})
				return
			}
		}
		var (
			citizen string
			ok      bool
			err     error
		)
		if s.portal != nil {
			citizen, ok, err = s.portal.Citizen(r)
		}
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lhuta-citizen"`)
			writeProblem(w, Problem{Type: "/problems/unauthenticated", Status: http.StatusUnauthorized,
				Detail: "sign in to the citizen's portal (/obcan/) or send a bearer token issued to you there"})
			return
		}
		if caller, ok := r.Context().Value(callerKey{}).(*Identity); ok {
			caller.Role, caller.Name = Citizen, "citizen" // no citizen ids in the request log
		}
		h(w, r.WithContext(context.WithValue(r.Context(), citizenKey{}, citizen)))
	}
}

// staffOnly refuses a staff route (403) to a request that carries a
// citizen's portal session or token and no staff token.
func (s *Server) staffOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.portal != nil {
			if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); !ok || !strings.EqualFold(scheme, "Bearer") ||
				!s.knownToken(strings.TrimSpace(token)) {
				if _, citizen, err := s.portal.Citizen(r); err == nil && citizen {
					writeProblem(w, Problem{Type: "/problems/forbidden", Status: http.StatusForbidden,
						Detail: "a citizen's session reaches only /v1/me and the portal (/obcan/)"})
					return
				}
			}
		}
		h(w, r)
	}
}

func (s *Server) knownToken(token string) bool {
	_, ok := s.tokens.Load().lookup(token)
	return ok
}

// meView is GET /v1/me: who the signed-in citizen is to lhuta, and their cases.
type meView struct {
	CitizenID string              `json:"citizen_id"`
	FullName  string              `json:"full_name"`
	BirthDate calendar.Date       `json:"birth_date"`
	Cases     []views.CitizenCase `json:"cases"`
}

// myCases returns the citizen's cases as of today and the cases' views.
func (s *Server) myCases(r *http.Request, asOf calendar.Date) ([]views.CitizenCase, []views.CaseView, error) {
	list, err := caseport.Read(r.Context(), func() ([]views.CitizenCase, error) {
		return s.reader.CitizenCases(r.Context(), citizenOf(r), asOf, nil)
	})
	if err != nil {
		return nil, nil, err
	}
	caseViews := make([]views.CaseView, 0, len(list))
	for _, c := range list {
		v, err := caseport.Read(r.Context(), func() (views.CaseView, error) { return s.reader.Case(r.Context(), c.CaseID, asOf) })
		if err != nil {
			return nil, nil, err
		}
		caseViews = append(caseViews, v)
	}
	return list, caseViews, nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	if !s.waitMinPosition(w, r) {
		return
	}
	list, caseViews, err := s.myCases(r, s.today())
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, s.meOf(r, list, caseViews))
}

func (s *Server) meOf(r *http.Request, list []views.CitizenCase, caseViews []views.CaseView) meView {
	v := meView{CitizenID: citizenOf(r), Cases: list}
	if len(caseViews) > 0 {
		// The newest case holds what the office knew last.
		var c cases.Citizen
		if json.Unmarshal(caseViews[len(caseViews)-1].Citizen, &c) == nil {
			v.FullName, v.BirthDate = c.FullName, c.BirthDate
		}
	}
	return v
}

// myObligations answers GET /v1/me/obligations: every obligation of the
// citizen's cases as of as_of, soonest due first; the same items a clerk
// sees in each case (GET /v1/cases/{id}), without the office's internal
// fields.
func (s *Server) myObligations(w http.ResponseWriter, r *http.Request) {
	asOf, ok := dateParam(w, r, "as_of", s.today())
	if !ok || !s.waitMinPosition(w, r) {
		return
	}
	_, caseViews, err := s.myCases(r, asOf)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": obligationsOf(caseViews)})
}

func obligationsOf(caseViews []views.CaseView) []views.ObligationItem {
	items := []views.ObligationItem{}
	for _, v := range caseViews {
		for _, o := range v.Obligations {
			items = append(items, o.ObligationItem)
		}
	}
	slices.SortStableFunc(items, func(a, b views.ObligationItem) int {
		if n := a.DueOn.Compare(b.DueOn); n != 0 {
			return n
		}
		return strings.Compare(a.CaseID, b.CaseID)
	})
	return items
}

// myPayments answers GET /v1/me/payments: the citizen's payment
// obligations as of as_of with the payments received on each (docs/LAW.md §9).
func (s *Server) myPayments(w http.ResponseWriter, r *http.Request) {
	asOf, ok := dateParam(w, r, "as_of", s.today())
	if !ok || !s.waitMinPosition(w, r) {
		return
	}
	items, err := caseport.Read(r.Context(), func() ([]views.LedgerItem, error) {
		return s.reader.CitizenLedger(r.Context(), citizenOf(r), asOf)
	})
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// myPaymentQR answers GET /v1/me/payments/{payment_id}/qr.svg and qr.png:
// the QR Platba of one of the citizen's own payment obligations; another
// citizen's is not found (404), as an unknown one is.
func (s *Server) myPaymentQR(w http.ResponseWriter, r *http.Request) {
	caseID, _, _ := strings.Cut(mux.Vars(r)["payment_id"], ".")
	list, err := caseport.Read(r.Context(), func() ([]views.CitizenCase, error) {
		return s.reader.CitizenCases(r.Context(), citizenOf(r), s.today(), nil)
	})
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	if !slices.ContainsFunc(list, func(c views.CitizenCase) bool { return c.CaseID == caseID }) {
		writeProblem(w, Problem{Type: "/problems/not-found", Status: http.StatusNotFound, Detail: "no such payment obligation"})
		return
	}
	s.qrOf(w, r, false)
}

// documentFact is what one of the citizen's cases says about a document.
type documentFact struct {
	CaseID string `json:"case_id"`
	Office string `json:"office"`
	// Document is id_card, id_card_chip, passport, loss_certificate, …
	Document   string        `json:"document"`
	ValidUntil calendar.Date `json:"valid_until,omitzero"`
	Reason     string        `json:"reason,omitempty"`
	// Incident is lost, stolen, damaged or destroyed for an identity card
	// reported so (IncidentReported), with ReportedOn.
	Incident   string        `json:"incident,omitempty"`
	ReportedOn calendar.Date `json:"reported_on,omitzero"`
}

// StatePortal is the state's citizen portal, the authoritative source of a
// citizen's documents; lhuta knows only what its cases recorded.
const StatePortal = "https://obcan.portal.gov.cz"

// myDocuments answers GET /v1/me/documents: what the citizen's cases know
// about their documents: validity ends, and cards reported lost or stolen.
func (s *Server) myDocuments(w http.ResponseWriter, r *http.Request) {
	if !s.waitMinPosition(w, r) {
		return
	}
	items, err := s.documents(r)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "authoritative_source": StatePortal})
}

func (s *Server) documents(r *http.Request) ([]documentFact, error) {
	_, caseViews, err := s.myCases(r, s.today())
	if err != nil {
		return nil, err
	}
	items := []documentFact{}
	for _, v := range caseViews {
		var validity []cases.Validity
		if err := json.Unmarshal(v.Validity, &validity); err != nil {
			return nil, err
		}
		for _, d := range validity {
			items = append(items, documentFact{CaseID: v.ID, Office: v.Office, Document: d.Document, ValidUntil: d.ValidUntil, Reason: d.Reason})
		}
		if v.Situation != "id_card_incident" {
			continue
		}
		events, err := s.repo.Events(r.Context(), v.ID)
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			var inc cases.IncidentReported
			if e.Type == "IncidentReported" && json.Unmarshal(e.Data, &inc) == nil {
				items = append(items, documentFact{CaseID: v.ID, Office: v.Office, Document: "id_card", Incident: string(inc.Kind),
					ReportedOn: inc.ReportedOn})
			}
		}
	}
	return items, nil
}

// readItem is one read of the citizen's personal data by staff: when, the
// case, the reader's office and role; never the reader's name.
type readItem struct {
	ReadAt     time.Time `json:"read_at"`
	CaseID     string    `json:"case_id"`
	CaseOffice string    `json:"case_office"`
	// Office is the reader's office ("" for a token bound to none).
	Office string     `json:"office"`
	Role   cases.Role `json:"role"`
}

// maxReads bounds the reads GET /v1/me/reads lists: the latest ones.
const maxReads = 500

// myReads answers GET /v1/me/reads from the personal-data read audit.
func (s *Server) myReads(w http.ResponseWriter, r *http.Request) {
	items, err := s.reads(r)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) reads(r *http.Request) ([]readItem, error) {
	list, err := caseport.Read(r.Context(), func() ([]views.CitizenCase, error) {
		return s.reader.CitizenCases(r.Context(), citizenOf(r), s.today(), nil)
	})
	if err != nil || len(list) == 0 {
		return []readItem{}, err
	}
	offices := map[string]string{}
	args := make([]any, 0, len(list))
	marks := make([]string, 0, len(list))
	for i, c := range list {
		offices[c.CaseID] = c.Office
		args = append(args, c.CaseID)
		marks = append(marks, "$"+strconv.Itoa(i+1))
	}
	rows, err := s.db.QueryContext(r.Context(), `SELECT read_at, case_id, office, role FROM personal_data_reads
		WHERE case_id IN (`+strings.Join(marks, ", ")+`) ORDER BY read_at DESC, id DESC LIMIT `+strconv.Itoa(maxReads), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items := []readItem{}
	for rows.Next() {
		var it readItem
		var at int64
		if err := rows.Scan(&at, &it.CaseID, &it.Office, &it.Role); err != nil {
			return nil, err
		}
		it.ReadAt, it.CaseOffice = time.Unix(at, 0).UTC(), offices[it.CaseID]
		items = append(items, it)
	}
	return items, rows.Err()
}

// recordReads keeps the audit of personal-data reads in the table the
// portal reads it from (GET /v1/me/reads): a row a case, in one statement
// for a list's page (up to readsPerStatement). A failure to keep them is
// logged at LevelAudit beside the reads' own lines, so that the log still
// holds them.
func (s *Server) recordReads(r *http.Request, id Identity, caseIDs []string, route string) {
	at, office, req := time.Now().Unix(), strings.Join(id.Offices, ", "), correlationID(r)
	for chunk := range slices.Chunk(caseIDs, int(readsPerStatement.Load())) {
		var q strings.Builder
		q.WriteString(`INSERT INTO personal_data_reads (read_at, case_id, actor, role, office, route, request_id) VALUES `)
		args := make([]any, 0, 7*len(chunk))
		for i, c := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7)
			args = append(args, at, c, id.Name, string(id.Role), office, route, req)
		}
		if _, err := s.db.ExecContext(r.Context(), q.String(), args...); err != nil {
			for _, c := range chunk {
				s.log.Log(r.Context(), LevelAudit, "personal data read not stored", "audit", true, "case_id", c, "err", err)
			}
		}
	}
}

// readsPerStatement bounds one INSERT of reads (7 values a row, under
// SQLite's limit on a statement's parameters); tests lower it.
var readsPerStatement atomic.Int64

func init() { readsPerStatement.Store(500) }

// retentionNotConfigured is said where a retention rule would stand.
const retentionNotConfigured = gdpr.RetentionNotConfigured

// export is GET /v1/me/export (GDPR čl. 15): all that lhuta holds about
// the citizen.
type export struct {
	GeneratedAt time.Time                `json:"generated_at"`
	Subject     meView                   `json:"subject"`
	Purposes    []gdpr.Purpose           `json:"purposes"`
	Cases       []views.CaseView         `json:"cases"`
	Events      map[string][]exportEvent `json:"events"`
	Payments    []views.LedgerItem       `json:"payments"`
	Documents   []documentFact           `json:"documents"`
	Reads       []readItem               `json:"reads"`
	Retention   string                   `json:"retention"`
	// RetentionEnds are each case's retention end, once scheduled (docs/RETENTION.md).
	RetentionEnds []retentionEnd `json:"retention_ends"`
	Source        string         `json:"authoritative_source_of_documents"`
}

// retentionEnd is when a case's retention period ends, or why it is not known yet.
type retentionEnd struct {
	CaseID    string        `json:"case_id"`
	Reference string        `json:"reference"`
	EndsOn    calendar.Date `json:"ends_on,omitzero"`
	Mark      string        `json:"mark,omitempty"`
	Retention string        `json:"retention"`
}

// retentionOf reads a case's retention end from its RetentionScheduled, if recorded.
func retentionOf(caseID, reference string, events []caseport.Event) retentionEnd {
	end := retentionEnd{CaseID: caseID, Reference: reference, Retention: retentionNotConfigured}
	for _, e := range events {
		if e.Type != string(cases.RetentionScheduledType) {
			continue
		}
		var sch cases.RetentionScheduled
		if json.Unmarshal(e.Data, &sch) == nil {
			end.EndsOn, end.Mark = sch.EndsOn, string(sch.Mark)
			end.Retention = fmt.Sprintf("skartační znak %s, lhůta %d let od 1. ledna roku následujícího po %s: končí %s",
				sch.Mark, sch.Years, sch.TriggerOn.Czech(), sch.EndsOn.Czech())
		}
	}
	return end
}

// exportEvent is a recorded fact of a case, without the name of the staff
// member who recorded it.
type exportEvent struct {
	Type       string          `json:"type"`
	Data       json.RawMessage `json:"data"`
	RecordedAt time.Time       `json:"recorded_at"`
}

func (s *Server) myExport(w http.ResponseWriter, r *http.Request) {
	if !s.waitMinPosition(w, r) {
		return
	}
	today := s.today()
	list, caseViews, err := s.myCases(r, today)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	x := export{GeneratedAt: time.Now().UTC(), Subject: s.meOf(r, list, caseViews), Purposes: gdpr.Purposes, Cases: caseViews,
		Events: map[string][]exportEvent{}, Retention: retentionNotConfigured, RetentionEnds: []retentionEnd{}, Source: StatePortal}
	for _, v := range caseViews {
		events, err := s.repo.Events(r.Context(), v.ID)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		for _, e := range events {
			x.Events[v.ID] = append(x.Events[v.ID], exportEvent{e.Type, e.Data, e.RecordedAt})
		}
		end := retentionOf(v.ID, v.Reference, events)
		if !end.EndsOn.IsZero() {
			x.Retention = "retention ends per case: see retention_ends"
		}
		x.RetentionEnds = append(x.RetentionEnds, end)
	}
	if x.Payments, err = s.reader.CitizenLedger(r.Context(), citizenOf(r), today); err == nil {
		if x.Documents, err = s.documents(r); err == nil {
			x.Reads, err = s.reads(r)
		}
	}
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="lhuta-moje-data.json"`)
	writeJSON(w, http.StatusOK, x)
}

// portalAccess answers POST /v1/citizens/{citizen_id}/portal-access: the
// citizen's credentials for the portal, shown this once (seed 000: issued at
// the counter on an identity card). Re-issuing replaces the old ones.
func (s *Server) portalAccess(w http.ResponseWriter, r *http.Request) {
	s.issueAtCounter(w, r, func(ctx context.Context, citizen, clerk string) (any, error) {
		user, password, err := s.portal.IssueAccess(ctx, citizen, clerk)
		return map[string]string{"username": user, "password": password}, err
	})
}

// portalActivation issues a one-time activation code for the citizen's
// first sign-in with the national identity (NIA), shown once
// (POST /v1/citizens/{citizen_id}/portal-activation).
func (s *Server) portalActivation(w http.ResponseWriter, r *http.Request) {
	s.issueAtCounter(w, r, func(ctx context.Context, citizen, clerk string) (any, error) {
		code, expires, err := s.portal.IssueActivation(ctx, citizen, clerk)
		return map[string]string{"code": code, "expires_at": expires.UTC().Format(time.RFC3339)}, err
	})
}

// issueAtCounter answers a counter route that issues the citizen something
// shown once (201), issued by the clerk.
func (s *Server) issueAtCounter(w http.ResponseWriter, r *http.Request, issue func(ctx context.Context, citizen, clerk string) (any, error)) {
	citizen, ok := s.counterCitizen(w, r)
	if !ok {
		return
	}
	issued, err := issue(r.Context(), citizen, identity(r).Name)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusCreated, issued)
}

// counterCitizen is the citizen of a counter route, within the clerk's
// scope: one with a case (at the clerk's offices, for a token bound to them).
// Another office's citizen is not found, as an unknown one is.
func (s *Server) counterCitizen(w http.ResponseWriter, r *http.Request) (string, bool) {
	if s.portal == nil {
		writeProblem(w, Problem{Type: "/problems/not-found", Status: http.StatusNotFound, Detail: "the citizen's portal is not served here"})
		return "", false
	}
	citizen := cases.NormalizeCitizenID(mux.Vars(r)["citizen_id"])
	list, err := caseport.Read(r.Context(), func() ([]views.CitizenCase, error) {
		return s.reader.CitizenCases(r.Context(), citizen, s.today(), scope(r))
	})
	if err != nil {
		writeError(w, s.log, err)
		return "", false
	}
	if len(list) == 0 {
		writeProblem(w, Problem{Type: "/problems/not-found", Status: http.StatusNotFound, Detail: "no such citizen"})
		return "", false
	}
	return citizen, true
}
