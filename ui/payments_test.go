package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/credits"
	"github.com/lhuta/lhuta/internal/testdb"
)

// openLocalFee opens a local_fee case at Nová Ves through the console and
// records seed 004's liability: a resident of house 154 in the part Nová
// Ves from 15 January 2026. It returns the case id.
func openLocalFee(t *testing.T, b *browser, token, citizen string) string {
	t.Helper()
	p := b.do(http.MethodPost, "/ui/cases", url.Values{"csrf": {token}, "idem": {"open-" + citizen}, "situation": {"local_fee"},
		"office": {"nova-ves"}, "citizen.full_name": {"Jana Nováková"}, "citizen.id": {citizen}, "citizen.birth_date": {"1980-05-17"}})
	m := caseLink.FindStringSubmatch(p.location)
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("open a local_fee case: %d %q %s", p.status, p.location, p.body)
	}
	id := m[1]
	form := b.get("/ui/cases/" + id + "/record?type=LocalFeeLiabilityArose")
	for _, f := range []string{`id="f-fee"`, `id="f-arose_on"`, `id="f-basis"`, `id="f-house_number"`, `id="f-village_part"`, `id="f-dogs"`,
		"poplatek za komunální odpad"} {
		if !strings.Contains(form.body, f) {
			t.Errorf("the liability form lacks %s:\n%s", f, form.body)
		}
	}
	p = b.do(http.MethodPost, "/ui/cases/"+id+"/record", url.Values{"csrf": {token}, "idem": {"arose-" + citizen}, "type": {"LocalFeeLiabilityArose"},
		"version": {"1"}, "fee": {"waste"}, "arose_on": {"2026-01-15"}, "basis": {"permanent_residence"}, "house_number": {"154"}, "village_part": {"Nová Ves"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("record the liability: %d %s", p.status, p.body)
	}
	b.get(p.location) // waits for the read models (min_position)
	return id
}

var qrLink = regexp.MustCompile(`src="(/ui/payments/[^"]+/qr\.svg[^"]*)"`)

// TestPayments: a local_fee case shows what is owed (1 200 Kč by 28 Feb
// 2026, a Saturday, so by Monday 2 Mar, VS 1541) with its QR Platba image and slip; the fee department's
// list and the counter's page by citizen show it; a payment recorded
// through the console's form settles it and its QR goes away.
func TestPayments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		st, b, token := clerkSignedIn(t, db, calendar.NewDate(2026, time.February, 2))
		id := openLocalFee(t, b, token, "p-154")

		p := b.get("/ui/cases/" + id)
		for _, want := range []string{`id="h-payments"`, "poplatek za komunální odpad 2026", "1\u00a0200\u00a0Kč", "2. 3. 2026",
			"1541", "CZ6308000000000460043319", "460043319/0800", "Obecní úřad Nová Ves", `class="slip"`, "Nováková",
			"nezaplaceno (před splatností)"} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the case page lacks %q", want)
			}
		}
		if strings.Contains(p.body, `id="h-fee"`) {
			t.Error("a local_fee case shows the administrative fee section")
		}
		m := qrLink.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no QR image on the case page:\n%s", p.body)
		}
		src := strings.ReplaceAll(m[1], "&amp;", "&")
		qr := b.get(src)
		if qr.status != http.StatusOK || qr.header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(qr.body, "<svg") {
			t.Errorf("QR %s: %d %s %.60s", src, qr.status, qr.header.Get("Content-Type"), qr.body)
		}
		slip := b.get("/ui/payments/" + url.PathEscape(id+".waste-2026") + "/slip")
		if slip.status != http.StatusOK || !strings.Contains(slip.body, `class="slip"`) || !strings.Contains(slip.body, "Specifický symbol") ||
			!strings.Contains(slip.body, "/ui/assets/print.css") || !qrLink.MatchString(slip.body) {
			t.Errorf("slip page: %d\n%s", slip.status, slip.body)
		}

		// The fee department's list, by status and kind, and the counter.
		for path, listed := range map[string]bool{
			"/ui/payments": true, "/ui/payments?status=unpaid&kind=local_fee&office=nova-ves": true,
			"/ui/payments?status=overdue": false, "/ui/payments?status=overdue&as_of=2026-03-03": true, "/ui/payments?kind=fine": false} {
			p := b.get(path)
			if p.status != http.StatusOK || strings.Contains(p.body, `href="/ui/cases/`+id+`"`) != listed {
				t.Errorf("%s: %d, listed %v", path, p.status, !listed)
			}
		}
		if p := b.get("/ui/payments?status=nonsense"); p.status != http.StatusBadRequest || !strings.Contains(p.body, "status") {
			t.Errorf("a bad status filter: %d", p.status)
		}
		if p := b.get("/ui/payments.csv?kind=local_fee"); p.status != http.StatusOK || !strings.HasPrefix(p.body, "id,case_id,") || !strings.Contains(p.body, "1541") {
			t.Errorf("payments CSV: %d\n%s", p.status, p.body)
		}
		counter := b.get("/ui/citizens?id=p-154")
		if counter.status != http.StatusOK || !strings.Contains(counter.body, `href="/ui/cases/`+id+`"`) || !strings.Contains(counter.body, "Místní poplatek") ||
			!strings.Contains(counter.body, "1\u00a0200\u00a0Kč") || !qrLink.MatchString(counter.body) {
			t.Errorf("the counter page: %d\n%s", counter.status, counter.body)
		}
		if p := b.get("/ui/citizens?id=nobody"); p.status != http.StatusOK || !strings.Contains(p.body, "žádný případ") {
			t.Errorf("an unknown citizen: %d", p.status)
		}

		// The officer's increase is the officer's: not offered to the clerk.
		if strings.Contains(p.body, "type=LocalFeeIncreased") {
			t.Error("the clerk is offered the officer's LocalFeeIncreased")
		}
		if p := b.get("/ui/cases/" + id + "/record?type=PaymentReceived"); p.status != http.StatusOK || !strings.Contains(p.body, `id="f-variable_symbol"`) {
			t.Fatalf("the payment form: %d", p.status)
		}
		pay := url.Values{"csrf": {token}, "idem": {"pay-1"}, "type": {"PaymentReceived"}, "amount_czk": {"1200"},
			"paid_on": {"2026-02-02"}, "variable_symbol": {"1541"}, "bank_reference": {"B-1"}}
		if p := b.do(http.MethodPost, "/ui/cases/"+id+"/record", pay); p.status != http.StatusSeeOther {
			t.Fatalf("record the payment: %d %s", p.status, p.body)
		} else if p := b.get(p.location); !strings.Contains(p.body, ">zaplaceno<") || qrLink.MatchString(p.body) || strings.Contains(p.body, `class="slip"`) {
			t.Errorf("after paying in full the case still asks for money:\n%s", p.body)
		}
		if p := b.get(src); p.status != http.StatusNotFound {
			t.Errorf("the QR of a paid obligation: %d, want 404", p.status)
		}

		officer := st.browser()
		otoken := officer.signIn("officer-token")
		p = officer.get("/ui/cases/" + id)
		if !strings.Contains(p.body, "type=LocalFeeIncreased") {
			t.Errorf("the officer is not offered LocalFeeIncreased:\n%s", p.body)
		}
		form := officer.get("/ui/cases/" + id + "/record?type=LocalFeeIncreased")
		for _, f := range []string{`id="f-fee"`, `id="f-year"`, `id="f-increase_czk"`, `id="f-decided_on"`, `id="f-due_on"`, `id="f-reason"`} {
			if !strings.Contains(form.body, f) {
				t.Errorf("the increase form lacks %s", f)
			}
		}
		// Paid in full: there is nothing unpaid to raise, and the API says so next to a field.
		before := st.head()
		p = officer.do(http.MethodPost, "/ui/cases/"+id+"/record", url.Values{"csrf": {otoken}, "idem": {"inc-1"}, "type": {"LocalFeeIncreased"},
			"fee": {"waste"}, "year": {"2026"}, "increase_czk": {"2400"}, "decided_on": {"2026-02-02"}, "due_on": {"2026-02-20"},
			"reason": {"no answer to two written reminders"}})
		if p.status == http.StatusSeeOther || !strings.Contains(p.body, "Nic nebylo uloženo") || st.head() != before {
			t.Errorf("raising a paid fee: %d, head %v → %v", p.status, before, st.head())
		}
	})
}

