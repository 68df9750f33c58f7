package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections/views"
)

// statementDB is a fresh database of the backend and the arguments that
// make import-statement use it, on 10 Mar 2026.
func statementDB(t *testing.T, backend string) (*eventstore.DB, []string) {
	t.Helper()
	sharedKEK(t)
	db := testdb.Open(t, backend)
	args := []string{"--data-dir", filepath.Dir(db.Where), "--clock", "2026-03-10"}
	if backend == "postgres" {
		db.Close()
		url := testdb.PostgresURL(t)
		var err error
		if db, err = eventstore.OpenPostgres(context.Background(), url); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		args = []string{"--database-url", url, "--clock", "2026-03-10"}
		if err := run(context.Background(), []string{"migrate", "--database-url", url}, new(bytes.Buffer)); err != nil {
			t.Fatal(err)
		}
	}
	sealWith(t, db)
	return db, args
}

// openPayer opens a local_fee case at Nová Ves with one liability.
func openPayer(t *testing.T, repo *caserepo.Repository, ctx cases.Context, citizen string, liability map[string]any) string {
	t.Helper()
	return openPayerNamed(t, repo, ctx, citizen, "Jana Nováková", liability)
}

// openPayerNamed opens a local_fee case at Nová Ves for a named payer with one liability.
func openPayerNamed(t *testing.T, repo *caserepo.Repository, ctx cases.Context, citizen, name string, liability map[string]any) string {
	t.Helper()
	open, _ := json.Marshal(map[string]any{"situation": "local_fee", "office": "nova-ves",
		"citizen": map[string]string{"id": citizen, "birth_date": "1980-05-17", "full_name": name}})
	rec, err := cases.Open(open, ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, err := repo.Create(context.Background(), rec, caserepo.Request{Actor: "alice", RecordedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(liability)
	if _, err := repo.Update(context.Background(), e.StreamID, caserepo.Any, caserepo.Request{Actor: "alice", RecordedAt: time.Now()},
		func(c *cases.Case) (cases.Recorded, error) {
			return c.Record(cases.LocalFeeLiabilityAroseType, data, ctx)
		}); err != nil {
		t.Fatal(err)
	}
	return e.StreamID
}

func countEvents(t *testing.T, db *eventstore.DB) int {
	t.Helper()
	n, err := db.Store().CountAfter(context.Background(), eventstore.Start)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// Importing the sample statement twice records its two matched payments
// once; the unknown VS and the payment without one are reported and
// record nothing; a malformed statement records nothing and says why.
func TestImportStatementTwice(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(backend, func(t *testing.T) {
			db, args := statementDB(t, backend)
			repo := caserepo.New(db.Store())
			ctx := cases.Context{Today: calendar.NewDate(2026, 3, 10), Actor: "alice", Role: cases.Clerk}
			waste := openPayer(t, repo, ctx, "p-1", map[string]any{"fee": "waste", "arose_on": "2026-01-15",
				"basis": "permanent_residence", "house_number": "154", "village_part": "Nová Ves"})
			dogs := openPayer(t, repo, ctx, "p-2", map[string]any{"fee": "dog", "arose_on": "2025-01-10",
				"basis": "owner", "house_number": "124", "village_part": "Vepřek", "dogs": 2})
			sample := filepath.Join("..", "..", "internal", "camt", "testdata", "statement.xml")
			importIt := func(file string) (string, error) {
				var out bytes.Buffer
				err := run(context.Background(), append(append([]string{"import-statement", "--office", "nova-ves"}, args...), file), &out)
				return out.String(), err
			}

			out, err := importIt(sample)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, "4 credits; 2 recorded, 0 recorded before; 2 unmatched credits listed, 0 listed before") ||
				!strings.Contains(out, "2026-02-25  700         9999             PLATCE C") || !strings.Contains(out, "no variable symbol") {
				t.Fatalf("first import:\n%s", out)
			}
			events := countEvents(t, db)
			out, err = importIt(sample)
			if err != nil || !strings.Contains(out, "0 recorded, 2 recorded before; 0 unmatched credits listed, 2 listed before") || countEvents(t, db) != events {
				t.Fatalf("second import (%d events, want %d): %v\n%s", countEvents(t, db), events, err, out)
			}

			// The dog owner's 2025 fee (500 Kč, two dogs all year, overdue) is settled first.
			reader := views.NewReader(db.SQL)
			c, err := repo.Load(context.Background(), dogs)
			if err != nil {
				t.Fatal(err)
			}
			ps := c.PaymentObligations(calendar.NewDate(2026, 3, 10), nil)
			if len(ps) != 2 || ps[0].Year != 2025 || ps[0].Status != cases.PaymentPaidLate || ps[1].Status != cases.PaymentOverdue {
				t.Errorf("dogs: %+v", ps)
			}
			c, _ = repo.Load(context.Background(), waste)
			if ps := c.PaymentObligations(calendar.NewDate(2026, 3, 10), nil); ps[0].Status != cases.PaymentPaid || ps[0].PaidOn != calendar.NewDate(2026, 2, 20) {
				t.Errorf("waste: %+v", ps)
			}
			if id, ok, err := reader.BankPayment(context.Background(), "nova-ves", "260220-0000001"); err != nil || !ok || id != waste {
				t.Errorf("bank payment: %s %v %v", id, ok, err)
			}

			raw, _ := os.ReadFile(sample)
			broken := filepath.Join(t.TempDir(), "broken.xml")
			os.WriteFile(broken, bytes.Replace(raw, []byte(`<Amt Ccy="CZK">500.00</Amt>`), []byte(`<Amt Ccy="EUR">500.00</Amt>`), 1), 0o600)
			if _, err := importIt(broken); err == nil || !strings.Contains(err.Error(), "entry 2") || !strings.Contains(err.Error(), "nothing was recorded") {
				t.Errorf("malformed: %v", err)
			}
			if _, err := importIt(filepath.Join(t.TempDir(), "missing.xml")); err == nil {
				t.Error("a missing file")
			}
			noIBAN := filepath.Join(t.TempDir(), "no-iban.xml")
			os.WriteFile(noIBAN, regexp.MustCompile(`<IBAN>[^<]*</IBAN>`).ReplaceAll(raw, []byte(`<Othr><Id>0460043319</Id></Othr>`)), 0o600)
			if _, err := importIt(noIBAN); err == nil || !strings.Contains(err.Error(), "names no IBAN") {
				t.Errorf("a statement without an IBAN: %v", err)
			}
			if countEvents(t, db) != events {
				t.Errorf("a failed import recorded events")
			}
			var out2 bytes.Buffer
			if err := run(context.Background(), append(append([]string{"import-statement", "--office", "brno"}, args...), sample), &out2); err == nil ||
				!strings.Contains(err.Error(), "nova-ves") {
				t.Errorf("unknown office: %v", err)
			}
			if err := run(context.Background(), []string{"import-statement", sample}, &out2); err == nil || !strings.Contains(err.Error(), "usage") {
				t.Errorf("no office: %v", err)
			}
		})
	}
}

// An offices file of one's own: an invalid one stops lhuta with its line;
// a statement of another account is refused.
func TestOfficesFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hora.txt"), []byte("[schedule]\nmunicipality = Hora\nvalid_from = 2024-01-01\naccount = 19-2000145399/0800\n"+
		"variable_symbol = {house_number}\nmessage = {surname}\nproration = statutory\n[fee waste]\ntitle = odpad\nrate = 900\ndue = 03-31\ncategory.resident = resident\n"), 0o600)
	good := filepath.Join(dir, "offices.txt")
	os.WriteFile(good, []byte("[office hora]\nname = Hora\nfine_due_days = 20\nschedules = hora.txt\n"), 0o600)
	o, err := loadOffices(good)
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := o.Office("hora"); !ok || len(h.Schedules) != 1 || h.FineDueDays != 20 || !officeAccount(h, "CZ6508000000192000145399") || officeAccount(h, "CZ6308000000000460043319") {
		t.Errorf("hora: %+v", h)
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("[office hora]\nname = Hora\nfine_due_days = soon\n"), 0o600)
	if _, err := loadOffices(bad); err == nil || !strings.Contains(err.Error(), "bad.txt:3:") {
		t.Errorf("invalid offices file: %v", err)
	}
	if _, err := loadOffices(filepath.Join(dir, "none.txt")); err == nil {
		t.Error("a missing offices file")
	}
	db := testdb.SQLite(t)
	sample := filepath.Join("..", "..", "internal", "camt", "testdata", "statement.xml")
	err = run(context.Background(), []string{"import-statement", "--office", "hora", "--offices", good, "--data-dir", filepath.Dir(db.Where), sample}, new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "not an account of office hora") {
		t.Errorf("another account's statement: %v", err)
	}
	err = run(context.Background(), []string{"serve", "--offices", bad, "--data-dir", filepath.Dir(db.Where), "--addr", "127.0.0.1:0"}, new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "bad.txt:3:") {
		t.Errorf("serve with an invalid offices file: %v", err)
	}
}
