package erasure_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/domain/reminder"
	"github.com/lhuta/lhuta/domain/retention"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/erasure"
	"github.com/lhuta/lhuta/internal/reminders"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/vault"
	"github.com/lhuta/lhuta/projections"
)

// The canary's values: unique strings that appear nowhere else.
// The variable symbol, made from the house number, is added by the test.
var canaryValues = []string{"kanarek-citizen-7q", "Kanárek Zapomenutelný", "1931-07-19", "kanarek.zapomenutelny@example.org",
	"49173862"} // eight digits: a short value turns up by chance in random ids

// clerk records the tests' events.
var clerk = cases.Context{Today: calendar.NewDate(2026, 3, 10), Actor: "alice", Role: cases.Clerk}

func record(t *testing.T, repo *caserepo.Repository, id string, typ cases.EventType, data map[string]any) {
	t.Helper()
	b, _ := json.Marshal(data)
	if _, err := repo.Update(context.Background(), id, caserepo.Any, caserepo.Request{Actor: "alice", RecordedAt: time.Now()},
		func(c *cases.Case) (cases.Recorded, error) { return c.Record(typ, b, clerk) }); err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
}

func open(t *testing.T, repo *caserepo.Repository, citizen, name, born string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"situation": "local_fee", "office": "nova-ves",
		"citizen": map[string]string{"id": citizen, "birth_date": born, "full_name": name}})
	rec, err := cases.Open(b, clerk)
	if err != nil {
		t.Fatal(err)
	}
	e, err := repo.Create(context.Background(), rec, caserepo.Request{Actor: "alice", RecordedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return e.StreamID
}

// dispose closes the case (reason: free text), schedules it and records
// its disposal with the disposition given, as an approved disposal does.
func dispose(t *testing.T, repo *caserepo.Repository, id, reason string, d cases.Disposition) {
	t.Helper()
	record(t, repo, id, cases.CaseClosedType, map[string]any{"reason": reason})
	for _, rec := range []cases.Recorded{
		{Type: cases.RetentionScheduledType, Data: &cases.RetentionScheduled{Mark: retention.Destroy, Years: 1, Trigger: retention.Closed,
			TriggerOn: clerk.Today, EndsOn: retention.EndsOn(clerk.Today, 1)}},
		{Type: cases.CaseDisposedType, Data: &cases.CaseDisposed{DisposalID: "D-" + id, ArchiveDecision: "SA-1/2026",
			DecidedOn: clerk.Today, Disposition: d}},
	} {
		if _, err := repo.Update(context.Background(), id, caserepo.Any, caserepo.Request{Actor: "system", RecordedAt: time.Now()},
			func(*cases.Case) (cases.Recorded, error) { return rec, nil }); err != nil {
			t.Fatalf("%s: %v", rec.Type, err)
		}
	}
}

// setup is a database with a vault, the read models prepared, and the
// pipeline running (stopped at the test's end).
func setup(t *testing.T, db *eventstore.DB) (*vault.Vault, *projections.Pipeline, *caserepo.Repository) {
	t.Helper()
	v := testdb.Sealed(t, db)
	v.KeepTombstonesIn(filepath.Join(t.TempDir(), vault.TombstoneFile))
	if err := projections.Prepare(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	p := projections.New(db, slog.New(slog.DiscardHandler))
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = p.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
	return v, p, caserepo.New(db.Store())
}

// forgettable opens a case for the citizen, disposes of it as destroyed
// and gives the citizen a portal account: all a forgetting wants gone.
func forgettable(t *testing.T, db *eventstore.DB, repo *caserepo.Repository, citizen, name, born, username string) string {
	t.Helper()
	id := open(t, repo, citizen, name, born)
	dispose(t, repo, id, "vyřízeno", cases.DisposedDestroyed)
	portalAccount(t, db, citizen, username)
	return id
}

// keyOf is the citizen's key in the vault, which must have one.
func keyOf(t *testing.T, v *vault.Vault, citizen string) string {
	t.Helper()
	key, err := v.KeyOf(context.Background(), citizen)
	if err != nil || key == "" {
		t.Fatalf("key %q, %v", key, err)
	}
	return key
}

// caughtUp waits until the pipeline has folded every event in the log.
func caughtUp(t *testing.T, db *eventstore.DB, p *projections.Pipeline) {
	t.Helper()
	if err := p.WaitFor(context.Background(), testdb.Head(t, db).Position, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// portalAccount gives the citizen a portal account, kept by their id.
func portalAccount(t *testing.T, db *eventstore.DB, citizenID, username string) {
	t.Helper()
	exec(t, db, `INSERT INTO portal_accounts (citizen_id, username, password_hash, must_change, issued_at, issued_by) VALUES ($1, $2, 'x', false, 1, 'alice')`,
		citizenID, username)
}

func count(t *testing.T, db *eventstore.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func exec(t *testing.T, db *eventstore.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.SQL.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func dump(t *testing.T, db *eventstore.DB, q string) string {
	t.Helper()
	var b strings.Builder
	for _, vals := range testdb.Rows(t, db.SQL, q) {
		for _, v := range vals {
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
		v, p, repo := setup(t, db)
		id := open(t, repo, canary[0], canary[1], canary[2])
		record(t, repo, id, cases.LocalFeeLiabilityAroseType, map[string]any{"fee": "waste", "arose_on": "2026-01-15",
			"basis": "permanent_residence", "house_number": canary[4], "village_part": "Miřejovice"})
		record(t, repo, id, cases.ContactConsentGivenType, map[string]any{"email": canary[3]})
		c, err := repo.Load(bg, id)
		if err != nil {
			t.Fatal(err)
		}
		obs := c.PaymentObligations(clerk.Today, money.Builtin())
		if len(obs) == 0 || obs[0].VariableSymbol == "" {
			t.Fatalf("no payment obligation with a variable symbol: %+v", obs)
		}
		canary = append(canary, obs[0].VariableSymbol)
		record(t, repo, id, cases.PaymentReceivedType, map[string]any{"amount_czk": 100, "paid_on": "2026-03-01", "variable_symbol": canary[5]})
		other := open(t, repo, "other-citizen-1", "Jana Ostatní", "1970-01-02")
		record(t, repo, other, cases.ContactConsentGivenType, map[string]any{"email": "jana.ostatni@example.org"})
		caughtUp(t, db, p)

		// A reminder queued the real way: internal/reminders puts it into
		// the outbox through watermill's forwarder, whose envelope has a
		// uuid of its own and the letter base64 inside base64.
		c, err = repo.Load(bg, id)
		if err != nil {
			t.Fatal(err)
		}
		plan := reminder.Plan(c, clerk.Today, money.Builtin())
		if len(plan) == 0 {
			t.Fatal("the canary's case plans no reminder")
		}
		sendOn := plan[0].SendOn
		rs, err := reminders.New(reminders.Config{SMTPURL: "smtp://127.0.0.1:1", From: "podatelna@nova-ves.cz",
			Today: func() calendar.Date { return sendOn }, Log: slog.New(slog.DiscardHandler)}, db)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := rs.Tick(bg); err != nil || n == 0 {
			t.Fatalf("queued %d reminders (%v), want at least one", n, err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM watermill_reminders WHERE uuid IN (SELECT reminder_id FROM reminder_sent)`); n != 0 {
			t.Fatalf("%d outbox rows carry a reminder's id: the outbox is not the forwarder's", n)
		}
		outbox := count(t, db, `SELECT COUNT(*) FROM watermill_reminders`)
		if outbox == 0 {
			t.Fatal("nothing in the outbox")
		}
		// The case is closed (a free-text reason), scheduled and destroyed:
		// nothing keeps its citizen any more.
		dispose(t, repo, id, "poplatek za odpad", cases.DisposedDestroyed)

		// A killed rebuild's half-built generation, holding the canary's name.
		var liveGen int64
		if err := db.SQL.QueryRow(`SELECT generation FROM read_model_generation`).Scan(&liveGen); err != nil {
			t.Fatal(err)
		}
		exec(t, db, fmt.Sprintf(`CREATE TABLE case_view_g%d (full_name TEXT)`, liveGen+1))
		exec(t, db, fmt.Sprintf(`INSERT INTO case_view_g%d (full_name) VALUES ($1)`, liveGen+1), canary[1])
		portalAccount(t, db, canary[0], "kanarek77")
		exec(t, db, `INSERT INTO portal_sessions (id_hash, kind, citizen_id, csrf, must_change, created_at, seen_at, expires_at) VALUES ('h1', 'cookie', $1, 'c', false, 1, 1, 2)`, canary[0])
		exec(t, db, `INSERT INTO idempotency_keys (actor, idem_key, request_hash, stream_id, position, recorded_unix) VALUES ('alice', 'k1', 'rh', $1, 1, 1)`, id)
		exec(t, db, `INSERT INTO reminder_sent (reminder_id, case_id, citizen_id, office, kind, send_on, queued_at, recipient, message) VALUES ('r1', $1, $2, 'nova-ves', 'payment', '2026-03-01', $3, $4, $5)`,
			id, canary[0], time.Now().UTC(), canary[3], []byte("To: "+canary[3]+"\r\n\r\nDobrý den, "+canary[1]))
		exec(t, db, `INSERT INTO personal_data_reads (read_at, case_id, actor, role, office, route, request_id) VALUES (1, $1, 'alice', 'clerk', 'nova-ves', $2, 'req-1')`,
			id, "/v1/citizens?name="+canary[1])
		credit := func(id, vs, message, party string) {
			exec(t, db, `INSERT INTO statement_credits (id, office, bank_reference, statement, booked_on, amount_czk, variable_symbol, message, counter_party, status, reason, imported_at)
			VALUES ($1, 'nova-ves', $1, 'S1', '2026-03-02', 50, $2, $3, $4, 'open', 'no case', 1)`, id, vs, message, party)
		}
		credit("cr1", canary[5], "poplatek "+canary[1], strings.ToUpper(canary[1]))
		// Another citizen's credit that shares words with the canary's free
		// text stays; one that names the canary (folded) does not.
		credit("cr2", "7700001111", "VS 7700001111, poplatek za odpad", "Jana Ostatní")
		credit("cr3", "7700002222", "za KANAREK ZAPOMENUTELNY", "Petr Třetí")

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
		inOutbox := false
		for _, h := range pre.Hits {
			inOutbox = inOutbox || strings.Contains(h.Where, "watermill_reminders") && strings.Contains(h.Where, "column payload")
		}
		if !inOutbox {
			t.Fatal("the scan finds nothing of the canary in the outbox before the forgetting")
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
		if n := count(t, db, `SELECT COUNT(*) FROM watermill_reminders`); n != 0 {
			t.Errorf("%d of the canary's %d outbox rows are left after the forgetting", n, outbox)
		}
		for cr, want := range map[string]string{"cr2": "VS 7700001111, poplatek za odpad", "cr3": cases.Forgotten} {
			var msg string
			if err := db.SQL.QueryRow(`SELECT message FROM statement_credits WHERE id = $1`, cr).Scan(&msg); err != nil || msg != want {
				t.Errorf("credit %s's message after the forgetting: %q (%v), want %q", cr, msg, err, want)
			}
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

// Forget refuses while a case the citizen's key seals is not disposed of
// as destroyed, from the events (not the read models): nothing is
// destroyed, purged or recorded. A restored backup's ForgetKey does not ask.
func TestForgetRefusesWhileACaseIsRetained(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		bg := context.Background()
		v, p, repo := setup(t, db)
		gone := forgettable(t, db, repo, "retained-citizen-1", "Běla Držená", "1960-02-03", "bela60")
		live := open(t, repo, "retained-citizen-1", "Běla Držená", "1960-02-03")
		caughtUp(t, db, p)
		key := keyOf(t, v, "retained-citizen-1")
		e := &erasure.Eraser{DB: db, Vault: v, Pipeline: p, NoCompact: true}
		_, err := e.Forget(bg, "retained-citizen-1")
		var re *erasure.RetainedError
		if !errors.Is(err, erasure.ErrRetained) || !errors.As(err, &re) || re.Case != live {
			t.Fatalf("Forget with an open case answered %v, want ErrRetained naming %s", err, live)
		}
		if k, err := v.KeyOf(bg, "retained-citizen-1"); err != nil || k != key {
			t.Errorf("the key after a refused forgetting: %q, %v", k, err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM portal_accounts WHERE citizen_id = 'retained-citizen-1'`) +
			count(t, db, `SELECT COUNT(*) FROM erasures`); n != 1 {
			t.Errorf("a refused forgetting purged or recorded something (%d rows, want the portal account alone)", n)
		}
		var name string
		if err := db.SQL.QueryRow(`SELECT full_name FROM case_view WHERE case_id = $1`, gone).Scan(&name); err != nil || name != "Běla Držená" {
			t.Errorf("case_view.full_name after a refused forgetting: %q, %v", name, err)
		}

		// Transferred to the archive is not destroyed either.
		dispose(t, repo, live, "vyřízeno", cases.DisposedTransferred)
		if _, err := e.Forget(bg, "retained-citizen-1"); !errors.Is(err, erasure.ErrRetained) {
			t.Errorf("Forget with a transferred case answered %v, want ErrRetained", err)
		}
		// A restored backup forgets the key it was told of, without asking.
		if r, err := e.ForgetKey(bg, key); err != nil || r.KeyID != key {
			t.Errorf("ForgetKey: %+v, %v", r, err)
		}
	})
}

// A forgetting takes the rebuild's lock before it reads anything: while a
// rebuild runs (it may have read the values and would switch over with
// them) it fails with the key still there; once the rebuild is done, a
// retry forgets.
func TestForgetWaitsForNoRebuild(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		bg := context.Background()
		v, p, repo := setup(t, db)
		forgettable(t, db, repo, "rebuilt-citizen-1", "Cyril Přestavěný", "1950-04-05", "cyril50")

		// A rebuild of another process holds the lock.
		rebuild := projections.New(db, slog.New(slog.DiscardHandler))
		release, err := rebuild.HoldRebuild(bg)
		if err != nil {
			t.Fatal(err)
		}
		e := &erasure.Eraser{DB: db, Vault: v, Pipeline: p, NoCompact: true}
		if _, err := e.Forget(bg, "rebuilt-citizen-1"); !errors.Is(err, projections.ErrRebuildRunning) {
			t.Errorf("Forget during a rebuild answered %v, want ErrRebuildRunning", err)
		}
		if k, err := v.KeyOf(bg, "rebuilt-citizen-1"); err != nil || k == "" {
			t.Errorf("the key went during a rebuild: %q, %v", k, err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM portal_accounts`) - count(t, db, `SELECT COUNT(*) FROM erasures`); n != 1 {
			t.Error("a forgetting during a rebuild purged or recorded something")
		}
		release()
		if r, err := e.Forget(bg, "rebuilt-citizen-1"); err != nil || r.KeyID == "" {
			t.Fatalf("Forget after the rebuild: %+v, %v", r, err)
		}
		// The lock is free again: a rebuild may take it.
		release, err = rebuild.HoldRebuild(bg)
		if err != nil {
			t.Fatalf("the rebuild's lock after a forgetting: %v", err)
		}
		release()
	})
}

// An erasure resumed after the key went (a crash between the key's
// destruction and the end) still purges what is kept by the citizen's id
// and drops their consent rows, when Forget is given the id.
func TestForgetResumedPurgesByCitizen(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		bg := context.Background()
		v, p, repo := setup(t, db)
		id := open(t, repo, "resumed-citizen-1", "Dana Obnovená", "1940-06-07")
		record(t, repo, id, cases.ContactConsentGivenType, map[string]any{"email": "dana.obnovena@example.org"})
		dispose(t, repo, id, "vyřízeno", cases.DisposedDestroyed)
		caughtUp(t, db, p)
		if n := count(t, db, `SELECT COUNT(*) FROM consent_view WHERE citizen_id = 'resumed-citizen-1'`); n != 1 {
			t.Fatalf("%d consent rows before, want 1", n)
		}
		key := keyOf(t, v, "resumed-citizen-1")
		// The crash: the erasure recorded, the key destroyed, nothing else.
		exec(t, db, `INSERT INTO erasures (key_id, subject, started_at) VALUES ($1, $2, $3)`, key, v.Subject("resumed-citizen-1"), time.Now().UTC())
		if _, err := v.ForgetKey(bg, key); err != nil {
			t.Fatal(err)
		}
		// Written between the gathering and the crash.
		portalAccount(t, db, "resumed-citizen-1", "dana40")

		e := &erasure.Eraser{DB: db, Vault: v, Pipeline: p, NoCompact: true}
		r, err := e.Forget(bg, "resumed-citizen-1")
		if err != nil || r.KeyID != key || !r.Resumed {
			t.Fatalf("the resumed forgetting: %+v, %v", r, err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM portal_accounts WHERE citizen_id = 'resumed-citizen-1'`); n != 0 {
			t.Errorf("the portal account is left after a resumed forgetting")
		}
		if n := count(t, db, `SELECT COUNT(*) FROM consent_view WHERE citizen_id = 'resumed-citizen-1'`); n != 0 {
			t.Errorf("%d consent rows under the citizen's id are left after a resumed forgetting", n)
		}
	})
}
