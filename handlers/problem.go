package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/internal/caseport"
	"github.com/lhuta/lhuta/projections/views"
)

// Problem is an RFC 9457 problem document. Its Type is the path of the
// page that explains it (problemPages), never left out; its Title is the
// page's.
type Problem struct {
	Type   string             `json:"type"`
	Title  string             `json:"title"`
	Status int                `json:"status"`
	Detail string             `json:"detail,omitempty"`
	Errors []cases.FieldError `json:"errors,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeProblem(w http.ResponseWriter, p Problem) {
	if p.Title == "" {
		p.Title = problemPages[strings.TrimPrefix(p.Type, problemsPath)].Title
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// badRequest answers 400 naming the field that is wrong.
func badRequest(w http.ResponseWriter, field, message string) {
	writeProblem(w, Problem{Type: "/problems/invalid-input", Status: http.StatusBadRequest,
		Detail: field + ": " + message, Errors: []cases.FieldError{{Field: field, Message: message}}})
}

// writeError maps an error of the layers below to its HTTP answer.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	var (
		invalid   *cases.InvalidError
		rule      *cases.RuleError
		forbidden *cases.ForbiddenError
		mismatch  *cases.MismatchError
	)
	switch {
	case errors.As(err, &invalid):
		writeProblem(w, Problem{Type: "/problems/invalid-input", Status: http.StatusBadRequest,
			Detail: invalid.Error(), Errors: invalid.Errors})
	case errors.As(err, &rule):
		writeProblem(w, Problem{Type: "/problems/not-allowed", Status: http.StatusUnprocessableEntity,
			Detail: rule.Error(), Errors: rule.Errors})
	case errors.As(err, &mismatch):
		writeProblem(w, Problem{Type: "/problems/identity-mismatch", Status: http.StatusConflict,
			Detail: mismatch.Error(), Errors: mismatch.Errors})
	case errors.As(err, &forbidden):
		writeProblem(w, Problem{Type: "/problems/forbidden", Status: http.StatusForbidden, Detail: forbidden.Reason})
	case errors.Is(err, cases.ErrNotFound):
		writeProblem(w, Problem{Type: "/problems/not-found", Status: http.StatusNotFound, Detail: "no such case"})
	case errors.Is(err, caseport.ErrConflict):
		writeProblem(w, Problem{Type: "/problems/conflict", Status: http.StatusConflict,
			Detail: err.Error() + "; reload the case and decide again",
			Errors: []cases.FieldError{{Field: "expected_version", Message: "is stale"}}})
	case errors.Is(err, caseport.ErrKeyReused):
		writeProblem(w, Problem{Type: "/problems/idempotency-key-reused", Status: http.StatusUnprocessableEntity,
			Detail: err.Error(), Errors: []cases.FieldError{{Field: "Idempotency-Key",
				Message: "was first sent with another request (another body, route or case); use a new key for a new request"}}})
	case errors.Is(err, views.ErrNotYet):
		w.Header().Set("Retry-After", "1")
		writeProblem(w, Problem{Type: "/problems/not-yet", Status: http.StatusServiceUnavailable,
			Detail: "the read models do not include min_position yet; retry shortly"})
	case caseport.Unavailable(err), errors.Is(err, context.Canceled):
		log.Warn("database unavailable", "err", err)
		w.Header().Set("Retry-After", retryAfter)
		writeProblem(w, Problem{Type: "/problems/unavailable", Status: http.StatusServiceUnavailable,
			Detail: "the database is unreachable or did not answer in time; retry later (a write retried with the same Idempotency-Key is recorded at most once)"})
	default:
		log.Error("request failed", "err", err)
		writeProblem(w, Problem{Type: "/problems/internal-error", Status: http.StatusInternalServerError, Detail: "internal error; it has been logged"})
	}
}
