package reminders_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/reminder"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/reminders"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/testmail"
	"github.com/lhuta/lhuta/projections"
)

var quiet = slog.New(slog.DiscardHandler)

func d(s string) calendar.Date {
	day, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return day
}

// office is a running lhuta without HTTP: the store, the projection (the
// reminders find a citizen's cases in case_view) and a clock to move.
type office struct {
	t     *testing.T
	db    *eventstore.DB
	repo  *caserepo.Repository
	pipe  *projections.Pipeline
	today atomic.Value // calendar.Date
	last  int64
}

func newOffice(t *testing.T, db *eventstore.DB, today string) *office {
	o := &office{t: t, db: db, repo: caserepo.New(eventstore.NewSQLStore(db.SQL, db.Dialect)), pipe: projections.New(db, quiet)}
	o.today.Store(d(today))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = o.pipe.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return o
}

func (o *office) day() calendar.Date { return o.today.Load().(calendar.Date) }

// open opens a case for a citizen at Nová Ves.
func (o *office) open(situation cases.Situation, citizen string) string {
	o.t.Helper()
	rec, err := cases.Open([]byte(`{"situation":"`+string(situation)+`","office":"nova-ves",
		"citizen":{"id":"`+citizen+`","birth_date":"1980-05-05","full_name":"Jana Nováková","birth_number":"8055050003"}}`),
		cases.Context{Today: o.day(), Actor: "alice", Role: cases.Clerk})
	if err != nil {
		o.t.Fatal(err)
	}
	e, err := o.repo.Create(context.Background(), rec, caserepo.Request{Actor: "alice", RecordedAt: time.Now()})
	if err != nil {
		o.t.Fatal(err)
	}
	o.last = e.Position
	return e.StreamID
}

// record records a fact on a case today, as a clerk or, for a decision, an officer.
// incident opens an ID-card incident case for the citizen and records its
// IncidentReported with data.
func (o *office) incident(citizen, data string) string {
	id := o.open(cases.IDCardIncident, citizen)
	o.record(id, cases.IncidentReportedType, data)
	return id
}

func (o *office) record(id string, typ cases.EventType, data string) {
	o.t.Helper()
	role := cases.Clerk
	if typ == cases.FlagReviewedType {
		role = cases.ComplianceOfficer
	}
	e, err := o.repo.Update(context.Background(), id, caserepo.Any, caserepo.Request{Actor: "alice", RecordedAt: time.Now()},
		func(c *cases.Case) (cases.Recorded, error) {
			return c.Record(typ, []byte(data), cases.Context{Today: o.day(), Actor: "alice", Role: role})
		})
	if err != nil {
		o.t.Fatalf("%s: %v", typ, err)
	}
	o.last = e.Position
}

// settle waits until the read models hold every fact recorded so far.
func (o *office) settle() {
	o.t.Helper()
	if err := o.pipe.WaitFor(context.Background(), o.last, 20*time.Second); err != nil {
		o.t.Fatal(err)
	}
}

