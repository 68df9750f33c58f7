package handlers

import (
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"
)

// problemsPath is where the page of each problem type is served: every
// problem's type is problemsPath + its name, and resolves.
const problemsPath = "/problems/"

// problemPage explains one problem type to the person who met it.
type problemPage struct {
	Title  string
	Status string
	Means  string
	Do     string
}

// problemPages are the problem types the API answers with; a test holds
// every type the code writes to a page here and every page to its use.
var problemPages = map[string]problemPage{
	"invalid-input": {"Invalid input", "400",
		"The request is malformed: a body that is not a JSON object of the expected shape, an unknown or missing field, a value of the wrong type, an impossible date, control characters, a bad query parameter or header.",
		"Fix the fields named in errors (field and message) and send the request again. Nothing was stored."},
	"too-large": {"Body too large", "413",
		"The request body is larger than 1 MiB; an event is a few hundred bytes.",
		"Send a smaller body. Nothing was stored."},
	"unauthenticated": {"Unauthenticated", "401",
		"The request has no bearer token, or one the service does not know.",
		"Send Authorization: Bearer <token> with a token from the service's configuration."},
	"too-many-failures": {"Too many failures", "429",
		"This address sent more than 5 requests with a bearer token the service does not know; each further one waits, 30 s at first, doubling up to an hour (internal/signin).",
		"Wait for the seconds in Retry-After, then send a token from the service's configuration. Nothing was stored."},
	"forbidden": {"Forbidden", "403",
		"The token's role may not do this (for example a clerk listing flags), or the token belongs to another office than the case.",
		"Use a token of a role that may (see the roles in docs/API.md and the OpenAPI document at /v1/openapi.json). Nothing was stored."},
	"not-found": {"Not found", "404",
		"There is no such case (case ids are UUIDs), no such endpoint, or no such problem type.",
		"Check the case id or the path against the OpenAPI document at /v1/openapi.json."},
	"nothing-to-pay": {"Nothing to pay", "404",
		"The payment obligation has nothing left to pay as of as_of: it is paid, excused, 0 Kč, or the office has no account for transfers, so there is no QR code.",
		"Read the obligation (GET /v1/payments or /v1/citizens/{citizen_id}/payments) to see its status; ask for a QR code only while owed_czk is above 0."},
	"method-not-allowed": {"Method not allowed", "405",
		"The path exists but does not take this method.",
		"See the OpenAPI document at /v1/openapi.json for the methods each path takes."},
	"conflict": {"Stale expected_version", "409",
		"Someone else recorded an event on the case after the version sent as expected_version.",
		"Reload the case, decide again on what it now says, and send the event with the new version (or without expected_version to record on any version). Nothing was stored."},
	"credit-decided": {"Credit decided already", "409",
		"The unmatched credit was assigned to another case, or returned to the payer, already; a decision of the fee department is never overwritten.",
		"Read the credit (GET /v1/unmatched-credits?status=assigned or returned) to see where it went. Nothing was stored."},
	"not-allowed": {"Not allowed by the rules", "422",
		"The request is well-formed, but the rules refuse it: a date before an earlier fact, an event on a closed case, an event the case's situation does not take, a fine over the cap, and so on. errors names the fields.",
		"Correct the facts; the message says which rule refused them. Nothing was stored."},
	"idempotency-key-reused": {"Idempotency-Key reused", "422",
		"The Idempotency-Key was first sent with another request (another body, route or case).",
		"Use a new key for a new request; retry a request only with the key it was first sent with."},
	"not-yet": {"Read models have not caught up", "503",
		"The read models did not include min_position within 5 seconds.",
		"Retry after Retry-After seconds."},
	"unavailable": {"Database unavailable", "503",
		"The database is unreachable or did not answer in time.",
		"Retry after Retry-After seconds; a write retried with the same Idempotency-Key is recorded at most once."},
	"not-ready": {"Not ready", "503",
		"The database is unreachable or the projection is not running, so the instance should not take traffic.",
		"Wait and ask /readyz again; the operators' guide is docs/RELIABILITY.md."},
	"internal-error": {"Internal error", "500",
		"An unexpected failure in the service. It has been logged with the request's X-Request-ID.",
		"Retry later; report the X-Request-ID of the answer to the operators if it persists."},
}

// ProblemTypes returns the type of every problem the API answers with,
// and its title.
func ProblemTypes() map[string]string {
	types := map[string]string{}
	for name, page := range problemPages {
		types[problemsPath+name] = page.Title
	}
	return types
}

var problemTemplate = template.Must(template.New("problem").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · lhuta</title></head>
<body>
<h1>{{.Title}}</h1>
<p>HTTP status {{.Status}}, <code>application/problem+json</code> with <code>type</code> <code>{{.Type}}</code>.</p>
<h2>What it means</h2>
<p>{{.Means}}</p>
<h2>What to do</h2>
<p>{{.Do}}</p>
<p>Every problem has <code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code> and, for input at fault,
<code>errors: [{"field": …, "message": …}]</code>. The whole API is described at <a href="/v1/openapi.json">/v1/openapi.json</a>.</p>
</body></html>
`))

// problemType serves the page of one problem type.
func (s *Server) problemType(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["name"]
	page, ok := problemPages[name]
	if !ok {
		writeProblem(w, Problem{Type: "/problems/not-found", Status: http.StatusNotFound,
			Detail: "no such problem type (known: " + strings.Join(slices.Sorted(maps.Keys(ProblemTypes())), ", ") + ")"})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_ = problemTemplate.Execute(w, struct {
		problemPage
		Type string
	}{page, problemsPath + name})
}