// TestKnownAt: the case page shows a case as the office knew it at an
// instant: a fact recorded later is not on it, and nothing can be recorded
// on that view.
func TestKnownAt(t *testing.T) {
	_, b, token := clerkSignedIn(t, testdb.SQLite(t), today)
	opened := time.Now().UTC().Format(time.RFC3339Nano)
	time.Sleep(20 * time.Millisecond)
	id := openIncident(t, b, token, "Jana Nováková")
	p := b.get("/ui/cases/" + id + "?known_at=" + url.QueryEscape(opened))
	if p.status != http.StatusNotFound {
		t.Errorf("known at an instant before the case was opened: %d, want 404", p.status)
	}
	now := time.Now().UTC().Add(time.Second).Format(time.RFC3339)
	p = b.get("/ui/cases/" + id + "?known_at=" + url.QueryEscape(now))
	if p.status != http.StatusOK || !strings.Contains(p.body, "21. 4. 2026") || !strings.Contains(p.body, `id="known-at-note"`) ||
		strings.Contains(p.body, `id="h-record"`) || !strings.Contains(p.body, `value="`+now+`"`) {
		t.Errorf("known at now: %d\n%s", p.status, p.body)
	}
	if p := b.get("/ui/cases/" + id + "?known_at=yesterday"); p.status != http.StatusBadRequest || !strings.Contains(p.body, "known_at") {
		t.Errorf("a bad known_at: %d", p.status)
	}
}

