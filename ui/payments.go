package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/projections/views"
)

// --- Payments (docs/LAW.md §9): what citizens owe, QR Platba, the slip ---

// payment is one payment obligation as the API answered it, with what the
// console adds to show it: the payee's name, the QR image's and the slip's
// addresses (both of the console, which asks the API).
type payment struct {
	views.PaymentItem
	Payee, QR, Slip string
}

// What is a payment's short description: its kind, fee and year.
func (p payment) What() string {
	s := label(string(p.Kind))
	if p.Fee != nil {
		s = label(*p.Fee)
	}
	if p.Year != nil {
		s += " " + strconv.Itoa(*p.Year)
	}
	return s
}

// StatusLabel is the payment's status in Czech.
func (p payment) StatusLabel() string { return paymentStatusLabel(string(p.Status)) }

// Owes reports whether something is still to pay (a QR code exists).
func (p payment) Owes() bool { return p.SPAYD != "" }

// paymentStatusLabel: a payment is "po splatnosti" rather than "po lhůtě",
// and an exemption (osvobození) rather than an excuse.
func paymentStatusLabel(s string) string {
	switch s {
	case "overdue":
		return "po splatnosti"
	case "excused":
		return "osvobozeno"
	}
	return label(s)
}

// payments turns the API's items into the console's, as of a day.
func (con *Console) payments(items []views.PaymentItem, asOf string) []payment {
	out := make([]payment, 0, len(items))
	for _, it := range items {
		p := payment{PaymentItem: it, Payee: it.Office}
		if of, ok := con.cfg.Offices.Office(it.Office); ok && of.Name != "" {
			p.Payee = of.Name
		}
		q := ""
		if asOf != "" {
			q = "?" + url.Values{"as_of": {asOf}}.Encode()
		}
		if p.Owes() {
			p.QR = "/ui/payments/" + url.PathEscape(it.ID) + "/qr.svg" + q
			p.Slip = "/ui/payments/" + url.PathEscape(it.ID) + "/slip" + q
		}
		out = append(out, p)
	}
	return out
}

// citizenPayments asks the API for a citizen's payment obligations as of a
// day ("" for today); ok is false where the role may not (nothing is shown).
func (con *Console) citizenPayments(r *http.Request, citizen, asOf string) ([]views.PaymentItem, answer, bool) {
	var list apiPage[views.PaymentItem]
	q := url.Values{}
	if asOf != "" {
		q.Set("as_of", asOf)
	}
	a := con.call(r, http.MethodGet, "/v1/citizens/"+url.PathEscape(citizen)+"/payments", q, nil, nil)
	if a.status != http.StatusOK || json.Unmarshal(a.body, &list) != nil {
		return nil, a, false
	}
	return list.Items, a, true
}

