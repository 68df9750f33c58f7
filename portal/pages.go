package portal

import (
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/projections/views"
)

// The API's answers as the pages read them.
type (
	me struct {
		CitizenID string              `json:"citizen_id"`
		FullName  string              `json:"full_name"`
		BirthDate string              `json:"birth_date"`
		Cases     []views.CitizenCase `json:"cases"`
	}
	obligations struct {
		Items []views.ObligationItem `json:"items"`
	}
	payments struct {
		Items []views.LedgerItem `json:"items"`
	}
	documents struct {
		Items []struct {
			CaseID     string `json:"case_id"`
			Office     string `json:"office"`
			Document   string `json:"document"`
			ValidUntil string `json:"valid_until"`
			Incident   string `json:"incident"`
			ReportedOn string `json:"reported_on"`
		} `json:"items"`
		Source string `json:"authoritative_source"`
	}
	reads struct {
		Items []struct {
			ReadAt     time.Time `json:"read_at"`
			CaseOffice string    `json:"case_office"`
			Office     string    `json:"office"`
			Role       string    `json:"role"`
		} `json:"items"`
	}
)

func (p *Portal) home(w http.ResponseWriter, r *http.Request, s session) {
	var m me
	var o obligations
	var pay payments
	if !p.get(w, r, s, "/v1/me", &m) || !p.get(w, r, s, "/v1/me/obligations", &o) || !p.get(w, r, s, "/v1/me/payments", &pay) {
		return
	}
	pending, owed := 0, 0
	for _, it := range o.Items {
		if it.Status == "open" || it.Status == "overdue" {
			pending++
		}
	}
	for _, it := range pay.Items {
		owed += it.OwedCZK
	}
	p.render(w, r, http.StatusOK, "home", &s, map[string]any{"Me": m, "Pending": pending, "Owed": owed})
}

func (p *Portal) obligationsPage(w http.ResponseWriter, r *http.Request, s session) {
	var o obligations
	var pay payments
	if !p.get(w, r, s, "/v1/me/obligations", &o) || !p.get(w, r, s, "/v1/me/payments", &pay) {
		return
	}
	p.render(w, r, http.StatusOK, "obligations", &s, map[string]any{"Obligations": o.Items, "Payments": pay.Items})
}

// qr serves the QR Platba image of one of the citizen's payment obligations.
func (p *Portal) qr(w http.ResponseWriter, r *http.Request, s session) {
	status, header, body := p.call(r, s, "/v1/me/payments/"+url.PathEscape(r.PathValue("id"))+"/qr.svg")
	if status != http.StatusOK {
		p.fail(w, r, &s, http.StatusNotFound, "K této platbě není co zaplatit, nebo mezi vašimi platbami není.")
		return
	}
	w.Header().Set("Content-Type", header.Get("Content-Type"))
	_, _ = w.Write(body)
}

// slipPage is a printable payment slip of one payment obligation.
func (p *Portal) slipPage(w http.ResponseWriter, r *http.Request, s session) {
	var pay payments
	if !p.get(w, r, s, "/v1/me/payments", &pay) {
		return
	}
	for _, it := range pay.Items {
		if it.ID == r.PathValue("id") {
			var m me
			if !p.get(w, r, s, "/v1/me", &m) {
				return
			}
			p.render(w, r, http.StatusOK, "slip", &s, map[string]any{"Item": it, "Me": m})
			return
		}
	}
	p.fail(w, r, &s, http.StatusNotFound, "Tato platba mezi vašimi platbami není.")
}

func (p *Portal) documentsPage(w http.ResponseWriter, r *http.Request, s session) {
	var d documents
	if !p.get(w, r, s, "/v1/me/documents", &d) {
		return
	}
	p.render(w, r, http.StatusOK, "documents", &s, map[string]any{"Documents": d.Items, "Source": d.Source})
}

func (p *Portal) readsPage(w http.ResponseWriter, r *http.Request, s session) {
	var rd reads
	if !p.get(w, r, s, "/v1/me/reads", &rd) {
		return
	}
	p.render(w, r, http.StatusOK, "reads", &s, map[string]any{"Reads": rd.Items})
}

func (p *Portal) dataPage(w http.ResponseWriter, r *http.Request, s session) {
	p.render(w, r, http.StatusOK, "data", &s, map[string]any{})
}

