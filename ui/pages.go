package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/fees"
	"github.com/lhuta/lhuta/projections/views"
)

// written is the API's answer to a write.
type written struct {
	ID       string `json:"id"`
	Version  int64  `json:"version"`
	Position int64  `json:"position"`
}

type option struct{ Value, Label string }

// formField is one field of a form, with the value typed and the API's
// error about it.
type formField struct {
	Name, Label, Kind string
	Required          bool
	Value, Error      string
	Options           []option
	Hint, Max         string
}

// ID is the field's element id.
func (f formField) ID() string { return "f-" + strings.ReplaceAll(f.Name, ".", "-") }

type form struct {
	Action, Submit string
	Fields         []formField
	// Errors are the API's errors that belong to no field of the form.
	Errors []cases.FieldError
	// Idem is the form's Idempotency-Key: the same form sent twice records once.
	Idem    string
	Version int64
	Type    string
}

// attach puts each of the API's field errors next to its field; the
// others are the form's.
func (f *form) attach(p problem, prefix string) {
	if len(p.Errors) == 0 {
		f.Errors = append(f.Errors, cases.FieldError{Message: p.Detail})
		return
	}
	for _, e := range p.Errors {
		name := strings.TrimPrefix(e.Field, prefix)
		i := slices.IndexFunc(f.Fields, func(ff formField) bool { return ff.Name == name })
		if i < 0 || name == "" {
			f.Errors = append(f.Errors, e)
			continue
		}
		if f.Fields[i].Error != "" {
			f.Fields[i].Error += "; "
		}
		f.Fields[i].Error += e.Message
	}
}

// --- Finding and opening cases ---

type findData struct {
	Query, Error string
	Recent       []recentCase
	Situations   []option
	CanOpen      bool
	// Searched says a search for citizens ran; Found is what it found.
	Searched bool
	Found    []foundCitizen
}

func situationOptions() []option {
	var opts []option
	for _, s := range cases.Situations() {
		opts = append(opts, option{string(s), label(string(s))})
	}
	return opts
}

func (con *Console) openCaseForm(r *http.Request, situation string) form {
	s := current(r)
	f := form{Action: "/ui/cases", Submit: "Založit případ", Idem: uuid.NewString()}
	office := s.who.HomeOffice()
	f.Fields = []formField{
		{Name: "situation", Kind: "select", Required: true, Value: situation, Options: situationOptions()},
		{Name: "office", Kind: "line", Required: true, Value: office},
		{Name: "citizen.full_name", Kind: "line", Required: true},
		{Name: "citizen.id", Kind: "line", Required: true, Hint: "Identifikátor občana v evidenci úřadu."},
		{Name: "citizen.birth_date", Kind: "date", Required: true},
		{Name: "citizen.birth_number", Kind: "line", Hint: "Bez lomítka, 9 nebo 10 číslic."},
	}
	for i := range f.Fields {
		f.Fields[i].Label = label(f.Fields[i].Name)
		if f.Fields[i].Kind == "date" {
			f.Fields[i].Hint = dateHint
		}
	}
	return f
}

func (con *Console) newCasePage(w http.ResponseWriter, r *http.Request) {
	s := current(r)
	if !con.permitted(w, r, s, "POST", "/v1/cases", "Případy zakládají referenti.") {
		return
	}
	con.render(w, r, http.StatusOK, "form", s, "Nový případ", formPage{Heading: "Nový případ", Form: con.openCaseForm(r, r.URL.Query().Get("situation"))})
}

type formPage struct {
	Heading, Intro string
	Back           *menuItem
	Form           form
}

