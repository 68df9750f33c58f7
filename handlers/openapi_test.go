package handlers_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/handlers"
)

// The document's text/csv is read as CSV; CSV for Czech Excel (Content-Type
// text/csv; profile=excel) is CSV with semicolons after a UTF-8 BOM.
func init() {
	// The record of processing activities is Markdown: text.
	openapi3filter.RegisterBodyDecoder("text/markdown", openapi3filter.RegisteredBodyDecoder("text/plain"))
	openapi3filter.RegisterBodyDecoder("text/csv", func(body io.Reader, h http.Header, schema *openapi3.SchemaRef, enc openapi3filter.EncodingFn) (any, error) {
		if !strings.Contains(h.Get("Content-Type"), "profile=excel") {
			return openapi3filter.CsvBodyDecoder(body, h, schema, enc)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			return nil, err
		}
		rest, ok := bytes.CutPrefix(b, []byte("\uFEFF"))
		if !ok {
			return nil, errors.New("CSV for Excel without a UTF-8 BOM")
		}
		r := csv.NewReader(bytes.NewReader(rest))
		r.Comma = ';'
		rows, err := r.ReadAll()
		if err != nil {
			return nil, err
		}
		return fmt.Sprint(rows), nil
	})
}

// contract is the OpenAPI document a server serves, loaded and validated,
// with kin-openapi's router over it.
type contract struct {
	doc    *openapi3.T
	router routers.Router
}

var contracts struct {
	sync.Mutex
	raw []byte
	c   *contract
}

// servedContract fetches GET /v1/openapi.json from h (no token), and loads
// and validates it; the document is loaded once per distinct content.
func servedContract(t testing.TB, h http.Handler) *contract {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/openapi.json", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET /v1/openapi.json without a token: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	contracts.Lock()
	defer contracts.Unlock()
	if contracts.c != nil && bytes.Equal(contracts.raw, rec.Body.Bytes()) {
		return contracts.c
	}
	c, err := loadContract(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("the served OpenAPI document: %v", err)
	}
	contracts.raw, contracts.c = rec.Body.Bytes(), c
	return c
}

func loadContract(raw []byte) (*contract, error) {
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &contract{doc: doc, router: router}, nil
}

// teeWriter passes an answer through and keeps a copy of it.
type teeWriter struct {
	http.ResponseWriter
	code int
	body bytes.Buffer
}

func (w *teeWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *teeWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// validating serves h and holds every answer to the contract: the route's
// operation must document the status, its headers and its body (through
// openapi3filter.ValidateResponse, the route found by kin-openapi's
// router); a path the document lacks must answer a 404 problem, a method
// it lacks a 405 problem; every problem's type must be a page the service
// serves. newStack puts it in front of every end-to-end test's server.
func validating(t *reporter, c *contract, h http.Handler) http.Handler {
	problems := handlers.ProblemTypes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tee := &teeWriter{ResponseWriter: w}
		h.ServeHTTP(tee, r)
		if tee.code == 0 {
			tee.code = http.StatusOK
		}
		if err := c.check(r, tee.code, tee.Header(), tee.body.Bytes(), problems); err != "" {
			body := tee.body.String()
			if len(body) > 500 {
				body = body[:500] + "…"
			}
			t.Errorf("%s %s answered %d, which handlers/openapi.json does not describe: %s\nbody: %s", r.Method, r.URL, tee.code, err, body)
		}
	})
}

// reporter fails the test a server's answers belong to; a fuzz target
// changes it for each input.
type reporter struct {
	mu sync.Mutex
	t  testing.TB
}

func (r *reporter) use(t testing.TB) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.t = t
}

func (r *reporter) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.t.Errorf(format, args...)
}

