package erasure_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/erasure"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/vault"
	"github.com/lhuta/lhuta/projections"
)

// The canary's values: unique strings that appear nowhere else.
// The variable symbol, made from the house number, is added by the test.
var canaryValues = []string{"kanarek-citizen-7q", "Kanárek Zapomenutelný", "1931-07-19", "kanarek.zapomenutelny@example.org",
	"4917"}

func record(t *testing.T, repo *caserepo.Repository, id string, typ cases.EventType, data map[string]any, ctx cases.Context) {
	t.Helper()
	b, _ := json.Marshal(data)
	if _, err := repo.Update(context.Background(), id, caserepo.Any, caserepo.Request{Actor: "alice", RecordedAt: time.Now()},
		func(c *cases.Case) (cases.Recorded, error) { return c.Record(typ, b, ctx) }); err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
}

func open(t *testing.T, repo *caserepo.Repository, citizen, name, born string, ctx cases.Context) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"situation": "local_fee", "office": "nova-ves",
		"citizen": map[string]string{"id": citizen, "birth_date": born, "full_name": name}})
	rec, err := cases.Open(b, ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, err := repo.Create(context.Background(), rec, caserepo.Request{Actor: "alice", RecordedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return e.StreamID
}

func exec(t *testing.T, db *eventstore.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.SQL.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func dump(t *testing.T, db *eventstore.DB, q string) string {
	t.Helper()
	rows, err := db.SQL.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			b.WriteString(strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(func() string { s, _ := json.Marshal(v); return string(s) }(), "\n", ""), " ", "")) + "|")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// A citizen's values in the events, the read models, the citizens table,
// idempotency records, the reminders' outbox and letters, portal accounts
// and sessions, the audit of reads and bank credits are all gone after
// Forget: a scan of every table finds none of them, while another
// citizen's stay; the read models equal a rebuild, the statistics do not
// move, SubjectForgotten is queued once, and a second Forget is a no-op.
func TestForgetLeavesNoTrace(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		bg := context.Background()
		canary := append([]string(nil), canaryValues...)
		kek, dir, _, err := vault.KEK("", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		v, err := vault.New(db, kek)
		if err != nil {
			t.Fatal(err)
		}
		v.KeepTombstonesIn(filepath.Join(filepath.Dir(dir), vault.TombstoneFile))
		db.Sealer = v
		if err := projections.Prepare(bg, db); err != nil {
			t.Fatal(err)
		}
		repo := caserepo.New(db.Store())
		ctx := cases.Context{Today: calendar.NewDate(2026, 3, 10), Actor: "alice", Role: cases.Clerk}
		id := open(t, repo, canary[0], canary[1], canary[2], ctx)
		record(t, repo, id, cases.LocalFeeLiabilityAroseType, map[string]any{"fee": "waste", "arose_on": "2026-01-15",
			"basis": "permanent_residence", "house_number": canary[4], "village_part": "Miřejovice"}, ctx)
		record(t, repo, id, cases.ContactConsentGivenType, map[string]any{"email": canary[3]}, ctx)
		c, err := repo.Load(bg, id)
		if err != nil {
			t.Fatal(err)
		}
		obs := c.PaymentObligations(ctx.Today, money.Builtin())
		if len(obs) == 0 || obs[0].VariableSymbol == "" {
			t.Fatalf("no payment obligation with a variable symbol: %+v", obs)
		}
		canary = append(canary, obs[0].VariableSymbol)
		record(t, repo, id, cases.PaymentReceivedType, map[string]any{"amount_czk": 100, "paid_on": "2026-03-01", "variable_symbol": canary[5]}, ctx)
		other := open(t, repo, "other-citizen-1", "Jana Ostatní", "1970-01-02", ctx)
		record(t, repo, other, cases.ContactConsentGivenType, map[string]any{"email": "jana.ostatni@example.org"}, ctx)

		exec(t, db, `INSERT INTO portal_accounts (citizen_id, username, password_hash, must_change, issued_at, issued_by) VALUES ($1, 'kanarek77', 'x', false, 1, 'alice')`, canary[0])
		exec(t, db, `INSERT INTO portal_sessions (id_hash, kind, citizen_id, csrf, must_change, created_at, seen_at, expires_at) VALUES ('h1', 'cookie', $1, 'c', false, 1, 1, 2)`, canary[0])
		exec(t, db, `INSERT INTO idempotency_keys (actor, idem_key, request_hash, stream_id, position, recorded_unix) VALUES ('alice', 'k1', 'rh', $1, 1, 1)`, id)
		exec(t, db, `INSERT INTO reminder_sent (reminder_id, case_id, citizen_id, office, kind, send_on, queued_at, recipient, message) VALUES ('r1', $1, $2, 'nova-ves', 'payment', '2026-03-01', $3, $4, $5)`,
			id, canary[0], time.Now().UTC(), canary[3], []byte("To: "+canary[3]+"\r\n\r\nDobrý den, "+canary[1]))
		payload, _ := json.Marshal(map[string]any{"to": canary[3], "message": []byte("Dobrý den, " + canary[1])})
		if db.Dialect.Name == eventstore.Postgres.Name {
			exec(t, db, `INSERT INTO watermill_reminders (uuid, payload, metadata, transaction_id) VALUES ('r1', $1, '{}', pg_current_xact_id())`, string(payload))
		} else {
			exec(t, db, `INSERT INTO watermill_reminders (uuid, payload, metadata) VALUES ('r1', $1, '{}')`, payload)
		}
		exec(t, db, `INSERT INTO personal_data_reads (read_at, case_id, actor, role, office, route, request_id) VALUES (1, $1, 'alice', 'clerk', 'nova-ves', $2, 'req-1')`,
			id, "/v1/citizens?name="+canary[1])
		exec(t, db, `INSERT INTO statement_credits (id, office, bank_reference, statement, booked_on, amount_czk, variable_symbol, message, counter_party, status, reason, imported_at)
			VALUES ('cr1', 'nova-ves', 'B1', 'S1', '2026-03-02', 50, $1, $2, $3, 'open', 'no case', 1)`, canary[5], "poplatek "+canary[1], strings.ToUpper(canary[1]))

		p := projections.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		runCtx, stop := context.WithCancel(bg)
		done := make(chan struct{})
		go func() { defer close(done); _ = p.Run(runCtx) }()
		defer func() { stop(); <-done }()
		if err := p.WaitFor(bg, testdb.Head(t, db).Position, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		stats := func() string {
			return dump(t, db, `SELECT kind, day, month, situation, status, n FROM stat_day WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5`) +
				dump(t, db, `SELECT kind, month, changed, situation, status, n FROM stat_month WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5`) +
				dump(t, db, `SELECT * FROM payment_day WHERE n <> 0 ORDER BY 1, 2, 3, 4`)
		}
		before := stats()

		needles := erasure.Needles(canary)
		var pre erasure.Scan
		if err := pre.Database(bg, db, needles); err != nil {
			t.Fatal(err)
		}
		if len(pre.Hits) == 0 {
			t.Fatal("the scan finds none of the canary's values before the forgetting: it cannot be trusted after it")
		}

		e := &erasure.Eraser{DB: db, Vault: v, Pipeline: p}
		r, err := e.Forget(bg, canary[0])
		if err != nil {
			t.Fatal(err)
		}
		if r.KeyID == "" || len(r.Cases) != 1 || r.Cases[0] != id || r.Values < 5 {
			t.Fatalf("report %+v", r)
		}
		var after erasure.Scan
		if err := after.Database(bg, db, needles); err != nil {
			t.Fatal(err)
		}
		for _, h := range after.Hits {
			t.Errorf("a trace of value %d (%s) in %s", h.Value, h.Form, h.Where)
		}
		if got := stats(); got != before {
			t.Errorf("the statistics changed:\nbefore %s\nafter  %s", before, got)
		}
		diffs, err := projections.Check(bg, db, nil)
		if err != nil || len(diffs) != 0 {
			t.Errorf("rebuild --check after the forgetting: %v %+v", err, diffs)
		}
		var others erasure.Scan
		if err := others.Database(bg, db, erasure.Needles([]string{"Jana Ostatní", "jana.ostatni@example.org"})); err != nil {
			t.Fatal(err)
		}
		if len(others.Hits) == 0 {
			t.Error("the other citizen's values went too")
		}
		var name string
		if err := db.SQL.QueryRow(`SELECT full_name FROM case_view WHERE case_id = $1`, id).Scan(&name); err != nil || name != cases.Forgotten {
			t.Errorf("case_view.full_name after forgetting: %q, %v", name, err)
		}
		again, err := e.Forget(bg, canary[0])
		if err != nil || again.KeyID != "" {
			t.Errorf("forgetting again: %+v, %v", again, err)
		}
		var notices int
		if err := db.SQL.QueryRow(`SELECT COUNT(*) FROM feed_notices WHERE type = 'SubjectForgotten'`).Scan(&notices); err != nil || notices != 1 {
			t.Errorf("SubjectForgotten notices: %d, %v", notices, err)
		}

		// An erasure that destroyed the key and stopped (a crash, a failed
		// approval) is finished at the next start, by its own record.
		exec(t, db, `UPDATE erasures SET finished_at = NULL, subject = 'before-the-crash' WHERE key_id = $1`, r.KeyID)
		resumed, err := e.ForgetAgain(bg)
		if err != nil || len(resumed) != 1 || resumed[0].KeyID != r.KeyID || !resumed[0].Resumed {
			t.Errorf("ForgetAgain after an unfinished erasure: %+v, %v", resumed, err)
		}
		var unfinished int
		if err := db.SQL.QueryRow(`SELECT COUNT(*) FROM erasures WHERE finished_at IS NULL OR subject <> ''`).Scan(&unfinished); err != nil || unfinished != 0 {
			t.Errorf("%d erasures left unfinished (%v)", unfinished, err)
		}
	})
}