// export downloads GET /v1/me/export as a file.
func (p *Portal) export(w http.ResponseWriter, r *http.Request, s session) {
	status, header, body := p.call(r, s, "/v1/me/export")
	if status != http.StatusOK {
		p.fail(w, r, &s, http.StatusServiceUnavailable, "Údaje se teď nepodařilo připravit, zkuste to prosím za chvíli.")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", header.Get("Content-Disposition"))
	_, _ = w.Write(body)
}

// labels are the portal's Czech words for the API's names, in plain
// language for citizens rather than the office's terms.
var labels = map[string]string{
	"id_card_incident":      "Ztráta, odcizení, poškození nebo zničení občanského průkazu",
	"residence_change":      "Změna trvalého pobytu",
	"marital_status_change": "Změna rodinného stavu",
	"first_id_card":         "První občanský průkaz",
	"id_card_expiry":        "Konec platnosti občanského průkazu",
	"name_change":           "Změna jména nebo příjmení",
	"passport_application":  "Žádost o cestovní pas",
	"local_fee":             "Místní poplatek",

	"apply_for_id_card":    "Požádat o nový občanský průkaz",
	"surrender_id_card":    "Odevzdat občanský průkaz na úřadě",
	"surrender_found_card": "Odevzdat nalezený občanský průkaz na úřadě",

	"open":           "běží",
	"overdue":        "po lhůtě",
	"met":            "splněno včas",
	"met_late":       "splněno pozdě",
	"excused":        "prominuto",
	"judged":         "rozhodnuto úřadem",
	"closed":         "uzavřeno",
	"unpaid":         "k zaplacení",
	"partially_paid": "zaplaceno částečně",
	"paid":           "zaplaceno",
	"paid_late":      "zaplaceno po splatnosti",
	"blocking":       "nezaplaceno – úřad do zaplacení nemůže pokračovat",

	"local_fee_kind":     "místní poplatek",
	"fine":               "pokuta",
	"administrative_fee": "správní poplatek",
	"waste":              "poplatek za komunální odpad",
	"dog":                "poplatek ze psů",

	"id_card":           "občanský průkaz",
	"id_card_chip":      "občanský průkaz s čipem",
	"id_card_temporary": "občanský průkaz bez strojově čitelných údajů",
	"passport":          "cestovní pas",
	"loss_certificate":  "potvrzení o občanském průkazu",
	"lost":              "ohlášen jako ztracený",
	"stolen":            "ohlášen jako odcizený",
	"damaged":           "ohlášen jako poškozený",
	"destroyed":         "ohlášen jako zničený",

	"clerk":              "referent úřadu",
	"compliance_officer": "kontrolor úřadu",
	"admin":              "správce systému",
}

// plainBasis says in plain Czech why an obligation is the citizen's; the
// API's legal_basis (the statute's citation) stands beside it.
var plainBasis = map[string]string{
	"apply_for_id_card": "Zákon o občanských průkazech vám ukládá požádat o nový průkaz do této lhůty, " +
		"když ten dosavadní přestal platit nebo jste ho ztratili.",
	"surrender_id_card": "Průkaz, který už neplatí, musíte odevzdat úřadu, aby ho nikdo nemohl zneužít.",
	"surrender_found_card": "Průkaz, který jste ohlásili jako ztracený a pak našli, už neplatí; " +
		"zákon vám ukládá ho odevzdat úřadu.",
}

func label(name string) string {
	if l, ok := labels[name]; ok {
		return l
	}
	return name
}

// czDate writes an API date (YYYY-MM-DD) as Czech do: 5. 4. 2026.
func czDate(v any) string {
	var d calendar.Date
	switch v := v.(type) {
	case calendar.Date:
		d = v
	case string:
		var err error
		if d, err = calendar.ParseDate(v); err != nil {
			return v
		}
	}
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d. %d. %d", d.Day(), int(d.Month()), d.Year())
}

// czk writes whole koruny with a non-breaking space between thousands.
func czk(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u00a0")
		}
		b.WriteRune(c)
	}
	out := b.String() + "\u00a0Kč"
	if neg {
		out = "−" + out
	}
	return out
}

var funcs = template.FuncMap{
	"label":    label,
	"basis":    func(o string) string { return plainBasis[o] },
	"date":     czDate,
	"czk":      czk,
	"instant":  func(t time.Time) string { return t.In(prague).Format("2. 1. 2006 15:04") },
	"due":      func(it views.LedgerItem) bool { return it.OwedCZK > 0 },
	"state":    func() string { return handlers.StatePortal },
	"deref":    func(s *string) string { return *s },
	"derefInt": func(n *int) int { return *n },
	"kind": func(k string) string {
		if k == "local_fee" {
			return labels["local_fee_kind"]
		}
		return label(k)
	},
}

var prague = func() *time.Location {
	l, err := time.LoadLocation("Europe/Prague")
	if err != nil {
		return time.UTC
	}
	return l
}()

func parsePages() map[string]*template.Template {
	layout := template.Must(template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	pages := map[string]*template.Template{}
	names, _ := fs.Glob(templateFS, "templates/*.html")
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, n))
	}
	return pages
}