func (con *Console) openCase(w http.ResponseWriter, r *http.Request) {
	s := current(r)
	f := con.openCaseForm(r, r.PostFormValue("situation"))
	citizen := map[string]any{}
	body := map[string]any{"citizen": citizen}
	for i := range f.Fields {
		ff := &f.Fields[i]
		ff.Value = strings.TrimSpace(r.PostFormValue(ff.Name))
		if ff.Value == "" {
			continue
		}
		v := ff.Value
		if ff.Kind == "date" {
			v = isoDate(v)
		}
		if name, ok := strings.CutPrefix(ff.Name, "citizen."); ok {
			citizen[name] = v
		} else {
			body[ff.Name] = v
		}
	}
	a := con.call(r, http.MethodPost, "/v1/cases", nil, body, map[string]string{"Idempotency-Key": r.PostFormValue("idem")})
	if a.status != http.StatusCreated {
		if a.status == http.StatusUnauthorized {
			con.refused(w, r, a)
			return
		}
		f.attach(a.problem(), "")
		f.Idem = uuid.NewString()
		con.render(w, r, a.status, "form", s, "Nový případ", formPage{Heading: "Nový případ", Form: f})
		return
	}
	var out written
	_ = json.Unmarshal(a.body, &out)
	http.Redirect(w, r, fmt.Sprintf("/ui/cases/%s?min_position=%d&saved=1", out.ID, out.Position), http.StatusSeeOther)
}

// --- The case page ---

type timelineItem struct {
	Type, Label, At, By string
	Version             int64
	Data                []option
}

type casePage struct {
	Case     views.CaseView
	Citizen  cases.Citizen
	Validity []cases.Validity
	Fee      *fees.Fee
	Timeline []timelineItem
	Months   []month
	Record   []option
	Saved    bool
	// KnownAt is the instant (or day) the case is shown as the office knew
	// it then; "" for what is known now.
	KnownAt string
	// Payments are the case's payment obligations as of the page's day,
	// with their QR Platba images and slips (docs/LAW.md §9).
	Payments []payment
	// CanAssign offers "assign to me" (CaseAssigned) to Me; Idem is its
	// Idempotency-Key.
	CanAssign bool
	Me, Idem  string
}

// Total is the fee's whole amount.
func (p casePage) Total() int {
	if p.Fee == nil {
		return 0
	}
	return p.Fee.Total()
}