// check returns what is wrong with an answer, or "".
func (c *contract) check(r *http.Request, status int, header http.Header, body []byte, problems map[string]string) string {
	if strings.HasPrefix(header.Get("Content-Type"), "application/problem+json") {
		var p struct {
			Type  string `json:"type"`
			Title string `json:"title"`
		}
		_ = json.Unmarshal(body, &p)
		title, ok := problems[p.Type]
		switch {
		case !ok:
			return "the problem's type " + strconv.Quote(p.Type) + " has no page (handlers/problems.go)"
		case p.Title != title:
			return "the problem's title " + strconv.Quote(p.Title) + " is not its type's, " + strconv.Quote(title)
		}
	}
	route, params, err := c.router.FindRoute(r)
	switch {
	case err == routers.ErrPathNotFound && status == http.StatusNotFound,
		err == routers.ErrMethodNotAllowed && status == http.StatusMethodNotAllowed:
		return c.checkProblem(header, body)
	case err != nil:
		return "no operation: " + err.Error()
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(r.Context(), in); err != nil {
		return err.Error()
	}
	return ""
}

func (c *contract) checkProblem(header http.Header, body []byte) string {
	if ct := header.Get("Content-Type"); ct != "application/problem+json" {
		return "Content-Type " + ct + ", want application/problem+json"
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err.Error()
	}
	if err := c.doc.Components.Schemas["Problem"].Value.VisitJSON(v); err != nil {
		return err.Error()
	}
	return ""
}

// The document is valid OpenAPI 3, embedded and served as it is.
func TestTheOpenAPIDocumentIsValid(t *testing.T) {
	c, err := loadContract(handlers.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.doc.OpenAPI, "3.") {
		t.Errorf("openapi %q, want 3.x", c.doc.OpenAPI)
	}
	file, err := os.ReadFile("openapi.json")
	if err != nil || !bytes.Equal(file, handlers.OpenAPI()) {
		t.Errorf("the embedded document is not handlers/openapi.json (%v)", err)
	}
}

// Every route of routes() is an operation of the document with the same
// roles and security, and every operation is a route.
func TestEveryRouteIsInTheDocumentAndViceVersa(t *testing.T) {
	c, err := loadContract(handlers.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]handlers.Rule{}
	for _, r := range handlers.Rules() {
		rules[r.Method+" "+r.Path] = r
	}
	documented := map[string]bool{}
	for path, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			documented[key] = true
			rule, ok := rules[key]
			if !ok {
				t.Errorf("the document has %s, which is not a route", key)
				continue
			}
			var roles []string
			if raw, ok := op.Extensions["x-roles"]; ok {
				for _, r := range raw.([]any) {
					roles = append(roles, r.(string))
				}
			} else {
				t.Errorf("%s has no x-roles", key)
			}
			var want []string
			for _, r := range rule.Roles {
				want = append(want, string(r))
			}
			slices.Sort(roles)
			slices.Sort(want)
			if !slices.Equal(roles, want) {
				t.Errorf("%s: x-roles %v, the route allows %v", key, roles, want)
			}
			public := op.Security != nil && len(*op.Security) == 0
			if public != (rule.Roles == nil) {
				t.Errorf("%s: the document says public=%v, the route's roles are %v", key, public, rule.Roles)
			}
			if rule.Roles != nil && op.Responses.Status(401) == nil {
				t.Errorf("%s takes a token but documents no 401", key)
			}
		}
	}
	for key := range rules {
		if !documented[key] {
			t.Errorf("route %s is not in handlers/openapi.json", key)
		}
	}
}

