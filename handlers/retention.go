package handlers

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/mux"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/internal/caseport"
	"github.com/lhuta/lhuta/projections/views"
)

// Retention, legal holds and disposals (docs/RETENTION.md). The office's
// rules decide when a case is scheduled (cases.Case.DueRetention): the
// service records RetentionScheduled right after the fact that closes or
// settles a case, and a disposal proposal first schedules the cases of its
// offices that lack one (those closed before the rules were given).

// scheduleRetention records the RetentionScheduled a case is due, if any,
// on behalf of the request that made it due. ok is false where nothing was due.
func (s *Server) scheduleRetention(ctx context.Context, r *http.Request, caseID string) (e caseport.Event, ok bool, err error) {
	req := caseport.Request{Actor: identity(r).Name, CorrelationID: correlationID(r), RecordedAt: time.Now()}
	return s.repo.ScheduleRetention(ctx, caseID, s.retention, s.today(), s.offices, req)
}

// scheduleRetentionAfter schedules a case's retention after a fact was
// recorded on it; a failure is logged, not answered: the fact is recorded,
// and the next disposal proposal schedules the case.
func (s *Server) scheduleRetentionAfter(r *http.Request, caseID string) (caseport.Event, bool, error) {
	e, ok, err := s.scheduleRetention(r.Context(), r, caseID)
	if err != nil {
		s.log.Warn("retention not scheduled; the next disposal proposal schedules it", "case_id", caseID, "err", err)
	}
	return e, ok, err
}

func (s *Server) listRetention(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := views.RetentionFilter{Scope: scope(r), Office: q.Get("office"), After: q.Get("cursor")}
	var ok bool
	if f.AsOf, ok = dateParam(w, r, "as_of", s.today()); !ok {
		return
	}
	if f.Limit, ok = limitParam(w, r); !ok || !s.waitMinPosition(w, r) {
		return
	}
	serveFiltered(s, w, r, &f, &f.After, &f.Limit, s.reader.Retention, nil)
}

// ErrRetained is what ForgetCitizen answers (errors.Is) when the citizen
// still has a case kept, which the approval's read of the read models did
// not see yet: the approval is refused with 409, nothing of the citizen is
// forgotten.
var ErrRetained = errors.New("the citizen still has a case kept")

// Disposal is a disposal proposal and, once approved, the archive's decision.
type Disposal struct {
	ID string `json:"id"`
	// Offices are the offices the proposal covers ("*": every office).
	Offices         []string       `json:"offices"`
	AsOf            calendar.Date  `json:"as_of"`
	Status          string         `json:"status"`
	ProposedBy      string         `json:"proposed_by"`
	ProposedAt      time.Time      `json:"proposed_at"`
	ArchiveDecision string         `json:"archive_decision,omitempty"`
	DecidedOn       calendar.Date  `json:"decided_on,omitzero"`
	ApprovedBy      string         `json:"approved_by,omitempty"`
	Items           []DisposalItem `json:"cases"`
	// Forgotten is how many citizens the approval forgot (in its answer only).
	Forgotten *int `json:"forgotten,omitempty"`
}

// DisposalItem is one case of a proposal, as the retention list shows it:
// its reference, never its citizen.
type DisposalItem struct {
	views.RetentionItem
	// Outcome is set by the approval: disposed, transferred (mark A, to the
	// archive) or skipped, with why (Skipped).
	Outcome string `json:"outcome,omitempty"`
	Skipped string `json:"skipped,omitempty"`
}

// Outcomes of a disposal's case.
const (
	outcomeDisposed    = "disposed"
	outcomeTransferred = "transferred"
	outcomeSkipped     = "skipped"
)

// proposalRequest is the body of POST /v1/disposals.
type proposalRequest struct {
	AsOf   *calendar.Date `json:"as_of"`
	Office string         `json:"office"`
}

