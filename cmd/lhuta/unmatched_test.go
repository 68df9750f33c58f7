package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/teststack"
)

// house154 opens the cases of two payers registered in house 154 in Nová
// Ves (VS 1541, docs/LAW.md §9.2) from 15 Jan 2026: each owes the 2026 waste
// fee of 1 200 Kč.
func house154(t *testing.T, db *eventstore.DB) (repo *caserepo.Repository, novakova, svoboda string) {
	t.Helper()
	repo = caserepo.New(db.Store())
	ctx := cases.Context{Today: calendar.NewDate(2026, 3, 10), Actor: "alice", Role: cases.Clerk}
	waste := map[string]any{"fee": "waste", "arose_on": "2026-01-15", "basis": "permanent_residence", "house_number": "154", "village_part": "Nová Ves"}
	novakova = openPayerNamed(t, repo, ctx, "p-1", "Jana Nováková", waste)
	svoboda = openPayerNamed(t, repo, ctx, "p-2", "Petr Svoboda", waste)
	return repo, novakova, svoboda
}

// statementFile writes a camt.053 statement of Nová Ves's account with the
// given entries (each an <Ntry> body) and returns its path.
func statementFile(t *testing.T, entries ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>` +
		`<Id>0460043319-2026-03</Id><Acct><Id><IBAN>CZ6308000000000460043319</IBAN></Id><Ccy>CZK</Ccy></Acct>`)
	for _, e := range entries {
		b.WriteString("<Ntry>" + e + "</Ntry>")
	}
	b.WriteString(`</Stmt></BkToCstmrStmt></Document>`)
	file := filepath.Join(t.TempDir(), "statement.xml")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// credit is one booked credit entry: amount, day, the bank's reference, VS and message.
func credit(amount, day, ref, vs, message string) string {
	return `<Amt Ccy="CZK">` + amount + `</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>` + day + `</Dt></BookgDt>` +
		`<AcctSvcrRef>` + ref + `</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>/VS` + vs + `</EndToEndId></Refs>` +
		`<RltdPties><Dbtr><Nm>PLATCE</Nm></Dbtr></RltdPties><RmtInf><Ustrd>` + message + `</Ustrd></RmtInf></TxDtls></NtryDtls>`
}

// api serves the HTTP API on db, as lhuta serve does, on 10 Mar 2026.
type api struct {
	t   *testing.T
	url string
}

func serveAPI(t *testing.T, db *eventstore.DB) *api {
	t.Helper()
	srv := teststack.API(t, db, "c=clerk:fee-dept,o=compliance_officer:bob,d=dashboard:grafana", handlers.Config{
		Repo: caserepo.New(db.Store()), Today: func() calendar.Date { return calendar.NewDate(2026, 3, 10) }})
	ts := httptest.NewServer(srv.Routes())
	t.Cleanup(ts.Close)
	return &api{t: t, url: ts.URL}
}

func (a *api) do(method, path, token string, body any) (int, map[string]any) {
	a.t.Helper()
	status, _, raw := teststack.Call(a.t, method, a.url+path, token, body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return status, out
}

// payments counts a case's PaymentReceived events, by bank reference.
func payments(t *testing.T, repo *caserepo.Repository, caseID string) map[string]int {
	t.Helper()
	events, err := repo.Events(context.Background(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]int{}
	for _, e := range events {
		if e.Type == string(cases.PaymentReceivedType) {
			var p struct {
				BankReference string `json:"bank_reference"`
			}
			_ = json.Unmarshal(e.Data, &p)
			refs[p.BankReference]++
		}
	}
	return refs
}

// Two people in house 154 share VS 1541. A credit of 1 200 Kč with the
// message "odpad" names neither and both owe 1 200 Kč: it is never put on
// a case by its VS, but listed for the fee department; assigning it
// records exactly one payment, a second assignment nothing more, and it
// cannot go to the other case as well. A credit that names Svoboda goes
// to his case. The refused statements (too large, an amount of
// 9 223 372 036 854 775 807 Kč, in euro) record nothing and leave the
// payment totals of /v1/stats as they were.
func TestASharedVariableSymbolIsNeverGuessed(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			db, args := statementDB(t, backend)
			repo, novakova, svoboda := house154(t, db)
			importIt := func(file string) (string, error) {
				var out bytes.Buffer
				err := run(context.Background(), append(append([]string{"import-statement", "--office", "nova-ves"}, args...), file), &out)
				return out.String(), err
			}
			out, err := importIt(statementFile(t,
				credit("1200.00", "2026-02-20", "R-SHARED", "1541", "odpad"),
				credit("1200.00", "2026-02-21", "R-SVOBODA", "1541", "Svobóda odpad 2026"),
				credit("300.00", "2026-02-22", "R-RETURN", "1541", "omylem")))
			if err != nil || !strings.Contains(out, "3 credits; 1 recorded, 0 recorded before; 2 unmatched credits listed, 0 listed before") {
				t.Fatalf("import: %v\n%s", err, out)
			}
			if p := payments(t, repo, novakova); len(p) != 0 {
				t.Fatalf("a credit was put on Nováková's case by the shared VS alone: %v", p)
			}
			if p := payments(t, repo, svoboda); len(p) != 1 || p["R-SVOBODA"] != 1 {
				t.Fatalf("Svoboda's case: %v, want his own credit", p)
			}

			a := serveAPI(t, db)
			status, list := a.do("GET", "/v1/unmatched-credits?office=nova-ves&status=open", "c", nil)
			items, _ := list["items"].([]any)
			if status != 200 || len(items) != 2 {
				t.Fatalf("unmatched credits: %d %v", status, list)
			}
			shared := items[0].(map[string]any)
			if shared["bank_reference"] != "R-SHARED" || shared["amount_czk"] != 1200.0 || shared["variable_symbol"] != "1541" ||
				shared["message"] != "odpad" || shared["booked_on"] != "2026-02-20" || shared["counter_party"] != "PLATCE" || shared["status"] != "open" {
				t.Fatalf("the shared credit: %v", shared)
			}
			id := shared["id"].(string)
			if status, _ := a.do("GET", "/v1/unmatched-credits", "d", nil); status != 403 {
				t.Errorf("a dashboard lists unmatched credits: %d", status)
			}

			status, first := a.do("POST", "/v1/unmatched-credits/"+id+"/assign", "c", map[string]string{"case_id": novakova})
			if status != 201 || first["status"] != "assigned" || first["case_id"] != novakova || first["decided_by"] != "fee-dept" {
				t.Fatalf("assign: %d %v", status, first)
			}
			if p := payments(t, repo, novakova); len(p) != 1 || p["R-SHARED"] != 1 {
				t.Fatalf("after the assignment Nováková's case holds %v, want one payment R-SHARED", p)
			}
			status, again := a.do("POST", "/v1/unmatched-credits/"+id+"/assign", "o", map[string]string{"case_id": novakova})
			if status != 201 || fmt.Sprint(again["version"], again["position"], again["status"]) != fmt.Sprint(first["version"], first["position"], first["status"]) {
				t.Errorf("a second assignment: %d %v, want the first answer %v", status, again, first)
			}
			if p := payments(t, repo, novakova); len(p) != 1 || p["R-SHARED"] != 1 {
				t.Errorf("a second assignment recorded more: %v", p)
			}
			if status, body := a.do("POST", "/v1/unmatched-credits/"+id+"/assign", "c", map[string]string{"case_id": svoboda}); status != 409 {
				t.Errorf("assigning it to another case: %d %v", status, body)
			}
			if status, _ := a.do("POST", "/v1/unmatched-credits/"+id+"/return", "c", map[string]string{"reason": "x"}); status != 409 {
				t.Errorf("returning an assigned credit: %d", status)
			}
			if p := payments(t, repo, svoboda); len(p) != 1 {
				t.Errorf("Svoboda's case after the refused assignment: %v", p)
			}

			other := items[1].(map[string]any)["id"].(string)
			if status, body := a.do("POST", "/v1/unmatched-credits/"+other+"/return", "c", map[string]string{"reason": " "}); status != 400 {
				t.Errorf("a return without a reason: %d %v", status, body)
			}
			status, ret := a.do("POST", "/v1/unmatched-credits/"+other+"/return", "c", map[string]string{"reason": "plátce neznámý, vrátit"})
			if status != 200 || ret["status"] != "returned" || ret["return_reason"] != "plátce neznámý, vrátit" {
				t.Fatalf("return: %d %v", status, ret)
			}
			if status, _ := a.do("POST", "/v1/unmatched-credits/"+other+"/assign", "c", map[string]string{"case_id": svoboda}); status != 409 {
				t.Errorf("assigning a returned credit: %d", status)
			}
			if status, _ := a.do("POST", "/v1/unmatched-credits/00000000-0000-4000-8000-000000000000/assign", "c", map[string]string{"case_id": svoboda}); status != 404 {
				t.Errorf("an unknown credit: %d", status)
			}
			_, open := a.do("GET", "/v1/unmatched-credits?status=open", "c", nil)
			_, all := a.do("GET", "/v1/unmatched-credits?limit=1", "c", nil)
			if n := len(open["items"].([]any)); n != 0 || len(all["items"].([]any)) != 1 || all["next_cursor"] == "" {
				t.Errorf("after the decisions: %d open, a page of all %v", n, all)
			}
			_, next := a.do("GET", "/v1/unmatched-credits?limit=1&cursor="+all["next_cursor"].(string), "c", nil)
			if items := next["items"].([]any); len(items) != 1 || items[0].(map[string]any)["status"] != "returned" {
				t.Errorf("the second page: %v", next)
			}

			// A statement that is refused records nothing and changes no total.
			events := countEvents(t, db)
			stats := func() string {
				t.Helper()
				status, st := a.do("GET", "/v1/stats?from=2026-01-01&to=2026-12-31&min_position="+strconv.Itoa(events), "d", nil)
				if status != 200 {
					t.Fatalf("stats: %d %v", status, st)
				}
				j, _ := json.Marshal(st["payments"])
				return string(j)
			}
			before := stats()
			if !strings.Contains(before, `"paid_czk":2400`) {
				t.Fatalf("payment totals before: %s", before)
			}
			huge := statementFile(t, credit("100.00", "2026-02-25", "R-OK", "1541", "Nováková"),
				credit("9223372036854775807.00", "2026-02-26", "R-HUGE", "1541", "Svoboda"))
			if _, err := importIt(huge); err == nil || !strings.Contains(err.Error(), "entry 2") || !strings.Contains(err.Error(), "nothing was recorded") {
				t.Errorf("a credit of 9 223 372 036 854 775 807 Kč: %v", err)
			}
			raw, _ := os.ReadFile(huge)
			euro := filepath.Join(t.TempDir(), "euro.xml")
			_ = os.WriteFile(euro, bytes.ReplaceAll(bytes.Replace(raw, []byte("9223372036854775807.00"), []byte("1.00"), 1),
				[]byte("<Ccy>CZK</Ccy>"), []byte("<Ccy>EUR</Ccy>")), 0o600)
			if _, err := importIt(euro); err == nil || !strings.Contains(err.Error(), "not in CZK") || !strings.Contains(err.Error(), `"EUR"`) {
				t.Errorf("a statement of a euro account: %v", err)
			}
			large := filepath.Join(t.TempDir(), "large.xml")
			f, err := os.Create(large)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = f.Write(raw)
			// Sparse: the size is what is refused, before a byte is parsed.
			if err := f.Truncate(50<<20 + 1); err != nil {
				t.Fatal(err)
			}
			_ = f.Close()
			if _, err := importIt(large); err == nil || !strings.Contains(err.Error(), "too large") || !strings.Contains(err.Error(), "nothing was recorded") {
				t.Errorf("a statement over 50 MiB: %v", err)
			}
			if countEvents(t, db) != events {
				t.Errorf("a refused statement recorded events")
			}
			if after := stats(); after != before {
				t.Errorf("payment totals changed after refused statements:\n%s\n%s", before, after)
			}
		})
	}
}

var reported = regexp.MustCompile(`(\d+) recorded, (\d+) recorded before; (\d+) unmatched credits listed, (\d+) listed before`)

// Two imports of one statement at once record each credit once and each
// reports only what it did: together they report every credit once.
func TestConcurrentImportsRecordAndReportOnce(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			db, args := statementDB(t, backend)
			repo, novakova, svoboda := house154(t, db)
			file := statementFile(t,
				credit("1200.00", "2026-02-20", "R-1", "1541", "Nováková"),
				credit("1200.00", "2026-02-21", "R-2", "1541", "Svoboda"),
				credit("1200.00", "2026-02-22", "R-3", "1541", "odpad"),
				credit("50.00", "2026-02-23", "R-4", "9999", "nic"))
			events := countEvents(t, db)
			var (
				wg   sync.WaitGroup
				outs [2]string
				errs [2]error
			)
			for i := range outs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var out bytes.Buffer
					errs[i] = run(context.Background(), append(append([]string{"import-statement", "--office", "nova-ves"}, args...), file), &out)
					outs[i] = out.String()
				}()
			}
			wg.Wait()
			var sum [4]int
			for i, out := range outs {
				m := reported.FindStringSubmatch(out)
				if errs[i] != nil || m == nil {
					t.Fatalf("import %d: %v\n%s", i, errs[i], out)
				}
				for j := range sum {
					n, _ := strconv.Atoi(m[j+1])
					sum[j] += n
				}
			}
			// Each of the 2 matched credits is recorded by one run and found
			// recorded by the other; each of the 2 unmatched is listed once.
			if sum != [4]int{2, 2, 2, 2} {
				t.Errorf("together the runs report %v (recorded, before, listed, before), want [2 2 2 2]:\n%s\n%s", sum, outs[0], outs[1])
			}
			if n := countEvents(t, db); n != events+2 {
				t.Errorf("%d events recorded, want 2", n-events)
			}
			if p, q := payments(t, repo, novakova), payments(t, repo, svoboda); len(p) != 1 || p["R-1"] != 1 || len(q) != 1 || q["R-2"] != 1 {
				t.Errorf("payments: Nováková %v, Svoboda %v", p, q)
			}
			var listed int
			if err := db.SQL.QueryRow(`SELECT COUNT(*) FROM statement_credits WHERE status = 'open'`).Scan(&listed); err != nil || listed != 2 {
				t.Errorf("%d open credits, want 2 (%v)", listed, err)
			}
		})
	}
}

// A credit without a variable symbol names no case: it is listed, and the
// fee department, which knows from the message whose money it is, assigns
// it naming the obligation's symbol (nothing lost, nothing guessed). Without
// a symbol the payment is invalid (400) and the credit stays open.
func TestACreditWithoutAVariableSymbolIsAssignedWithTheObligations(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			db, args := statementDB(t, backend)
			repo, novakova, _ := house154(t, db)
			var out bytes.Buffer
			file := statementFile(t, credit("1200.00", "2026-02-20", "R-NOVS", "", "Jana Nováková odpad"))
			if err := run(context.Background(), append(append([]string{"import-statement", "--office", "nova-ves"}, args...), file), &out); err != nil ||
				!strings.Contains(out.String(), "1 credits; 0 recorded, 0 recorded before; 1 unmatched credits listed") {
				t.Fatalf("import: %v\n%s", err, out.String())
			}
			a := serveAPI(t, db)
			_, list := a.do("GET", "/v1/unmatched-credits?status=open", "c", nil)
			items, _ := list["items"].([]any)
			if len(items) != 1 {
				t.Fatalf("unmatched credits: %v", list)
			}
			id := items[0].(map[string]any)["id"].(string)
			if status, body := a.do("POST", "/v1/unmatched-credits/"+id+"/assign", "c", map[string]string{"case_id": novakova}); status != 400 {
				t.Fatalf("assigning a credit without a symbol: %d %v, want 400 naming data.variable_symbol", status, body)
			}
			if status, body := a.do("POST", "/v1/unmatched-credits/"+id+"/assign", "c",
				map[string]string{"case_id": novakova, "variable_symbol": "1541"}); status != 201 || body["status"] != "assigned" {
				t.Fatalf("assigning it with the obligation's symbol: %d %v", status, body)
			}
			if p := payments(t, repo, novakova); len(p) != 1 || p["R-NOVS"] != 1 {
				t.Fatalf("Nováková's case holds %v, want the one payment R-NOVS", p)
			}
		})
	}
}