// The document's event types are the domain's, and the required fields it
// gives each event's data (and the opening of a case) are those the domain
// asks for: an empty data object answers 400 naming exactly them.
func TestTheDocumentsRequiredFieldsAreTheDomains(t *testing.T) {
	c, err := loadContract(handlers.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	mapping := c.doc.Components.Schemas["RecordEvent"].Value.Discriminator.Mapping
	var documented, domain []string
	for typ := range mapping {
		documented = append(documented, typ)
	}
	bySituation := map[cases.Situation][]string{}
	for _, s := range cases.Situations() {
		for _, e := range cases.EventTypes(s) {
			bySituation[s] = append(bySituation[s], string(e))
		}
		for _, e := range bySituation[s] {
			if !slices.Contains(domain, e) {
				domain = append(domain, e)
			}
		}
	}
	slices.Sort(documented)
	slices.Sort(domain)
	if !slices.Equal(documented, domain) {
		t.Errorf("the document's event types %v, the domain's %v", documented, domain)
	}
	required := func(name, prefix string) []string {
		var fields []string
		for _, f := range c.doc.Components.Schemas[name].Value.Required {
			fields = append(fields, prefix+f)
		}
		slices.Sort(fields)
		return fields
	}
	s := sqliteStack(t, calendar.NewDate(2026, 4, 10))
	fields := func(r response) []string {
		var got []string
		errs, _ := r.body["errors"].([]any)
		for _, e := range errs {
			got = append(got, e.(map[string]any)["field"].(string))
		}
		slices.Sort(got)
		return got
	}
	var opening []string
	for _, f := range required("OpenCase", "") {
		if f != "citizen" { // present but empty: its own fields are named
			opening = append(opening, f)
		}
	}
	opening = append(opening, required("Citizen", "citizen.")...)
	slices.Sort(opening)
	if r := s.do("POST", "/v1/cases", "clerk-token", `{"citizen": {}}`); r.status != 400 || !slices.Equal(fields(r), opening) {
		t.Errorf("open a case without fields: %d %v; the document requires %v and citizen's %v", r.status, fields(r), required("OpenCase", ""), required("Citizen", "citizen."))
	}
	checked := map[string]bool{}
	for situation, types := range bySituation {
		id, _ := s.openCase(string(situation), "1980-05-17")
		for _, typ := range types {
			want := required(typ, "data.") // each event's data is the schema named after it
			if len(want) == 0 || checked[typ] {
				continue // CaseClosed, ContactConsentWithdrawn and CaseUnassigned require nothing: empty ones close the case, withdraw the consent, unassign it
			}
			checked[typ] = true
			token := "clerk-token"
			// A compliance officer's decision recorded by a clerk answers 403, not 400.
			if _, officer, _ := cases.Contract(typ); officer {
				token = "officer-token"
			}
			if cases.RecordsOfficerEvent(cases.EventType(typ)) {
				token = "records-token"
			}
			r := s.do("POST", "/v1/cases/"+id+"/events", token, map[string]any{"type": typ, "data": map[string]any{}})
			if r.status != 400 || !slices.Equal(fields(r), want) {
				t.Errorf("%s with empty data: %d %v, the document requires %v", typ, r.status, fields(r), want)
			}
		}
	}
	// CaseClosed, ContactConsentWithdrawn, CaseUnassigned and RetentionHoldReleased require nothing.
	if len(checked) < len(domain)-4 {
		t.Errorf("checked %d event types of %d", len(checked), len(domain))
	}
}

// Every problem type the code writes has a page, served without a token,
// and every page is of a type the code writes.
func TestEveryProblemTypeResolves(t *testing.T) {
	written := problemTypesInSource(t)
	pages := slices.Sorted(maps.Keys(handlers.ProblemTypes()))
	for _, typ := range written {
		if !slices.Contains(pages, typ) {
			t.Errorf("the code writes type %s, which has no page in handlers/problems.go", typ)
		}
	}
	for _, typ := range pages {
		if !slices.Contains(written, typ) {
			t.Errorf("%s has a page but the code never writes it", typ)
		}
	}
	s := sqliteStack(t, calendar.NewDate(2026, 4, 10))
	for _, typ := range pages {
		r := s.do("GET", typ, "", nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(r.raw, "<h1>") {
			t.Errorf("GET %s: %d %s", typ, r.status, r.header.Get("Content-Type"))
		}
	}
	if r := s.do("GET", "/problems/no-such-problem", "", nil); r.status != 404 || r.body["type"] != "/problems/not-found" {
		t.Errorf("an unknown problem type: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/v1/no-such-endpoint", "clerk-token", nil); r.status != 404 || !strings.Contains(r.raw, "/v1/openapi.json") {
		t.Errorf("an unknown endpoint should point to the document: %d %s", r.status, r.raw)
	}
}

// parseSource parses the package's code, its tests left out.
func parseSource(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return fset, files
}

// problemTypesInSource returns the problem types the handlers' code
// writes, and fails for a Problem literal without a Type.
func problemTypesInSource(t *testing.T) []string {
	t.Helper()
	literal := regexp.MustCompile(`^"/problems/[a-z-]+"$`)
	var types []string
	fset, files := parseSource(t)
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if literal.MatchString(n.Value) {
					typ, _ := strconv.Unquote(n.Value)
					if !slices.Contains(types, typ) {
						types = append(types, typ)
					}
				}
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.Ident); ok && id.Name == "Problem" {
					typed := false
					for _, e := range n.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok && kv.Key.(*ast.Ident).Name == "Type" {
							typed = true
						}
					}
					if !typed {
						t.Errorf("%s: a Problem without a Type", fset.Position(n.Pos()))
					}
				}
			}
			return true
		})
	}
	if len(types) < 5 {
		t.Fatalf("found only %v in the handlers' code", types)
	}
	return types
}