func (s *Server) proposeDisposal(w http.ResponseWriter, r *http.Request) {
	var req proposalRequest
	body, ok := decodeStrict(w, r, &req, `{"as_of": "YYYY-MM-DD" (optional, today by default), "office": string (optional)}`)
	if !ok {
		return
	}
	id := identity(r)
	// A retry under the same Idempotency-Key answers the proposal it made.
	key := s.request(r, body)
	if key.Key != "" {
		d, found, err := s.disposalOfKey(r.Context(), r, key)
		if err != nil {
			s.writeDisposalError(w, err)
			return
		}
		if found {
			w.Header().Set("Location", "/v1/disposals/"+d.ID)
			writeJSON(w, http.StatusCreated, d)
			return
		}
	}
	asOf := s.today()
	if req.AsOf != nil {
		asOf = *req.AsOf
	}
	if asOf.After(s.today()) {
		writeError(w, s.log, &cases.RuleError{Errors: []cases.FieldError{{Field: "as_of", Message: fmt.Sprintf("%s is in the future", asOf)}}})
		return
	}
	offices := id.Scope()
	switch {
	case req.Office != "" && !id.Sees(req.Office):
		writeError(w, s.log, &cases.ForbiddenError{Reason: fmt.Sprintf("%s keeps the records of %s, not of %q", id.Name, strings.Join(offices, ", "), req.Office)})
		return
	case req.Office != "":
		offices = []string{req.Office}
	}
	// Cases closed (or settled) before the office's rules existed are scheduled first.
	ids, err := caseport.Read(r.Context(), func() ([]string, error) { return s.primary.Unscheduled(r.Context(), offices) })
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	var last int64
	for _, caseID := range ids {
		e, ok, err := s.scheduleRetention(r.Context(), r, caseID)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		if ok {
			last = max(last, e.Position)
		}
	}
	if last > 0 {
		s.pipeline.Nudge()
		if err := s.pipeline.WaitFor(r.Context(), last, s.MinPositionWait); err != nil {
			writeError(w, s.log, err)
			return
		}
	}
	// The primary's read models: the replica may not hold the schedules just recorded.
	listed, err := caseport.Read(r.Context(), func() ([]views.RetentionItem, error) {
		items, _, err := s.primary.Retention(r.Context(), views.RetentionFilter{Scope: offices, AsOf: asOf})
		return items, err
	})
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	d := Disposal{ID: uuid.NewString(), Offices: offices, AsOf: asOf, Status: "proposed", ProposedBy: id.Name,
		ProposedAt: time.Now().UTC().Truncate(time.Second), Items: []DisposalItem{}}
	if d.Offices == nil {
		d.Offices = []string{cases.AllOffices}
	}
	// The read model proposes; the case itself confirms.
	for _, it := range listed {
		c, err := s.repo.Load(r.Context(), it.CaseID)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		if !c.Disposable(asOf, s.offices) {
			continue
		}
		d.Items = append(d.Items, DisposalItem{RetentionItem: views.RetentionItem{CaseID: c.ID, Reference: c.Reference,
			Situation: string(c.Situation), Office: c.Office, Mark: string(c.Retention.Mark), Years: c.Retention.Years,
			Trigger: string(c.Retention.Trigger), TriggerOn: c.Retention.TriggerOn, EndsOn: c.Retention.EndsOn}})
	}
	if len(d.Items) == 0 {
		writeError(w, s.log, &cases.RuleError{Errors: []cases.FieldError{{Field: "as_of",
			Message: fmt.Sprintf("no case of %s has a retention period that ended before %s and no legal hold", strings.Join(d.Offices, ", "), asOf)}}})
		return
	}
	err = s.saveDisposal(r.Context(), d, key)
	if errors.Is(err, errKeyTaken) {
		// A concurrent request under the same key made its proposal first.
		var found bool
		if d, found, err = s.disposalOfKey(r.Context(), r, key); err == nil && !found {
			err = errKeyTaken
		}
	}
	if err != nil {
		s.writeDisposalError(w, err)
		return
	}
	w.Header().Set("Location", "/v1/disposals/"+d.ID)
	writeJSON(w, http.StatusCreated, d)
}

// errKeyTaken is an Idempotency-Key another request holds while it is valid.
var errKeyTaken = errors.New("the Idempotency-Key is held by another request")

// keyCutoff is the Unix second before which an Idempotency-Key was given
// too long ago to answer any more.
func (s *Server) keyCutoff() int64 { return time.Now().Add(-s.idempotencyTTL).Unix() }

// disposalOfKey returns the proposal a request under the same
// Idempotency-Key made, while the key is valid; the key on another request
// is caseport.ErrKeyReused.
func (s *Server) disposalOfKey(ctx context.Context, r *http.Request, req caseport.Request) (Disposal, bool, error) {
	var hash, id string
	err := s.db.QueryRowContext(ctx, `SELECT request_hash, disposal_id FROM disposal_requests WHERE actor = $1 AND idem_key = $2
		AND recorded_unix >= $3`, req.Actor, req.Key, s.keyCutoff()).Scan(&hash, &id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Disposal{}, false, nil
	case err != nil:
		return Disposal{}, false, err
	case hash != req.RequestHash:
		return Disposal{}, false, fmt.Errorf("%w: the key was first sent with another proposal", caseport.ErrKeyReused)
	}
	d, err := s.loadDisposal(ctx, r, id)
	return d, err == nil, err
}