// waitDelivered waits until nothing queued waits for delivery.
func waitDelivered(t *testing.T, db *eventstore.DB) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := db.SQL.QueryRow(`SELECT COUNT(*) FROM reminder_sent WHERE delivered_at IS NULL AND parked_at IS NULL AND dropped_at IS NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d reminders still wait for delivery", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func newReminders(t *testing.T, o *office, mb *testmail.Mailbox) *reminders.Service {
	t.Helper()
	s, err := reminders.New(reminders.Config{SMTPURL: mb.URL, From: "podatelna@nova-ves.cz", PortalURL: "https://lhuta.example/obcan/",
		Today: o.day, PollInterval: 20 * time.Millisecond, Backoff: 10 * time.Millisecond, Log: quiet}, o.db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// deliver runs the forwarder and delivery until stopped (or the test ends).
func deliver(t *testing.T, s *reminders.Service) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Deliver(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("delivery: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

func startReminders(t *testing.T, o *office, mb *testmail.Mailbox) *reminders.Service {
	t.Helper()
	s := newReminders(t, o, mb)
	deliver(t, s)
	return s
}

// Day by day over Easter 2026, every reminder of a citizen who agreed to
// them arrives on its day, once; none goes to a citizen who did not agree
// or withdrew, and none for an obligation met first.
func TestRemindersArriveOnTheirDayOverEaster(t *testing.T) {
	testdb.Each(t, remindersArriveOnTheirDayOverEaster)
}

func remindersArriveOnTheirDayOverEaster(t *testing.T, db *eventstore.DB) {
	o := newOffice(t, db, "2026-01-05")
	// A fine for a card applied for late: decided Wed 4 Mar, due 30 days
	// later on Good Friday 3 Apr, moved over Easter Monday to Tue 7 Apr:
	// reminded on Tue 31 Mar and, unpaid, on Wed 8 Apr.
	fined := o.incident("jana", `{"kind":"lost","reported_on":"2026-01-05","reported_to":"municipal_office"}`)
	o.today.Store(d("2026-03-04"))
	o.record(fined, cases.FlagReviewedType, `{"flag":"65-late_application-1","decision":"fined","fine_czk":500,"decided_on":"2026-03-04"}`)

	o.today.Store(d("2026-03-18"))
	// Lost on Wed 18 Mar: apply by Fri 10 Apr, reminded on Wed 1 Apr.
	lost := o.incident("jana", `{"kind":"lost","reported_on":"2026-03-18","reported_to":"municipal_office"}`)
	// Stolen on Tue 17 Mar: apply by Thu 9 Apr, reminded on Tue 31 Mar,
	// but applied for on Fri 27 Mar first.
	stolen := o.incident("jana", `{"kind":"stolen","reported_on":"2026-03-17","reported_to":"police"}`)
	// The consent is recorded on one case and holds for all of Jana's at Nová Ves.
	o.record(lost, cases.ContactConsentGivenType, `{"email":"jana@example.cz"}`)
	// Petr never agreed; Eva agrees and withdraws before her reminder's day.
	o.incident("petr", `{"kind":"lost","reported_on":"2026-03-18","reported_to":"municipal_office"}`)
	eva := o.incident("eva", `{"kind":"lost","reported_on":"2026-03-18","reported_to":"municipal_office"}`)
	o.record(eva, cases.ContactConsentGivenType, `{"email":"eva@example.cz"}`)
	o.settle()

	mb := testmail.New(t, func() string { return o.day().String() })
	s := startReminders(t, o, mb)
	ctx := context.Background()
	for day := d("2026-03-25"); !day.After(d("2026-04-12")); day = day.AddDays(1) {
		o.today.Store(day)
		switch day {
		case d("2026-03-27"):
			o.record(stolen, cases.ApplicationFiledType, `{"document":"id_card_chip","filed_on":"2026-03-27","track":"standard","filing_office":"municipal_office"}`)
		case d("2026-03-30"):
			o.record(eva, cases.ContactConsentWithdrawnType, `{}`)
		}
		o.settle()
		if _, err := s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		waitDelivered(t, db)
	}
	// A second tick on the last day, as another instance would run it: nothing new.
	if n, err := s.Tick(ctx); err != nil || n != 0 {
		t.Fatalf("a repeated tick queued %d (%v)", n, err)
	}

	want := map[string]string{ // Message-ID → day
		reminders.MessageID(fined + ".payment_due.fine-65-late_application-1.20260331"):     "2026-03-31",
		reminders.MessageID(lost + ".obligation_due.apply_for_id_card-1.20260401"):          "2026-04-01",
		reminders.MessageID(fined + ".payment_overdue.fine-65-late_application-1.20260408"): "2026-04-08",
	}
	got := mb.All()
	for id, ds := range got {
		if want[id] == "" {
			t.Errorf("unexpected mail %s to %s on %s", id, ds[0].To, ds[0].Day)
			continue
		}
		if len(ds) != 1 || ds[0].Day != want[id] || ds[0].To != "jana@example.cz" {
			t.Errorf("%s: %d deliveries, first on %s to %s; want one on %s to jana", id, len(ds), ds[0].Day, ds[0].To, want[id])
		}
	}
	for id, day := range want {
		if _, ok := got[id]; !ok {
			t.Errorf("%s did not arrive (due on %s)", id, day)
		}
	}

	// The letter: Czech subject in RFC 2047, no name, no birth number, a link to the portal.
	m := got[reminders.MessageID(lost+".obligation_due.apply_for_id_card-1.20260401")]
	if len(m) > 0 {
		msg, err := mail.ReadMessage(strings.NewReader(string(m[0].Raw)))
		if err != nil {
			t.Fatal(err)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || subject != "Připomínka: lhůta končí 10. 4. 2026" {
			t.Errorf("subject %q (%v)", subject, err)
		}
		decoded, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if err != nil {
			t.Fatal(err)
		}
		body := string(decoded)
		for _, secret := range []string{"Nováková", "8055050003", "805505/0003"} {
			if strings.Contains(body, secret) {
				t.Errorf("the letter carries %q", secret)
			}
		}
		if !strings.Contains(body, "https://lhuta.example/obcan/") {
			t.Errorf("no portal link in %s", body)
		}
	}

	// The list: the met obligation's reminder is cancelled, the others sent.
	items, err := s.List(ctx, "", "jana")
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[string]reminder.Status{}
	for _, it := range items {
		statuses[it.CaseID+"/"+string(it.Kind)+"/"+it.SendOn.String()] = it.Status
	}
	for key, st := range map[string]reminder.Status{
		stolen + "/obligation_due/2026-03-31": reminder.Cancelled,
		lost + "/obligation_due/2026-04-01":   reminder.Sent,
		fined + "/payment_due/2026-03-31":     reminder.Sent,
		fined + "/payment_overdue/2026-04-08": reminder.Sent,
	} {
		if statuses[key] != st {
			t.Errorf("%s: %q, want %q (all: %v)", key, statuses[key], st, statuses)
		}
	}

	// A rebuild of the read models sends nothing again.
	if _, err := projections.Rebuild(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Tick(ctx); err != nil || n != 0 {
		t.Fatalf("after a rebuild a tick queued %d (%v)", n, err)
	}
	again, err := s.List(ctx, "", "jana")
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(t, items), mustJSON(t, again); a != b {
		t.Errorf("the list changed with a rebuild:\n%s\n%s", a, b)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A reminder the mail server keeps refusing is retried, then parked and
// shown as parked; one refused once is delivered on a retry.
func TestARefusedReminderIsRetriedThenParked(t *testing.T) {
	testdb.Each(t, aRefusedReminderIsRetriedThenParked)
}

func aRefusedReminderIsRetriedThenParked(t *testing.T, db *eventstore.DB) {
	o := newOffice(t, db, "2026-03-18")
	lost := o.incident("jana", `{"kind":"lost","reported_on":"2026-03-18","reported_to":"municipal_office"}`)
	o.record(lost, cases.ContactConsentGivenType, `{"email":"jana@example.cz"}`)
	stolen := o.incident("jana", `{"kind":"stolen","reported_on":"2026-03-17","reported_to":"police"}`)
	o.settle()
	mb := testmail.New(t, func() string { return o.day().String() })
	s := startReminders(t, o, mb)
	ctx := context.Background()

	mb.SetRefuse(1)
	o.today.Store(d("2026-03-31"))
	if n, err := s.Tick(ctx); err != nil || n != 1 {
		t.Fatalf("queued %d (%v), want 1", n, err)
	}
	waitDelivered(t, db)
	mb.SetRefuse(100)
	o.today.Store(d("2026-04-01"))
	if n, err := s.Tick(ctx); err != nil || n != 1 {
		t.Fatalf("queued %d (%v), want 1", n, err)
	}
	waitDelivered(t, db)
	items, err := s.List(ctx, "", "jana")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]reminders.Item{}
	for _, it := range items {
		got[it.CaseID+"/"+string(it.Kind)] = it
	}
	if it := got[stolen+"/obligation_due"]; it.Status != reminder.Sent || it.Attempts != 2 || it.DeliveredAt == nil {
		t.Errorf("refused once: %+v", it)
	}
	if it := got[lost+"/obligation_due"]; it.Status != reminder.Parked || it.Attempts != 4 || it.DeliveredAt != nil || it.LastError == "" {
		t.Errorf("refused always: %+v", it)
	}
	if n := len(mb.All()); n != 1 {
		t.Errorf("%d messages arrived, want 1", n)
	}
}

// A reminder already in the outbox when the citizen withdraws the consent
// is not sent: delivery checks the consent (docs/LAW.md §5.4), and the
// list shows it cancelled.
func TestAWithdrawalAfterQueueingStopsTheReminder(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		o := newOffice(t, db, "2026-03-18")
		lost := o.incident("jana", `{"kind":"lost","reported_on":"2026-03-18","reported_to":"municipal_office"}`)
		o.record(lost, cases.ContactConsentGivenType, `{"email":"jana@example.cz"}`)
		eva := o.incident("eva", `{"kind":"lost","reported_on":"2026-03-18","reported_to":"municipal_office"}`)
		o.record(eva, cases.ContactConsentGivenType, `{"email":"eva@example.cz"}`)
		o.settle()
		mb := testmail.New(t, nil)
		s := newReminders(t, o, mb)
		ctx := context.Background()
		// Both reminders are queued on Wed 1 Apr 2026 while delivery is down…
		o.today.Store(d("2026-04-01"))
		if n, err := s.Tick(ctx); err != nil || n != 2 {
			t.Fatalf("queued %d (%v), want 2", n, err)
		}
		// …and Eva withdraws before it comes back.
		o.record(eva, cases.ContactConsentWithdrawnType, `{}`)
		o.settle()
		deliver(t, s)
		waitDelivered(t, db)
		got := mb.All()
		if len(got) != 1 || len(got[reminders.MessageID(lost+".obligation_due.apply_for_id_card-1.20260401")]) != 1 {
			t.Fatalf("arrived: %v; want Jana's reminder only", keys(got))
		}
		items, err := s.List(ctx, eva, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 1 || items[0].Status != reminder.Cancelled || items[0].Reason != reminders.ConsentGone || items[0].DeliveredAt != nil {
			t.Errorf("Eva's reminder: %+v", items)
		}
	})
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