// The checker itself refuses what the document does not describe.
func TestTheContractCheckRefusesUndescribedAnswers(t *testing.T) {
	c, err := loadContract(handlers.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	problems := handlers.ProblemTypes()
	json := http.Header{"Content-Type": {"application/json"}}
	problem := http.Header{"Content-Type": {"application/problem+json"}}
	for _, tc := range []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		ok                 bool
	}{
		{"health", "GET", "/healthz", 200, json, `{"status":"alive"}`, true},
		{"a field the document lacks", "GET", "/v1/cases/3f1c9a3e-8a43-4d39-9a43-0f3d2b7c9e11/events", 200, json, `{"items":[],"extra":1}`, false},
		{"a missing field", "POST", "/v1/cases", 201, json, `{"id":"3f1c9a3e-8a43-4d39-9a43-0f3d2b7c9e11","version":1}`, false},
		{"an undocumented status", "GET", "/v1/obligations", 418, problem, `{"type":"/problems/not-found","title":"Not found","status":418}`, false},
		{"a problem of no page", "GET", "/v1/obligations", 400, problem, `{"type":"about:blank","title":"Bad Request","status":400}`, false},
		{"a bad date", "GET", "/v1/obligations", 200, json, `{"items":[{"case_id":"3f1c9a3e-8a43-4d39-9a43-0f3d2b7c9e11","obligation":"o","legal_basis":"b","triggered_on":"2026-02-30","due_on":"2026-03-01","status":"open","fulfilled_on":null}],"next_cursor":""}`, false},
		{"an unknown path's 404", "GET", "/nowhere", 404, problem, `{"type":"/problems/not-found","title":"Not found","status":404}`, true},
		{"a title not its type's", "GET", "/nowhere", 404, problem, `{"type":"/problems/not-found","title":"Gone","status":404}`, false},
		{"an unknown path's 200", "GET", "/nowhere", 200, json, `{}`, false},
	} {
		r := httptest.NewRequest(tc.method, tc.path, nil)
		got := c.check(r, tc.status, tc.header, []byte(tc.body), problems)
		if (got == "") != tc.ok {
			t.Errorf("%s: check says %q, want ok=%v", tc.name, got, tc.ok)
		}
	}
}