// saveDisposal keeps a proposal and, with an Idempotency-Key, the key
// (errKeyTaken where another request holds it).
func (s *Server) saveDisposal(ctx context.Context, d Disposal, req caseport.Request) error {
	return inTx(ctx, s.db, func(tx *sql.Tx) error {
		if req.Key != "" {
			res, err := tx.ExecContext(ctx, `INSERT INTO disposal_requests (actor, idem_key, request_hash, disposal_id, recorded_unix)
				VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (actor, idem_key) DO UPDATE SET request_hash = excluded.request_hash, disposal_id = excluded.disposal_id,
					recorded_unix = excluded.recorded_unix WHERE disposal_requests.recorded_unix < $6`,
				req.Actor, req.Key, req.RequestHash, d.ID, time.Now().Unix(), s.keyCutoff())
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return cmp.Or(err, errKeyTaken)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO disposals (disposal_id, offices, as_of, proposed_by, proposed_at) VALUES ($1, $2, $3, $4, $5)`,
			d.ID, strings.Join(d.Offices, ","), d.AsOf.String(), d.ProposedBy, d.ProposedAt); err != nil {
			return err
		}
		for _, it := range d.Items {
			if _, err := tx.ExecContext(ctx, `INSERT INTO disposal_items (disposal_id, case_id, reference, situation, office, mark, years,
				rule_trigger, trigger_on, ends_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				d.ID, it.CaseID, it.Reference, it.Situation, it.Office, it.Mark, it.Years, it.Trigger, it.TriggerOn.String(), it.EndsOn.String()); err != nil {
				return err
			}
		}
		return nil
	})
}

// errNoDisposal is a disposal that does not exist, or not for the caller.
var errNoDisposal = errors.New("no such disposal")

// loadDisposal reads a disposal the caller may see: one whose offices are
// all in the caller's scope.
func (s *Server) loadDisposal(ctx context.Context, r *http.Request, id string) (Disposal, error) {
	var (
		d                               Disposal
		offices, asOf                   string
		decision, decidedOn, approvedBy sql.NullString
	)
	err := s.db.QueryRowContext(ctx, `SELECT offices, as_of, proposed_by, proposed_at, archive_decision, decided_on, approved_by
		FROM disposals WHERE disposal_id = $1`, id).Scan(&offices, &asOf, &d.ProposedBy, &d.ProposedAt, &decision, &decidedOn, &approvedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return Disposal{}, errNoDisposal
	}
	if err != nil {
		return Disposal{}, err
	}
	d.ID, d.Offices, d.Status = id, strings.Split(offices, ","), "proposed"
	if sc := scope(r); sc != nil && slices.ContainsFunc(d.Offices, func(o string) bool { return !slices.Contains(sc, o) }) {
		return Disposal{}, errNoDisposal // another office's disposal is not there for this token
	}
	if d.AsOf, err = calendar.ParseDate(asOf); err != nil {
		return Disposal{}, err
	}
	if approvedBy.Valid {
		d.Status, d.ArchiveDecision, d.ApprovedBy = "approved", decision.String, approvedBy.String
		if d.DecidedOn, err = calendar.ParseDate(decidedOn.String); err != nil {
			return Disposal{}, err
		}
	}
	d.ProposedAt = d.ProposedAt.UTC()
	rows, err := s.db.QueryContext(ctx, `SELECT case_id, reference, situation, office, mark, years, rule_trigger, trigger_on, ends_on, outcome, skipped
		FROM disposal_items WHERE disposal_id = $1 ORDER BY ends_on, case_id`, id)
	if err != nil {
		return Disposal{}, err
	}
	d.Items = []DisposalItem{}
	for rows.Next() {
		var (
			it              DisposalItem
			trigger, ends   string
			outcome, reason sql.NullString
		)
		if err := rows.Scan(&it.CaseID, &it.Reference, &it.Situation, &it.Office, &it.Mark, &it.Years, &it.Trigger, &trigger, &ends, &outcome, &reason); err != nil {
			_ = rows.Close()
			return Disposal{}, err
		}
		it.Outcome, it.Skipped = outcome.String, reason.String
		if it.TriggerOn, err = calendar.ParseDate(trigger); err == nil {
			it.EndsOn, err = calendar.ParseDate(ends)
		}
		if err != nil {
			_ = rows.Close()
			return Disposal{}, err
		}
		d.Items = append(d.Items, it)
	}
	return d, errors.Join(rows.Err(), rows.Close())
}