// TestNoFlagAndNewFields: a child's missed deadline says on the case page
// why it raises no flag (no_flag), and the event forms carry the optional
// fields the contract gained (obstacle_from, consent_obstacle,
// permanent_residence_in_cz, surname_changed_on), labelled in Czech.
func TestNoFlagAndNewFields(t *testing.T) {
	st := newStack(t, testdb.SQLite(t), calendar.NewDate(2026, time.May, 1))
	st.api("POST", "/v1/cases", "clerk-token", map[string]any{"situation": "residence_change", "office": "Praha 1",
		"citizen": map[string]string{"id": "c-child", "birth_date": "2015-01-10", "full_name": "Karel Malý"}})
	child := st.lastID
	pos := st.api("POST", "/v1/cases/"+child+"/events", "clerk-token", map[string]any{"type": "ResidenceChangeReported",
		"data": map[string]any{"reported_on": "2026-04-01", "registration_office": "Praha 1"}})
	b := st.browser()
	b.signIn("clerk-token")
	p := b.get("/ui/cases/" + child + "?min_position=" + strconv.FormatInt(pos, 10))
	if !strings.Contains(p.body, `class="noflag"`) || !strings.Contains(p.body, "Bez podezření z přestupku") || !strings.Contains(p.body, "under 15") {
		t.Errorf("the child's overdue obligation does not say why it raises no flag:\n%s", p.body)
	}
	st.api("POST", "/v1/cases", "clerk-token", map[string]any{"situation": "residence_change", "office": "Praha 1",
		"citizen": map[string]string{"id": "c-adult", "birth_date": "1980-01-10", "full_name": "Karel Velký"}})
	adult := st.lastID
	pos = st.api("POST", "/v1/cases/"+adult+"/events", "clerk-token", map[string]any{"type": "ResidenceChangeReported",
		"data": map[string]any{"reported_on": "2026-04-01", "registration_office": "Praha 1"}})
	if p := b.get("/ui/cases/" + adult + "?min_position=" + strconv.FormatInt(pos, 10)); strings.Contains(p.body, `class="noflag"`) {
		t.Error("an adult's obligation says it raises no flag")
	}

	for _, c := range []struct{ situation, birth, event, field, label string }{
		{"passport_application", "2012-01-10", "ApplicationFiled", "consent_obstacle", "Překážka souhlasu zákonného zástupce"},
		{"first_id_card", "2011-01-10", "CitizenTurned15", "permanent_residence_in_cz", "Trvalý pobyt v ČR"},
		{"marital_status_change", "1980-01-10", "MaritalStatusChanged", "surname_changed_on", "Datum změny příjmení"},
	} {
		pos := st.api("POST", "/v1/cases", "clerk-token", map[string]any{"situation": c.situation, "office": "Praha 1",
			"citizen": map[string]string{"id": "c-" + c.event, "birth_date": c.birth, "full_name": "Eva Nová"}})
		p := b.get("/ui/cases/" + st.lastID + "/record?type=" + c.event + "&min_position=" + strconv.FormatInt(pos, 10))
		if p.status != http.StatusOK || !strings.Contains(p.body, `id="f-`+c.field+`"`) || !strings.Contains(p.body, c.label) {
			t.Errorf("%s form: %d, no field %s labelled %q\n%s", c.event, p.status, c.field, c.label, p.body)
		}
	}
	officer := st.browser()
	officer.signIn("officer-token")
	if p := officer.get("/ui/cases/" + child + "/record?type=ObligationExcused"); !strings.Contains(p.body, `id="f-obstacle_from"`) || !strings.Contains(p.body, "Překážka od") {
		t.Errorf("ObligationExcused form without obstacle_from:\n%s", p.body)
	}
}