// paymentQR serves the QR Platba image of what is still owed, from the
// API's qr.svg (the page's img-src is 'self').
func (con *Console) paymentQR(w http.ResponseWriter, r *http.Request) {
	q := url.Values{}
	if v := r.URL.Query().Get("as_of"); v != "" {
		q.Set("as_of", v)
	}
	a := con.call(r, http.MethodGet, "/v1/payments/"+pathID(r)+"/qr.svg", q, nil, nil)
	if a.status != http.StatusOK {
		http.Error(w, http.StatusText(a.status), a.status)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	_, _ = w.Write(a.body)
}

type slipPage struct {
	Payment payment
	Citizen cases.Citizen
	Case    views.CaseView
}

// slipPage is one payment slip (platební údaje) on a page of its own, to
// print: payee, account and IBAN, amount, VS, SS, message, due date and QR.
func (con *Console) slipPage(w http.ResponseWriter, r *http.Request) {
	s := current(r)
	id := r.PathValue("id")
	caseID, _, _ := strings.Cut(id, ".")
	var p slipPage
	q := url.Values{}
	asOf := isoDate(r.URL.Query().Get("as_of"))
	if asOf != "" {
		q.Set("as_of", asOf)
	}
	if !con.get(w, r, "/v1/cases/"+url.PathEscape(caseID), q, &p.Case) {
		return
	}
	_ = json.Unmarshal(p.Case.Citizen, &p.Citizen)
	for _, it := range con.payments(p.Case.Payments, p.Case.AsOf.String()) {
		if it.ID == id && it.Owes() {
			p.Payment = it
			con.render(w, r, http.StatusOK, "slip", s, "Platební údaje – "+p.Citizen.FullName, p)
			return
		}
	}
	con.fail(w, r, s, http.StatusNotFound, "K této platbě ke zvolenému dni není co platit (je zaplacena, osvobozena nebo neexistuje).")
}

// paymentsPage is the fee department's list: the API's payments with its
// filters (as of, status, kind, office) and paging, and CSV.
func (con *Console) paymentsPage(w http.ResponseWriter, r *http.Request) {
	q, list, ok := readList[views.PaymentItem](con, w, r, "/v1/payments", "", "as_of", "status", "kind", "office")
	if !ok {
		return
	}
	p := listPage{Heading: "Platby", Intro: "Platební povinnosti občanů (místní poplatky, pokuty, správní poplatky převodem) ke zvolenému dni: kolik mají zaplatit, kolik zaplatili a kolik dluží.",
		Columns: []string{"Spisová značka", "Plátce", "Co", "Úřad", "Částka", "Zaplaceno", "Zbývá", "Splatnost", "Stav", "VS", ""},
		Empty:   "Žádné platby neodpovídají filtru."}
	var statuses []string
	for _, st := range cases.PaymentStatuses {
		statuses = append(statuses, string(st))
	}
	statusOpts := []option{{"", "všechny"}}
	for _, st := range statuses {
		statusOpts = append(statusOpts, option{st, paymentStatusLabel(st)})
	}
	kindOpts := []option{{"", "všechny"}}
	for _, k := range cases.PaymentKinds {
		kindOpts = append(kindOpts, option{string(k), label(string(k))})
	}
	p.Filters = filterFields(r, q, formField{Name: "as_of", Kind: "date"},
		formField{Name: "status", Kind: "select", Options: statusOpts},
		formField{Name: "kind", Kind: "select", Options: kindOpts},
		formField{Name: "office", Kind: "line"}, formField{Name: "limit", Kind: "number"})
	for _, it := range con.payments(list.Items, q.Get("as_of")) {
		slip := cell{}
		if it.Owes() {
			slip = cell{Text: "Platební údaje a QR", Href: it.Slip}
		}
		amount := int64(it.AmountCZK)
		paid := int64(it.PaidCZK)
		owed := int64(it.OwedCZK)
		p.Rows = append(p.Rows, []cell{caseCell(it.CaseID, it.Reference), {Text: it.FullName}, {Text: it.What()}, {Text: it.Office},
			{Text: czk(&amount), Class: "num"}, {Text: czk(&paid), Class: "num"}, {Text: czk(&owed), Class: "num"},
			{Text: czechDate(it.DueOn)}, {Text: it.StatusLabel(), Class: "status-" + string(it.Status)}, {Text: it.VS}, slip})
	}
	con.renderList(w, r, "/ui/payments", q, list.Next, p)
}

type citizenPage struct {
	ID, AsOf, Error string
	Searched        bool
	Cases           []citizenCase
	Payments        []payment
	CanPayments     bool
}

type citizenCase struct {
	views.CitizenCase
	Label string
}

// citizensPage finds a citizen by the id their cases were opened with:
// their cases (GET /v1/citizens/{id}/cases) and, at the counter, what they
// owe (GET /v1/citizens/{id}/payments) with the QR codes to pay by.
func (con *Console) citizensPage(w http.ResponseWriter, r *http.Request) {
	s := current(r)
	if !con.permitted(w, r, s, "GET", "/v1/citizens/{citizen_id}/cases", "K této stránce nemáte oprávnění.") {
		return
	}
	d := citizenPage{ID: strings.TrimSpace(r.URL.Query().Get("id")), AsOf: isoDate(strings.TrimSpace(r.URL.Query().Get("as_of"))),
		CanPayments: may(s.who.Role, "GET", "/v1/citizens/{citizen_id}/payments")}
	if d.ID != "" {
		d.Searched = true
		var list apiPage[views.CitizenCase]
		if !con.get(w, r, "/v1/citizens/"+url.PathEscape(d.ID)+"/cases", nil, &list) {
			return
		}
		for _, c := range list.Items {
			d.Cases = append(d.Cases, citizenCase{c, label(c.Situation)})
		}
		if d.CanPayments {
			items, a, ok := con.citizenPayments(r, d.ID, d.AsOf)
			if !ok {
				con.refused(w, r, a)
				return
			}
			d.Payments = con.payments(items, d.AsOf)
		}
	}
	con.render(w, r, http.StatusOK, "citizen", s, "Občan", d)
}
