package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/erasure"
	"github.com/lhuta/lhuta/internal/feed"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/teststack"
	"github.com/lhuta/lhuta/portal"
)

// The canary: a citizen whose every value is unique.
const (
	canaryID     = "kanarek-obcan-58q"
	canaryName   = "Kanárek Zapomenutelný"
	canaryBorn   = "1971-07-19"
	canaryNumber = "710719/4006"
	canaryEmail  = "kanarek.zapomenutelny@example.org"
	canaryHouse  = "49173862" // eight digits: a short one turns up by chance in a log's request ids
)

func getRaw(t *testing.T, url, token string, accept string) []byte {
	t.Helper()
	status, _, b := teststack.Call(t, "GET", url, token, nil, "Accept", accept)
	if status != 200 {
		t.Fatalf("GET %s: %d %s", url, status, b)
	}
	return b
}

// The acceptance of issue 23's forgetting, on both backends: a citizen with
// unique values goes through every input (a case opened with an
// Idempotency-Key and retried, events, a refused request, the search and a
// read of the case, portal access, a bank statement import, the feed with
// personal data, a CSV export), and signs in at the portal with the
// counter's credentials, changes the password and reads their pages; the
// case is closed and a backup is taken;
// the retention period ends (the service runs on in 2028), a records
// officer proposes the disposal and approves it with the archive's
// decision, which forgets the citizen: the citizen's session answers as
// signed out and signing in again fails; then the scanner
// of verify-forgotten finds none of the values in any table, a fresh dump
// (SQLite: the file, its WAL and a fresh backup), the JetStream stream, the
// service's log or a fresh CSV, /v1/stats answers as before, and the backup
// restored and started answers [zapomenuto] about the citizen.
func TestCanaryIsForgottenEverywhere(t *testing.T) {
	url := testdb.NATSURL(t)
	bin := teststack.Build(t)
	for _, backend := range testdb.Backends {
		t.Run(backend, func(t *testing.T) { canary(t, bin, url, backend) })
	}
}