// listCredit puts an unmatched credit of Nová Ves in the ledger, as an
// import of a statement does, and returns its id.
func listCredit(t *testing.T, db *eventstore.DB, ref string, amount int, message string) string {
	t.Helper()
	c, mine, err := credits.New(db.SQL).Claim(context.Background(), credits.Credit{Office: "nova-ves", BookedOn: calendar.NewDate(2026, 2, 20),
		AmountCZK: amount, VariableSymbol: "1541", Message: message, CounterParty: "PLATCE", BankReference: ref, Statement: "s",
		Status: credits.Open, Reason: "the variable symbol is shared"}, time.Now())
	if err != nil || !mine {
		t.Fatalf("list a credit: %v %v", mine, err)
	}
	return c.ID
}

// TestUnmatchedCredits: the fee department sees the open unmatched credits
// ("Nespárované platby"), assigns one to a case through its form (the case
// then holds the payment and owes nothing) and marks another for refund;
// both leave the open list.
func TestUnmatchedCredits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		_, b, token := clerkSignedIn(t, db, calendar.NewDate(2026, time.March, 10))
		caseID := openLocalFee(t, b, token, "p-154")
		assign := listCredit(t, db, "R-1", 1200, "odpad")
		refund := listCredit(t, db, "R-2", 300, "omylem")

		p := b.get("/ui/unmatched-credits")
		for _, want := range []string{"Nespárované platby", `href="/ui/unmatched-credits" aria-current="page"`, "20. 2. 2026", "1\u00a0200\u00a0Kč",
			"odpad", "R-1", "R-2", "čeká na rozhodnutí", `action="/ui/unmatched-credits/` + assign + `/assign"`,
			`for="case-` + assign + `"`, `for="reason-` + refund + `"`} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the list lacks %q", want)
			}
		}
		if r := b.do(http.MethodPost, "/ui/unmatched-credits/"+assign+"/assign", url.Values{"case_id": {caseID}}); r.status != http.StatusForbidden {
			t.Errorf("an assignment without the CSRF token: %d", r.status)
		}
		r := b.do(http.MethodPost, "/ui/unmatched-credits/"+assign+"/assign", url.Values{"csrf": {token}, "case_id": {caseID}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("assign: %d %s", r.status, r.body)
		}
		r = b.do(http.MethodPost, "/ui/unmatched-credits/"+refund+"/return", url.Values{"csrf": {token}, "reason": {"neznámý plátce"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("return: %d %s", r.status, r.body)
		}
		if p := b.get(r.location); strings.Contains(p.body, "R-1") || strings.Contains(p.body, "R-2") {
			t.Errorf("decided credits are still listed as open:\n%s", p.body)
		}
		if p := b.get("/ui/unmatched-credits?status=assigned"); !strings.Contains(p.body, "přiřazeno") || !strings.Contains(p.body, "/ui/cases/"+caseID) {
			t.Errorf("the assigned credit does not link its case:\n%s", p.body)
		}
		if p := b.get("/ui/cases/" + caseID); !strings.Contains(p.body, "zaplaceno") || !strings.Contains(p.body, "R-1") {
			t.Errorf("the case does not show the assigned payment:\n%s", p.body)
		}
		// Assigning the refunded credit is refused with the API's reason.
		if r := b.do(http.MethodPost, "/ui/unmatched-credits/"+refund+"/assign", url.Values{"csrf": {token}, "case_id": {caseID}}); r.status != http.StatusConflict ||
			!strings.Contains(r.body, "returned to the payer") {
			t.Errorf("assigning a returned credit: %d %s", r.status, r.body)
		}
	})
}