func (con *Console) casePage(w http.ResponseWriter, r *http.Request) {
	s := current(r)
	q := url.Values{}
	for _, k := range []string{"as_of", "known_at", "min_position"} {
		if v := strings.TrimSpace(r.URL.Query().Get(k)); v != "" {
			if k == "as_of" || k == "known_at" {
				v = isoDate(v)
			}
			q.Set(k, v)
		}
	}
	var p casePage
	if !con.get(w, r, "/v1/cases/"+pathID(r), q, &p.Case) {
		return
	}
	p.KnownAt = q.Get("known_at")
	events := url.Values{}
	if p.KnownAt != "" {
		events.Set("known_at", p.KnownAt)
	}
	var history struct {
		Items []struct {
			Type       string          `json:"type"`
			Data       json.RawMessage `json:"data"`
			Version    int64           `json:"version"`
			RecordedAt time.Time       `json:"recorded_at"`
			RecordedBy string          `json:"recorded_by"`
		} `json:"items"`
	}
	if !con.get(w, r, "/v1/cases/"+pathID(r)+"/events", events, &history) {
		return
	}
	_ = json.Unmarshal(p.Case.Citizen, &p.Citizen)
	_ = json.Unmarshal(p.Case.Validity, &p.Validity)
	_ = json.Unmarshal(p.Case.Fee, &p.Fee)
	for i := len(history.Items) - 1; i >= 0; i-- {
		e := history.Items[i]
		it := timelineItem{Type: e.Type, Label: label(e.Type), Version: e.Version, By: e.RecordedBy,
			At: e.RecordedAt.In(calendar.Prague).Format("2. 1. 2006 15:04")}
		var data map[string]any
		_ = json.Unmarshal(e.Data, &data)
		if e.Type != string(cases.CaseOpenedType) {
			for _, k := range sortedKeys(data) {
				it.Data = append(it.Data, option{Value: display(k, data[k]), Label: label(k)})
			}
		}
		p.Timeline = append(p.Timeline, it)
	}
	p.Months = months(p.Case)
	p.Saved = r.URL.Query().Get("saved") != ""
	p.Payments = con.payments(p.Case.Payments, p.Case.AsOf.String())
	p.Me = s.who.Name
	p.CanAssign = p.KnownAt == "" && p.Case.Assignee != s.who.Name && p.Case.Status != "closed" &&
		may(s.who.Role, "POST", "/v1/cases/{id}/events") && slices.Contains(cases.EventTypes(cases.Situation(p.Case.Situation)), cases.CaseAssignedType)
	p.Idem = uuid.NewString()
	// A case as the office knew it then is history: facts are recorded on
	// the case as it is now.
	if may(s.who.Role, "POST", "/v1/cases/{id}/events") && p.KnownAt == "" {
		for _, et := range cases.EventTypes(cases.Situation(p.Case.Situation)) {
			t := string(et)
			// A closed case takes no new facts; officers still decide on its flags.
			// A records officer's holds are recorded through the API (docs/RETENTION.md).
			if _, officer, ok := cases.Contract(t); ok && !cases.RecordsOfficerEvent(et) && officer == (s.who.Role == cases.ComplianceOfficer) && (officer || p.Case.Status != "closed") {
				p.Record = append(p.Record, option{t, label(t)})
			}
		}
	}
	con.remember(s, recentCase{ID: p.Case.ID, Reference: p.Case.Reference, Citizen: p.Citizen.FullName, Situation: label(p.Case.Situation)})
	con.render(w, r, http.StatusOK, "case", s, label(p.Case.Situation)+" – "+p.Citizen.FullName, p)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// display shows one value of an event's data.
func display(field string, v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "ano"
		}
		return "ne"
	case string:
		if d, err := calendar.ParseDate(x); err == nil {
			return czechDate(d)
		}
		return valueLabel(field, x)
	case float64:
		if x == float64(int64(x)) {
			return thousands(int64(x))
		}
		return czechDecimal(x, 2)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// czechDate writes a date the Czech way: 21. 4. 2026.
func czechDate(d calendar.Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d. %d. %d", d.Day(), d.Month(), d.Year())
}

// --- Recording events ---

func (con *Console) recordForm(r *http.Request, c views.CaseView, eventType string) (form, bool) {
	fields, _, ok := cases.Contract(eventType)
	accepted := false
	for _, t := range cases.EventTypes(cases.Situation(c.Situation)) {
		accepted = accepted || string(t) == eventType
	}
	if !ok || !accepted {
		return form{}, false
	}
	f := form{Action: "/ui/cases/" + c.ID + "/record", Submit: "Zaznamenat", Idem: uuid.NewString(), Version: c.Version, Type: eventType}
	today := con.cfg.Today()
	for _, cf := range fields {
		ff := formField{Name: cf.Name, Label: fieldLabel(eventType, cf.Name), Kind: cf.Kind, Required: cf.Required, Value: r.URL.Query().Get(cf.Name)}
		switch {
		case cf.Kind == "date" && cf.Past:
			ff.Hint = "d. m. rrrr (nebo RRRR-MM-DD), nejpozději dnes (" + czechDate(today) + ")"
		case cf.Kind == "date":
			ff.Hint = dateHint
		}
		if cf.Enum != nil {
			ff.Kind = "select"
			for _, v := range cf.Enum {
				ff.Options = append(ff.Options, option{v, valueLabel(cf.Name, v)})
			}
		}
		switch cf.Name {
		case "obligation":
			ff.Kind = "select"
			for _, o := range c.Obligations {
				if !slices.ContainsFunc(ff.Options, func(op option) bool { return op.Value == o.Obligation }) {
					ff.Options = append(ff.Options, option{o.Obligation, label(o.Obligation) + " (lhůta " + czechDate(o.DueOn) + ", " + label(string(o.Status)) + ")"})
				}
			}
		case "flag":
			ff.Kind = "select"
			for _, fl := range c.Flags {
				if fl.Status == cases.FlagRaised {
					ff.Options = append(ff.Options, option{fl.ID, fl.LegalBasis + " (" + fl.ID + ")"})
				}
			}
		case "fine_czk":
			if fl := chosenFlag(c, ff, r); fl != nil && fl.MaxFineCZK != nil {
				ff.Max = strconv.FormatInt(*fl.MaxFineCZK, 10)
				ff.Hint = fmt.Sprintf("Jen při rozhodnutí „uložena pokuta“; nejvýše %s (%s).", czk(fl.MaxFineCZK), fl.LegalBasis)
			} else {
				ff.Hint = "Jen při rozhodnutí „uložena pokuta“; strop pokuty za tento přestupek pravidla neuvádějí, služba jej proto nekontroluje."
			}
		}
		f.Fields = append(f.Fields, ff)
	}
	return f, true
}

// chosenFlag is the flag a decision form is about, for its fine cap.
func chosenFlag(c views.CaseView, _ formField, r *http.Request) *views.FlagItem {
	id := r.FormValue("flag")
	for i := range c.Flags {
		if c.Flags[i].ID == id || (id == "" && c.Flags[i].Status == cases.FlagRaised) {
			return &c.Flags[i]
		}
	}
	return nil
}

func (con *Console) loadCase(w http.ResponseWriter, r *http.Request) (views.CaseView, bool) {
	var c views.CaseView
	q := url.Values{}
	if v := r.URL.Query().Get("min_position"); v != "" {
		q.Set("min_position", v)
	}
	ok := con.get(w, r, "/v1/cases/"+pathID(r), q, &c)
	return c, ok
}

func (con *Console) recordPage(w http.ResponseWriter, r *http.Request) {
	s := current(r)
	c, ok := con.loadCase(w, r)
	if !ok {
		return
	}
	t := r.URL.Query().Get("type")
	f, ok := con.recordForm(r, c, t)
	if !ok {
		con.fail(w, r, s, http.StatusNotFound, "Tento druh události se v této životní situaci nezaznamenává.")
		return
	}
	con.render(w, r, http.StatusOK, "form", s, label(t), recordPage(c, t, f))
}

func recordPage(c views.CaseView, t string, f form) formPage {
	var citizen cases.Citizen
	_ = json.Unmarshal(c.Citizen, &citizen)
	return formPage{Heading: label(t), Intro: label(c.Situation) + " · " + citizen.FullName + " · " + c.Office,
		Back: &menuItem{"/ui/cases/" + c.ID, "Zpět na případ"}, Form: f}
}

func (con *Console) record(w http.ResponseWriter, r *http.Request) {
	s := current(r)
	c, ok := con.loadCase(w, r)
	if !ok {
		return
	}
	t := r.PostFormValue("type")
	f, ok := con.recordForm(r, c, t)
	if !ok {
		con.fail(w, r, s, http.StatusNotFound, "Tento druh události se v této životní situaci nezaznamenává.")
		return
	}
	data := map[string]any{}
	for i := range f.Fields {
		ff := &f.Fields[i]
		ff.Value = r.PostFormValue(ff.Name)
		if ff.Kind != "text" {
			ff.Value = strings.TrimSpace(ff.Value)
		}
		if ff.Value == "" {
			continue
		}
		data[ff.Name] = formValue(ff.Kind, ff.Value)
		if ff.Kind == "date" {
			data[ff.Name] = isoDate(ff.Value)
		}
	}
	body := map[string]any{"type": t, "data": data}
	// The version the clerk saw: if someone recorded in between, the API
	// answers 409 and the clerk decides again on the fresh case.
	if v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64); err == nil {
		body["expected_version"] = v
		f.Version = v
	}
	a := con.call(r, http.MethodPost, "/v1/cases/"+pathID(r)+"/events", nil, body, map[string]string{"Idempotency-Key": r.PostFormValue("idem")})
	if a.status != http.StatusCreated {
		if a.status == http.StatusUnauthorized {
			con.refused(w, r, a)
			return
		}
		p := a.problem()
		if a.status == http.StatusConflict {
			p.Errors = []cases.FieldError{{Message: "Mezitím někdo na případu zaznamenal jinou událost. Zkontrolujte případ a odešlete formulář znovu."}}
			f.Version = c.Version
		}
		f.attach(p, "data.")
		f.Idem = uuid.NewString()
		con.render(w, r, a.status, "form", s, label(t), recordPage(c, t, f))
		return
	}
	var out written
	_ = json.Unmarshal(a.body, &out)
	http.Redirect(w, r, fmt.Sprintf("/ui/cases/%s?min_position=%d&saved=1", c.ID, out.Position), http.StatusSeeOther)
}