func canary(t *testing.T, bin, natsServer, backend string) {
	sharedKEK(t)
	kekFile := os.Getenv("LHUTA_KEK_FILE")
	bg := context.Background()
	js, stream, subject := testStream(t, natsServer, "canary")

	dir := t.TempDir()
	dbURL := ""
	if backend == "postgres" {
		dbURL = testdb.PostgresURL(t)
	}
	// The office's retention rule for the canary's case: one year from its closing.
	rules := filepath.Join(t.TempDir(), "retention.txt")
	if err := os.WriteFile(rules, []byte("*  local_fee  S  1  closed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "LHUTA_TOKENS=clerk-token=clerk:alice,officer-token=compliance_officer:bob,records-token=records_officer:rita",
		"LHUTA_CLOCK=2026-03-10", "LHUTA_RETENTION_FILE="+rules,
		"DATABASE_URL="+dbURL, "LHUTA_KEK_FILE="+kekFile, "LHUTA_NATS_URL="+natsServer, "LHUTA_NATS_STREAM="+stream,
		"LHUTA_NATS_SUBJECT="+subject, "LHUTA_NATS_PERSONAL_DATA=true", "LHUTA_LOG_LEVEL=debug")
	p := lhutaProcess(t, bin, dir, env)
	p.Log = filepath.Join(t.TempDir(), "log")
	p.Start()
	defer p.StopIfRunning()
	client := &http.Client{Timeout: 10 * time.Second}
	base := p.Base()
	must := func(a answer, want int, what string) answer {
		t.Helper()
		if a.err != nil || a.status != want {
			p.Fatal(fmt.Sprintf("%s: %d %v %v (want %d)", what, a.status, a.body, a.err, want))
		}
		return a
	}

	// Every input.
	open := fmt.Sprintf(`{"situation":"local_fee","office":"nova-ves","citizen":{"id":%q,"birth_date":%q,"full_name":%q,"birth_number":%q}}`,
		canaryID, canaryBorn, canaryName, canaryNumber)
	keyed := map[string]string{"Idempotency-Key": "canary-open-" + canaryHouse}
	caseID := must(send(client, "POST", base+"/v1/cases", "clerk-token", keyed, open), 201, "open").body["id"].(string)
	if again := must(send(client, "POST", base+"/v1/cases", "clerk-token", keyed, open), 201, "open again"); again.body["id"] != caseID {
		t.Fatalf("the idempotent retry answered another case: %v", again.body)
	}
	must(send(client, "POST", base+"/v1/cases/"+caseID+"/events", "clerk-token", map[string]string{"Idempotency-Key": "canary-fee"},
		fmt.Sprintf(`{"type":"LocalFeeLiabilityArose","data":{"fee":"waste","arose_on":"2026-01-15","basis":"permanent_residence","house_number":%q,"village_part":"Miřejovice"}}`, canaryHouse)),
		201, "liability")
	must(send(client, "POST", base+"/v1/cases/"+caseID+"/events", "clerk-token", nil,
		fmt.Sprintf(`{"type":"ContactConsentGiven","data":{"email":%q}}`, canaryEmail)), 201, "consent")
	if a := send(client, "POST", base+"/v1/cases/"+caseID+"/events", "clerk-token", nil,
		fmt.Sprintf(`{"type":"ContactConsentGiven","data":{"email":"%s <%s"}}`, canaryName, canaryNumber)); a.status < 400 || a.status >= 500 {
		t.Fatalf("a bad e-mail: %d %v", a.status, a.body)
	}
	// The read models may lag the writes: the case is read once it is there.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if a := send(client, "GET", base+"/v1/cases/"+caseID, "clerk-token", nil, ""); a.status == 200 || time.Now().After(deadline) {
			must(a, 200, "read the case")
			break
		}
	}
	must(send(client, "GET", base+"/v1/citizens?q=Kan%C3%A1rek", "clerk-token", nil, ""), 200, "search")
	access := must(send(client, "POST", base+"/v1/citizens/"+canaryID+"/portal-access", "clerk-token", nil, ""), 201, "portal access").body
	username, _ := access["username"].(string)
	counterPassword, _ := access["password"].(string)
	if username == "" || counterPassword == "" {
		t.Fatalf("portal access: %v", access)
	}

	// The bank statement pays the year's fee with the case's variable symbol, from the canary's account name.
	var vs string
	{
		db := openTestDB(t, backend, dir, dbURL)
		c, err := db.Store().Load(bg, caseID)
		if err != nil {
			t.Fatal(err)
		}
		cs := &cases.Case{ID: caseID}
		if err := cs.Replay(caseEvents(c)...); err != nil {
			t.Fatal(err)
		}
		obs := cs.PaymentObligations(calendar.NewDate(2026, 3, 10), money.Builtin())
		if len(obs) == 0 {
			t.Fatal("no payment obligation")
		}
		vs = obs[0].VariableSymbol
		db.Close()
	}
	sample, err := os.ReadFile(filepath.Join("..", "..", "internal", "camt", "testdata", "statement.xml"))
	if err != nil {
		t.Fatal(err)
	}
	statement := strings.Replace(strings.Replace(string(sample), "<Nm>PLATCE A</Nm>", "<Nm>"+strings.ToUpper(canaryName)+"</Nm>", 1),
		"<Ref>1541</Ref>", "<Ref>"+vs+"</Ref>", 1)
	statementFile := filepath.Join(t.TempDir(), "statement.xml")
	if err := os.WriteFile(statementFile, []byte(statement), 0o600); err != nil {
		t.Fatal(err)
	}
	imp := exec.Command(bin, "import-statement", "--office", "nova-ves", "--data-dir", dir, statementFile)
	imp.Env = env
	if out, err := imp.CombinedOutput(); err != nil || !strings.Contains(string(out), "1 recorded") {
		t.Fatalf("import-statement: %v\n%s", err, out)
	}

	// Every write is in the read models before they are compared.
	{
		db := openTestDB(t, backend, dir, dbURL)
		head := testdb.Head(t, db).Position
		db.Close()
		must(send(client, "GET", fmt.Sprintf("%s/v1/obligations?limit=1&min_position=%d", base, head), "clerk-token", nil, ""), 200, "wait for the read models")
	}

	// The portal's username names the citizen's account: it goes with it.
	values := []string{canaryID, canaryName, canaryBorn, canaryNumber, canaryEmail, canaryHouse, vs, username}
	needles := erasure.Needles(values)
	last := must(send(client, "GET", base+"/v1/cases/"+caseID, "clerk-token", nil, ""), 200, "read the case")
	if got := last.body["citizen"]; got == nil || !strings.Contains(fmt.Sprint(got), canaryName) {
		t.Fatalf("the case before the forgetting: %v", last.body)
	}
	csvBefore := getRaw(t, base+"/v1/cases?limit=100", "clerk-token", "text/csv")
	var sensitive erasure.Scan
	sensitive.Bytes("csv", csvBefore, needles)
	if len(sensitive.Hits) == 0 {
		t.Fatalf("the CSV before the forgetting holds none of the canary's values: the scan would prove nothing\n%s", csvBefore)
	}
	// The feed has published the canary's events, with personal data.
	waitStream(t, js, natsServer, stream, needles, true)

	// The citizen signs in at the portal with the counter's credentials,
	// changes the password as the first sign-in demands, and reads their pages.
	citizen := portalBrowser(t, base)
	if pg := teststack.PortalSignIn(citizen, username, counterPassword); pg.Status != http.StatusSeeOther || pg.Location != "/obcan/zmena-hesla" {
		t.Fatalf("the first sign-in: %d → %q, want the password change\n%s", pg.Status, pg.Location, pg.Body)
	}
	const portalPassword = "kanárek zpívá v kleci 58"
	change := citizen.Get("/obcan/zmena-hesla")
	if pg := citizen.Post("/obcan/zmena-hesla", url.Values{"csrf": {teststack.CSRF(t, change.Status, change.Body)}, "current": {counterPassword},
		"new": {portalPassword}, "again": {portalPassword}}); pg.Status != http.StatusSeeOther || pg.Location != "/obcan/" {
		t.Fatalf("the password change: %d → %q\n%s", pg.Status, pg.Location, pg.Body)
	}
	for _, path := range []string{"/obcan/", "/obcan/povinnosti", "/obcan/doklady", "/obcan/nahlizeni", "/obcan/moje-data"} {
		if pg := citizen.Get(path); pg.Status != http.StatusOK {
			t.Fatalf("the citizen's %s: %d → %q", path, pg.Status, pg.Location)
		}
	}
	if pg := citizen.Get("/obcan/moje-data.json"); pg.Status != http.StatusOK || !strings.Contains(pg.Body, canaryName) {
		t.Fatalf("the citizen's export: %d\n%s", pg.Status, pg.Body)
	}
	if pg := citizen.Get("/v1/me"); pg.Status != http.StatusOK || !strings.Contains(pg.Body, canaryName) {
		t.Fatalf("/v1/me with the portal's session: %d\n%s", pg.Status, pg.Body)
	}

	// The office closes the case: its retention period runs from 1 January 2027.
	closed := must(send(client, "POST", base+"/v1/cases/"+caseID+"/events", "clerk-token", nil,
		`{"type":"CaseClosed","data":{"reason":"poplatník se odstěhoval"}}`), 201, "close")
	must(send(client, "GET", fmt.Sprintf("%s/v1/cases/%s?min_position=%v", base, caseID, closed.body["position"]), "clerk-token", nil, ""), 200, "read the closed case")

	// A backup taken before the forgetting.
	// backup writes a backup to file: lhuta backup's of SQLite, or
	// pg_dump's in its format.
	backup := func(file, format string) {
		t.Helper()
		if backend == "postgres" {
			pgDump(t, dbURL, file, format)
			return
		}
		cmd := exec.Command(bin, "backup", "--data-dir", dir, file)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("lhuta backup: %v\n%s", err, out)
		}
	}
	backupFile := filepath.Join(t.TempDir(), "before.backup")
	backup(backupFile, "-Fc")

	// The retention period ends: the service runs on in 2028, on the same
	// database and log.
	p.Stop(syscall.SIGTERM)
	p.Env = append(append([]string(nil), env...), "LHUTA_CLOCK=2028-01-03")
	p.Start()
	statsURL := base + "/v1/stats?from=2026-01-01&to=2026-03-10"
	statsBefore := must(send(client, "GET", statsURL, "officer-token", nil, ""), 200, "stats").body
	// The citizen's session outlives the restart: only the forgetting ends it.
	if pg := citizen.Get("/v1/me"); pg.Status != http.StatusOK {
		t.Fatalf("the citizen's session after the restart: %d\n%s", pg.Status, pg.Body)
	}

	// The records officer proposes the disposal; the archive approves it;
	// the approval disposes of the case and forgets the citizen.
	if a := send(client, "POST", base+"/v1/disposals", "clerk-token", nil, `{}`); a.status != 403 {
		t.Fatalf("a clerk proposes a disposal: %d %v", a.status, a.body)
	}
	proposal := must(send(client, "POST", base+"/v1/disposals", "records-token", nil, `{}`), 201, "propose the disposal").body
	items, _ := proposal["cases"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["case_id"] != caseID {
		t.Fatalf("the proposal: %v", proposal)
	}
	forArchive := getRaw(t, fmt.Sprintf("%s/v1/disposals/%s?format=csv", base, proposal["id"]), "records-token", "text/csv")
	approved := must(send(client, "POST", fmt.Sprintf("%s/v1/disposals/%s/approve", base, proposal["id"]), "records-token", nil,
		`{"archive_decision":"SAA-Nová Ves 12/2028","decided_on":"2028-01-03"}`), 200, "approve the disposal").body
	if approved["status"] != "approved" || approved["forgotten"] != float64(1) {
		t.Fatalf("the approval: %v", approved)
	}
	// The citizen's session answers as signed out, and the credentials are gone.
	if pg := citizen.Get("/obcan/povinnosti"); pg.Status != http.StatusSeeOther || pg.Location != "/obcan/prihlaseni" {
		t.Errorf("the old session after the forgetting: %d → %q\n%s", pg.Status, pg.Location, pg.Body)
	}
	if pg := citizen.Get("/v1/me"); pg.Status != http.StatusUnauthorized {
		t.Errorf("/v1/me with the old session after the forgetting: %d\n%s", pg.Status, pg.Body)
	}
	again := portalBrowser(t, base)
	if pg := teststack.PortalSignIn(again, username, portalPassword); pg.Status != http.StatusUnauthorized || pg.Cookie(portalSession) != "" {
		t.Errorf("signing in again after the forgetting: %d → %q", pg.Status, pg.Location)
	}
	db := openTestDB(t, backend, dir, dbURL)
	// The feed publishes SubjectForgotten after deleting the canary's messages.
	waitStream(t, js, natsServer, stream, needles, false)

	// Nothing is left: every table, the SQLite file and WAL, the stream, the log, a fresh CSV, a fresh dump.
	var s erasure.Scan
	if err := s.Database(bg, db, needles); err != nil {
		t.Fatal(err)
	}
	if err := s.Stream(natsServer, stream, needles); err != nil {
		t.Fatal(err)
	}
	csvAfter := getRaw(t, base+"/v1/cases?limit=100", "clerk-token", "text/csv")
	s.Bytes("a fresh CSV of /v1/cases", csvAfter, needles)
	fresh := filepath.Join(t.TempDir(), "fresh.dump")
	backup(fresh, "-Fp")
	if err := s.File(fresh, needles); err != nil {
		t.Fatal(err)
	}
	if err := s.File(p.Log, needles); err != nil {
		t.Fatal(err)
	}
	s.Bytes("the disposal's CSV for the archive", forArchive, needles)
	for _, h := range s.Hits {
		t.Errorf("a trace of value %d (%s) in %s", h.Value+1, h.Form, h.Where)
	}
	if !bytes.Contains(csvAfter, []byte(cases.Forgotten)) {
		t.Errorf("the CSV after the forgetting does not say %s:\n%s", cases.Forgotten, csvAfter)
	}
	if got := must(send(client, "GET", statsURL, "officer-token", nil, ""), 200, "stats").body; !reflect.DeepEqual(got, statsBefore) {
		t.Errorf("/v1/stats changed:\nbefore %v\nafter  %v", statsBefore, got)
	}
	// verify-forgotten says the same, and exits non-zero on a trace.
	verify := func(extra ...string) (string, error) {
		args := append([]string{"verify-forgotten", "--data-dir", dir, "--citizen", canaryID}, extra...)
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := verify("--value", canaryName, "--value", canaryNumber, "--value", canaryEmail, p.Log); err != nil || !strings.Contains(out, "found: 0 traces") {
		t.Errorf("verify-forgotten after the forgetting: %v\n%s", err, out)
	}
	if out, err := verify("--value", canaryName, filepath.Join("..", "..", "internal", "camt", "testdata", "statement.xml"), statementFile); err == nil ||
		!strings.Contains(out, "FOUND value 2") {
		t.Errorf("verify-forgotten on the statement file holding the name: %v\n%s", err, out)
	}
	p.Stop(syscall.SIGTERM)
	db.Close()

	// The backup from before, restored into a new database and started, forgets again before it serves.
	restoredDir := t.TempDir()
	restoredURL := ""
	if backend == "postgres" {
		restoredURL = testdb.PostgresURL(t)
		if out, err := exec.Command(pgTool(t, "pg_restore"), "--exit-on-error", "-d", restoredURL, backupFile).CombinedOutput(); err != nil {
			t.Fatalf("pg_restore: %v\n%s", err, out)
		}
	} else {
		b, err := os.ReadFile(backupFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(restoredDir, "lhuta.db"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	renv := append(append([]string(nil), env...), "DATABASE_URL="+restoredURL, "LHUTA_NATS_URL=")
	// Exported before any serve: the export forgets again first.
	exported := filepath.Join(t.TempDir(), "restored.ndjson")
	exp := exec.Command(bin, "export", "--data-dir", restoredDir, exported)
	exp.Env = renv
	if out, err := exp.CombinedOutput(); err != nil {
		t.Fatalf("lhuta export of the restored backup: %v\n%s", err, out)
	}
	var es erasure.Scan
	if err := es.File(exported, needles); err != nil {
		t.Fatal(err)
	}
	for _, h := range es.Hits {
		t.Errorf("the export of the restored backup holds value %d (%s)", h.Value+1, h.Form)
	}
	q := lhutaProcess(t, bin, restoredDir, renv)
	q.Log = filepath.Join(t.TempDir(), "log")
	q.Start()
	defer q.Stop(syscall.SIGTERM)
	got := send(client, "GET", q.Base()+"/v1/cases/"+caseID, "clerk-token", nil, "")
	if got.status == 200 && strings.Contains(fmt.Sprint(got.body), canaryName) || got.status != 200 && got.status != 404 {
		t.Errorf("the restored backup answers about the canary: %d %v", got.status, got.body)
	}
	if got.status == 200 && !strings.Contains(fmt.Sprint(got.body["citizen"]), cases.Forgotten) {
		t.Errorf("the restored case's citizen: %v", got.body["citizen"])
	}
	for _, path := range []string{"/v1/citizens?q=Kan%C3%A1rek", "/v1/citizens?q=" + canaryNumber, "/v1/citizens/" + canaryID + "/cases"} {
		a := send(client, "GET", q.Base()+path, "clerk-token", nil, "")
		if a.status == 200 && strings.Contains(fmt.Sprint(a.body), caseID) || a.status != 200 && a.status != 404 {
			t.Errorf("GET %s on the restored backup: %d %v", path, a.status, a.body)
		}
	}
	rdb := openTestDB(t, backend, restoredDir, restoredURL)
	defer rdb.Close()
	var rs erasure.Scan
	if err := rs.Database(bg, rdb, needles); err != nil {
		t.Fatal(err)
	}
	for _, h := range rs.Hits {
		t.Errorf("the restored backup keeps value %d (%s) in %s", h.Value+1, h.Form, h.Where)
	}
}

// portalSession is the name of the portal's session cookie.
const portalSession = portal.SessionCookie

// portalBrowser is the citizen's browser on the portal: it keeps the
// cookies itself (the portal's are Secure, and the test speaks plain HTTP)
// and does not follow redirects.
func portalBrowser(t *testing.T, base string) *teststack.Browser {
	b := teststack.NewBrowser(t, base)
	b.FormOrigin = true
	b.Client.Timeout = 10 * time.Second
	return b
}

// caseEvents hands the store's events to the domain's fold.
func caseEvents(events []eventstore.Event) []cases.Event {
	out := make([]cases.Event, len(events))
	for i, e := range events {
		out[i] = cases.Event{Type: cases.EventType(e.Type), Data: e.Data, Version: e.Version}
	}
	return out
}

func openTestDB(t *testing.T, backend, dir, url string) *eventstore.DB {
	t.Helper()
	var (
		db  *eventstore.DB
		err error
	)
	if backend == "postgres" {
		db, err = eventstore.OpenPostgres(context.Background(), url)
	} else {
		db, err = eventstore.OpenSQLite(dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	sealWith(t, db)
	return db
}

func pgDump(t *testing.T, url, file, format string) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stderr bytes.Buffer
	cmd := exec.Command(pgTool(t, "pg_dump"), format, url)
	cmd.Stdout, cmd.Stderr = f, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, stderr.String())
	}
}

// waitStream waits until the stream holds a trace of the needles
// (present), or holds none and a SubjectForgotten notice (not present).
func waitStream(t *testing.T, js nats.JetStreamContext, server, stream string, needles []erasure.Needle, present bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var s erasure.Scan
		err := s.Stream(server, stream, needles)
		if err == nil {
			notices, nerr := feed.StreamSeqs(js, stream, func(msgID string) bool { return strings.HasPrefix(msgID, feed.SubjectForgottenType+"/") })
			if present && len(s.Hits) > 0 || !present && len(s.Hits) == 0 && nerr == nil && len(notices) == 1 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stream %s: present=%v not reached: %v %+v", stream, present, err, s.Hits)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
