package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/credits"
	"github.com/lhuta/lhuta/internal/testdb"
)

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
		st := newStack(t, db, calendar.NewDate(2026, time.March, 10))
		b := st.browser()
		token := b.signIn("clerk-token")
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