func (s *Server) writeDisposalError(w http.ResponseWriter, err error) {
	if errors.Is(err, errKeyTaken) {
		writeProblem(w, Problem{Type: "/problems/conflict", Status: http.StatusConflict, Detail: err.Error() + "; retry"})
		return
	}
	if errors.Is(err, errNoDisposal) {
		writeProblem(w, Problem{Type: "/problems/not-found", Status: http.StatusNotFound, Detail: "no such disposal"})
		return
	}
	writeError(w, s.log, err)
}

func (s *Server) getDisposal(w http.ResponseWriter, r *http.Request) {
	d, err := caseport.Read(r.Context(), func() (Disposal, error) { return s.loadDisposal(r.Context(), r, mux.Vars(r)["id"]) })
	if err != nil {
		s.writeDisposalError(w, err)
		return
	}
	switch format := r.URL.Query().Get("format"); {
	case format == "csv" || (format == "" && wantsCSV(r)):
		writeCSV(w, r, d.Items, "")
	case format == "" || format == "json":
		writeJSON(w, http.StatusOK, d)
	default:
		badRequest(w, "format", "must be csv or json")
	}
}

// approvalRequest is the body of POST /v1/disposals/{id}/approve.
type approvalRequest struct {
	ArchiveDecision string         `json:"archive_decision"`
	DecidedOn       *calendar.Date `json:"decided_on"`
}

// maxDecision bounds the archive's decision reference (a číslo jednací).
const maxDecision = 200