// Every query parameter and header a route's handler reads (through the
// functions it calls) is a parameter of its operation in the document, and
// a handler that answers CSV documents text/csv. The handlers' code is read
// with go/ast; routes() and handlers.Rules() list the routes in one order.
func TestEveryParameterTheCodeReadsIsDocumented(t *testing.T) {
	c, err := loadContract(handlers.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	reads, handlerNames := parametersInSource(t)
	rules := handlers.Rules()
	if len(handlerNames) != len(rules) {
		t.Fatalf("found %d routes in routes(), handlers.Rules has %d", len(handlerNames), len(rules))
	}
	checked := 0
	for i, rule := range rules {
		item := c.doc.Paths.Value(rule.Path)
		if item == nil || item.GetOperation(rule.Method) == nil {
			continue // TestEveryRouteIsInTheDocumentAndViceVersa reports it
		}
		op := item.GetOperation(rule.Method)
		documented := map[string]bool{}
		for _, p := range append(item.Parameters, op.Parameters...) {
			documented[p.Value.In+" "+p.Value.Name] = true
		}
		for _, param := range reads(handlerNames[i]) {
			checked++
			switch param {
			case "header Authorization":
			case "header Accept":
				if op.Responses.Status(200) == nil || op.Responses.Status(200).Value.Content.Get("text/csv") == nil {
					t.Errorf("%s %s answers CSV but its 200 documents no text/csv", rule.Method, rule.Path)
				}
			default:
				if !documented[param] {
					t.Errorf("%s %s reads %s, which its operation does not document", rule.Method, rule.Path, param)
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d parameters found in the handlers' code", checked)
	}
}

// parametersInSource returns, for a handler's name, the parameters it and
// the functions it calls read ("query as_of", "header Idempotency-Key"),
// and the names of the handlers of routes(), in order. The middleware of
// every route (correlate: X-Request-ID) counts for every handler.
func parametersInSource(t *testing.T) (func(handler string) []string, []string) {
	t.Helper()
	_, files := parseSource(t)
	direct := map[string][]string{}
	calls := map[string][]string{}
	var handlerNames []string
	literal := func(e ast.Expr) (string, bool) {
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			s, err := strconv.Unquote(lit.Value)
			return s, err == nil
		}
		return "", false
	}
	for _, f := range files {
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			me := fn.Name.Name
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CompositeLit:
					if arr, ok := n.Type.(*ast.ArrayType); ok && me == "routes" {
						if id, ok := arr.Elt.(*ast.Ident); ok && id.Name == "route" {
							for _, e := range n.Elts {
								if rt, ok := e.(*ast.CompositeLit); ok && len(rt.Elts) == 2 {
									if sel, ok := rt.Elts[1].(*ast.SelectorExpr); ok {
										handlerNames = append(handlerNames, sel.Sel.Name)
									}
								}
							}
						}
					}
				case *ast.CallExpr:
					switch fun := n.Fun.(type) {
					case *ast.Ident:
						calls[me] = append(calls[me], fun.Name)
						if fun.Name == "dateParam" && len(n.Args) > 2 {
							if p, ok := literal(n.Args[2]); ok {
								direct[me] = append(direct[me], "query "+p)
							}
						}
					case *ast.SelectorExpr:
						calls[me] = append(calls[me], fun.Sel.Name)
						if (fun.Sel.Name == "Get" || fun.Sel.Name == "Values") && len(n.Args) == 1 {
							p, ok := literal(n.Args[0])
							if !ok {
								break
							}
							if recv, isSel := fun.X.(*ast.SelectorExpr); isSel && recv.Sel.Name == "Header" {
								direct[me] = append(direct[me], "header "+p)
							} else if _, isMap := fun.X.(*ast.Ident); isMap || isQueryCall(fun.X) {
								direct[me] = append(direct[me], "query "+p)
							}
						}
					}
				}
				return true
			})
		}
	}
	reads := func(handler string) []string {
		var out []string
		seen := map[string]bool{}
		var visit func(name string)
		visit = func(name string) {
			if seen[name] {
				return
			}
			seen[name] = true
			for _, p := range direct[name] {
				if !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
			for _, callee := range calls[name] {
				visit(callee)
			}
		}
		visit("correlate")
		visit(handler)
		return out
	}
	return reads, handlerNames
}

// isQueryCall reports whether e is a call of Query() (r.URL.Query()).
func isQueryCall(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Query"
}