// formValue turns a form's text into the JSON value of a field of that
// kind; text that is not one is sent as typed, for the API to refuse by name.
func formValue(kind, v string) any {
	switch kind {
	case "bool":
		switch v {
		case "true":
			return true
		case "false":
			return false
		}
	case "number":
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return v
}

// --- Lists ---

type listPage struct {
	Heading, Intro string
	Filters        []formField
	Columns        []string
	Rows           [][]cell
	Next, First    string
	// CSV is this page as CSV; Export the whole list, Excel the whole list for Czech Excel.
	CSV, Export, Excel string
	Empty              string
}

type cell struct{ Text, Href, Class string }

// listQuery copies the filters given (non-empty) and the paging into the API's query.
// apiPage is one page of an API list.
type apiPage[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next_cursor"`
}

// defaultStatus filters a list to status where the user chose none.
func defaultStatus[S ~string](r *http.Request, q url.Values, status S) {
	if _, given := r.URL.Query()["status"]; !given {
		q.Set("status", string(status))
	}
}

// readList reads one page of the API's list at path, filtered by the
// request's parameters names, the status filter defaulting to status (""
// none); false when the API refused and the error page was shown.
func readList[T any](con *Console, w http.ResponseWriter, r *http.Request, path, status string, names ...string) (url.Values, apiPage[T], bool) {
	q := listQuery(r, names...)
	if status != "" {
		defaultStatus(r, q, status)
	}
	var list apiPage[T]
	ok := con.get(w, r, path, q, &list)
	return q, list, ok
}

// renderList shows a list page to the signed-in user, titled by its
// heading, with its paging and export links.
func (con *Console) renderList(w http.ResponseWriter, r *http.Request, path string, q url.Values, next string, p listPage) {
	p.Next, p.First, p.CSV, p.Export, p.Excel = pageLinks(path, q, next)
	con.render(w, r, http.StatusOK, "list", current(r), p.Heading, p)
}

func listQuery(r *http.Request, names ...string) url.Values {
	q := url.Values{}
	for _, k := range append(names, "limit", "cursor", "min_position") {
		if v := strings.TrimSpace(r.URL.Query().Get(k)); v != "" {
			if dateParams[k] {
				v = isoDate(v)
			}
			q.Set(k, v)
		}
	}
	return q
}

// dateParams are the lists' date filters, typed the Czech way or as YYYY-MM-DD.
var dateParams = map[string]bool{"as_of": true, "due_from": true, "due_to": true, "from": true, "to": true}

// sortField is the lists' order, for those that take one (dated: by due date either way).
func sortField(dated bool) formField {
	opts := []option{{"", "výchozí"}}
	if dated {
		opts = append(opts, option{"due_on", "podle lhůty (nejbližší první)"}, option{"-due_on", "podle lhůty (nejvzdálenější první)"})
	}
	opts = append(opts, option{"name", "podle jména občana"}, option{"office", "podle úřadu"})
	return formField{Name: "sort", Kind: "select", Options: opts}
}

func filterFields(r *http.Request, q url.Values, specs ...formField) []formField {
	for i := range specs {
		specs[i].Label = label(specs[i].Name)
		if l, ok := filterLabels[specs[i].Name]; ok {
			specs[i].Label = l
		}
		specs[i].Value = q.Get(specs[i].Name)
		if specs[i].Kind == "date" {
			specs[i].Value = czechDateText(specs[i].Value)
			specs[i].Hint = dateHint
		}
	}
	return specs
}

var filterLabels = map[string]string{"as_of": "Ke dni", "sort": "Řazení", "status": "Stav", "due_from": "Lhůta od", "due_to": "Lhůta do",
	"limit": "Počet na stránku", "situation": "Životní situace", "office": "Úřad", "from": "Od", "to": "Do",
	"offices": "Úřady k porovnání (oddělené čárkou)"}

func statusOptions(values ...string) []option {
	opts := []option{{"", "všechny"}}
	for _, v := range values {
		opts = append(opts, option{v, label(v)})
	}
	return opts
}

// pageLinks makes the next page's and the CSV's links from the API's
// cursor: this page, the whole list, the whole list for Czech Excel.
func pageLinks(path string, q url.Values, next string) (nextLink, first, csv, export, excel string) {
	if next != "" {
		n := cloneValues(q)
		n.Set("cursor", next)
		nextLink = path + "?" + n.Encode()
	}
	if q.Get("cursor") != "" {
		f := cloneValues(q)
		f.Del("cursor")
		first = path + "?" + f.Encode()
	}
	all := cloneValues(q)
	all.Del("cursor")
	all.Del("limit")
	all.Set("export", "all")
	export = path + ".csv?" + all.Encode()
	all.Set("csv", "excel")
	return nextLink, first, path + ".csv?" + q.Encode(), export, path + ".csv?" + all.Encode()
}

// caseCell links a case by its reference (its id where it has none).
func caseCell(id, reference string) cell {
	if reference == "" {
		reference = shortID(id)
	}
	return cell{Text: reference, Href: "/ui/cases/" + id, Class: "ref"}
}

// czechDateText shows a YYYY-MM-DD value the Czech way, anything else as it is.
func czechDateText(v string) string {
	if d, err := calendar.ParseDate(v); err == nil {
		return czechDate(d)
	}
	return v
}

func cloneValues(q url.Values) url.Values {
	c := url.Values{}
	for k, v := range q {
		c[k] = slices.Clone(v)
	}
	return c
}

func (con *Console) obligationsPage(w http.ResponseWriter, r *http.Request) {
	q, list, ok := readList[views.ObligationItem](con, w, r, "/v1/obligations", "overdue", "as_of", "status", "office", "situation", "due_from", "due_to", "sort")
	if !ok {
		return
	}
	p := listPage{Heading: "Lhůty občanů", Intro: "Povinnosti občanů a jejich lhůty ke zvolenému dni; výchozí jsou lhůty po splatnosti ke dnešku.",
		Columns: []string{"Spisová značka", "Občan", "Úřad", "Povinnost", "Právní základ", "Vznik", "Lhůta", "Stav", "Splněno"},
		Empty:   "Žádné povinnosti neodpovídají filtru."}
	p.Filters = filterFields(r, q,
		formField{Name: "as_of", Kind: "date"},
		formField{Name: "status", Kind: "select", Options: statusOptions("open", "overdue", "met", "met_late", "excused", "judged")},
		formField{Name: "office", Kind: "line"},
		formField{Name: "situation", Kind: "select", Options: append([]option{{"", "všechny"}}, situationOptions()...)},
		formField{Name: "due_from", Kind: "date"}, formField{Name: "due_to", Kind: "date"},
		sortField(true), formField{Name: "limit", Kind: "number"})
	for _, it := range list.Items {
		p.Rows = append(p.Rows, []cell{caseCell(it.CaseID, it.Reference), {Text: it.FullName}, {Text: it.Office}, {Text: label(it.Obligation)},
			{Text: it.LegalBasis}, {Text: czechDate(it.TriggeredOn)}, {Text: czechDate(it.DueOn)},
			{Text: label(string(it.Status)), Class: "status-" + string(it.Status)}, {Text: czechDate(it.FulfilledOn)}})
	}
	con.renderList(w, r, "/ui/obligations", q, list.Next, p)
}

func (con *Console) flagsPage(w http.ResponseWriter, r *http.Request) {
	q, list, ok := readList[views.FlagItem](con, w, r, "/v1/flags", string(cases.FlagRaised), "as_of", "status", "office", "sort")
	if !ok {
		return
	}
	p := listPage{Heading: "Podezření z přestupků", Intro: "Podezření odvozená z událostí případů; rozhodnutí zaznamenává kontrolor. Pokutu omezuje strop daný pravidlem.",
		Columns: []string{"Spisová značka", "Občan", "Úřad", "Právní základ", "Strop pokuty", "Vzniklo", "Stav", "Pokuta", "Rozhodnuto", ""},
		Empty:   "Žádná podezření neodpovídají filtru."}
	p.Filters = filterFields(r, q, formField{Name: "as_of", Kind: "date"},
		formField{Name: "status", Kind: "select", Options: statusOptions(views.FlagStatuses...)},
		formField{Name: "office", Kind: "line"}, sortField(false), formField{Name: "limit", Kind: "number"})
	for _, it := range list.Items {
		kind := ""
		if it.ReviewOnly {
			kind = " (jen k posouzení)"
		}
		decide := cell{}
		if it.Status == cases.FlagRaised {
			decide = cell{Text: "Rozhodnout", Href: "/ui/cases/" + it.CaseID + "/record?type=FlagReviewed&flag=" + url.QueryEscape(it.ID)}
		}
		p.Rows = append(p.Rows, []cell{caseCell(it.CaseID, it.Reference), {Text: it.FullName}, {Text: it.Office}, {Text: it.LegalBasis + kind},
			{Text: czk(it.MaxFineCZK)}, {Text: czechDate(it.RaisedOn)}, {Text: label(it.Status)}, {Text: czk(it.FineCZK)},
			{Text: czechDate(it.DecidedOn)}, decide})
	}
	con.renderList(w, r, "/ui/flags", q, list.Next, p)
}

func (con *Console) slaPage(w http.ResponseWriter, r *http.Request) {
	q, list, ok := readList[views.SLAItem](con, w, r, "/v1/sla", "breached", "as_of", "status", "office", "sort")
	if !ok {
		return
	}
	p := listPage{Heading: "Lhůty úřadu", Intro: "Lhůty úřadu pro vyřízení žádostí o doklady; výchozí jsou překročené lhůty ke dnešku.",
		Columns: []string{"Spisová značka", "Občan", "Úřad", "Doklad", "Lhůta vyřízení", "Podáno", "Lhůta", "Připraveno", "Stav"},
		Empty:   "Žádné lhůty úřadu neodpovídají filtru."}
	p.Filters = filterFields(r, q, formField{Name: "as_of", Kind: "date"},
		formField{Name: "status", Kind: "select", Options: statusOptions(views.SLAStatuses...)},
		formField{Name: "office", Kind: "line"}, sortField(true), formField{Name: "limit", Kind: "number"})
	for _, it := range list.Items {
		p.Rows = append(p.Rows, []cell{caseCell(it.CaseID, it.Reference), {Text: it.FullName}, {Text: it.Office}, {Text: label(it.Document)},
			{Text: valueLabel("track", it.Track)}, {Text: czechDate(it.FiledOn)}, {Text: czechDate(it.DueOn)},
			{Text: czechDate(it.ReadyOn)}, {Text: label(it.Status), Class: "status-" + it.Status}})
	}
	con.renderList(w, r, "/ui/sla", q, list.Next, p)
}

func czk(v *int64) string {
	if v == nil {
		return ""
	}
	return thousands(*v) + " Kč"
}

// thousands writes 10000 as "10 000" (a no-break space between groups).
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(ch)
	}
	return b.String()
}

// shortID shows the start of a case id; the link carries all of it.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8] + "…"
	}
	return id
}

// csv downloads a list as the API's CSV.
func (con *Console) csv(path, name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := listQuery(r, "as_of", "status", "kind", "office", "situation", "due_from", "due_to", "sort", "export", "csv", "assignee")
		a := con.call(r, http.MethodGet, path, q, nil, map[string]string{"Accept": "text/csv"})
		if a.status != http.StatusOK {
			con.refused(w, r, a)
			return
		}
		if next := a.header.Get("Next-Cursor"); next != "" {
			w.Header().Set("Next-Cursor", next)
		}
		w.Header().Set("Content-Type", a.header.Get("Content-Type"))
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.csv"`, name, con.cfg.Today()))
		_, _ = w.Write(a.body)
	}
}