func (s *Server) approveDisposal(w http.ResponseWriter, r *http.Request) {
	var req approvalRequest
	if _, ok := decodeStrict(w, r, &req, `{"archive_decision": string, "decided_on": "YYYY-MM-DD"}`); !ok {
		return
	}
	var invalid []cases.FieldError
	if req.ArchiveDecision = strings.TrimSpace(req.ArchiveDecision); req.ArchiveDecision == "" || len(req.ArchiveDecision) > maxDecision {
		invalid = append(invalid, cases.FieldError{Field: "archive_decision", Message: "is required: the archive's reference of its decision, up to 200 characters"})
	}
	if req.DecidedOn == nil {
		invalid = append(invalid, cases.FieldError{Field: "decided_on", Message: "is required"})
	}
	if len(invalid) > 0 {
		writeError(w, s.log, &cases.InvalidError{Errors: invalid})
		return
	}
	ctx := r.Context()
	d, err := caseport.Read(ctx, func() (Disposal, error) { return s.loadDisposal(ctx, r, mux.Vars(r)["id"]) })
	if err != nil {
		s.writeDisposalError(w, err)
		return
	}
	switch {
	case d.Status == "approved":
		writeProblem(w, Problem{Type: "/problems/conflict", Status: http.StatusConflict,
			Detail: fmt.Sprintf("the disposal was approved already (%s of %s)", d.ArchiveDecision, d.DecidedOn)})
		return
	case req.DecidedOn.After(s.today()):
		writeError(w, s.log, &cases.RuleError{Errors: []cases.FieldError{{Field: "decided_on", Message: fmt.Sprintf("%s is in the future", *req.DecidedOn)}}})
		return
	case req.DecidedOn.Before(d.AsOf):
		writeError(w, s.log, &cases.RuleError{Errors: []cases.FieldError{{Field: "decided_on", Message: fmt.Sprintf("%s is before the proposal (as of %s)", *req.DecidedOn, d.AsOf)}}})
		return
	}
	approval := cases.DisposalApproval{DisposalID: d.ID, ArchiveDecision: req.ArchiveDecision, DecidedOn: *req.DecidedOn}
	cctx := s.context(r)
	var (
		last      int64
		citizens  []string
		creq      = caseport.Request{Actor: identity(r).Name, CorrelationID: correlationID(r), RecordedAt: time.Now()}
		outcomeOf = func(disp cases.Disposition) string {
			if disp == cases.DisposedTransferred {
				return outcomeTransferred
			}
			return outcomeDisposed
		}
	)
	for i := range d.Items {
		it := &d.Items[i]
		var (
			citizen string
			was     *cases.Disposal
		)
		e, err := s.repo.Update(ctx, it.CaseID, caseport.Any, creq, func(c *cases.Case) (cases.Recorded, error) {
			citizen, was = c.Citizen.ID, c.Disposal
			return c.Dispose(approval, cctx.Today, cctx)
		})
		var rule *cases.RuleError
		switch {
		case err == nil:
			last = max(last, e.Position)
			it.Outcome, it.Skipped = outcomeOf(cases.DisposedDestroyed), ""
			if it.Mark == "A" {
				it.Outcome = outcomeTransferred
			}
		case errors.Is(err, cases.ErrNothingToRecord): // a retry: disposed by this approval already
			if was.ArchiveDecision != req.ArchiveDecision || was.DecidedOn != *req.DecidedOn {
				writeProblem(w, Problem{Type: "/problems/conflict", Status: http.StatusConflict,
					Detail: fmt.Sprintf("case %s was disposed of under this disposal with the archive's decision %q of %s: send the approval again with that decision", it.CaseID, was.ArchiveDecision, was.DecidedOn)})
				return
			}
			it.Outcome, it.Skipped = outcomeOf(was.Disposition), ""
		case errors.As(err, &rule):
			it.Outcome, it.Skipped = outcomeSkipped, rule.Errors[0].Message
		default:
			writeError(w, s.log, err)
			return
		}
		if it.Outcome == outcomeDisposed && citizen != "" && citizen != cases.Forgotten && !slices.Contains(citizens, citizen) {
			citizens = append(citizens, citizen)
		}
	}
	if err := s.recordOutcomes(ctx, d); err != nil {
		writeError(w, s.log, err)
		return
	}
	// Forget every citizen of a destroyed case who has no case kept any more,
	// once the read models hold the disposals.
	if last > 0 {
		s.pipeline.Nudge()
		if err := s.pipeline.WaitFor(ctx, last, s.MinPositionWait); err != nil {
			writeError(w, s.log, err)
			return
		}
	}
	forgotten := 0
	for _, citizen := range citizens {
		kept, err := caseport.Read(ctx, func() (bool, error) { return s.primary.Retained(ctx, citizen) })
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		if kept {
			continue
		}
		if s.forget == nil {
			writeProblem(w, Problem{Type: "/problems/internal-error", Status: http.StatusInternalServerError,
				Detail: "no forgetting is configured; the cases are disposed of, the approval is not recorded yet: send it again once it is"})
			return
		}
		if err := s.forget(ctx, citizen); errors.Is(err, ErrRetained) {
			// The read models lagged: the citizen has a case kept after all.
			writeProblem(w, Problem{Type: "/problems/conflict", Status: http.StatusConflict,
				Detail: fmt.Sprintf("the cases are disposed of, but a citizen of them still has a case kept (%v): the approval is not recorded; send it again once that case is disposed of, or leave it", err)})
			return
		} else if err != nil {
			writeError(w, s.log, fmt.Errorf("forget a citizen of disposal %s: %w", d.ID, err))
			return
		}
		forgotten++
	}
	if s.finishForgetting != nil {
		if err := s.finishForgetting(ctx); err != nil {
			writeError(w, s.log, fmt.Errorf("finish the forgettings of disposal %s: %w", d.ID, err))
			return
		}
	}
	res, err := s.db.ExecContext(ctx, `UPDATE disposals SET archive_decision = $1, decided_on = $2, approved_by = $3, approved_at = $4
		WHERE disposal_id = $5 AND approved_at IS NULL`, req.ArchiveDecision, req.DecidedOn.String(), identity(r).Name, time.Now().UTC(), d.ID)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		writeProblem(w, Problem{Type: "/problems/conflict", Status: http.StatusConflict, Detail: "the disposal was approved meanwhile"})
		return
	}
	d.Status, d.ArchiveDecision, d.DecidedOn, d.ApprovedBy, d.Forgotten = "approved", req.ArchiveDecision, *req.DecidedOn, identity(r).Name, &forgotten
	writeJSON(w, http.StatusOK, d)
}

// recordOutcomes stores what the approval did to each case of a disposal.
func (s *Server) recordOutcomes(ctx context.Context, d Disposal) error {
	return inTx(ctx, s.db, func(tx *sql.Tx) error {
		for _, it := range d.Items {
			var skipped any
			if it.Skipped != "" {
				skipped = it.Skipped
			}
			if _, err := tx.ExecContext(ctx, `UPDATE disposal_items SET outcome = $1, skipped = $2 WHERE disposal_id = $3 AND case_id = $4`,
				it.Outcome, skipped, d.ID, it.CaseID); err != nil {
				return err
			}
		}
		return nil
	})
}

// inTx runs fn in a transaction of db, committed if fn returns nil.
func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}
