package handlers

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/projections/views"
)

// wantsCSV reports whether the client asked for CSV (Accept: text/csv,
// or ?csv=excel for Czech Excel).
func wantsCSV(r *http.Request) bool {
	if r.URL.Query().Get("csv") == "excel" {
		return true
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		media, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(media, "text/csv") {
			return true
		}
	}
	return false
}

// writeCSV answers a list as CSV: one header row of the items' JSON field
// names, one row per item, dates as YYYY-MM-DD and absent values empty (or
// for Czech Excel, excelCSV). The cursor of the next page, if any, is in
// the header Next-Cursor.
func writeCSV(w http.ResponseWriter, r *http.Request, items any, next string) {
	v := reflect.ValueOf(items)
	c := newCSVWriter(w, excelCSV(r))
	c.start(v.Type().Elem(), next)
	c.rows(v)
	c.flush()
}

// writeRows writes rows of text whose first is a header of field names
// (for Czech Excel, excelCSV: translated, after a BOM, with semicolons).
func writeRows(w http.ResponseWriter, r *http.Request, rows [][]string) {
	excel := excelCSV(r)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	if excel {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8; profile=excel")
	}
	w.WriteHeader(http.StatusOK)
	for i, row := range rows {
		for j, cell := range row {
			if i == 0 && excel {
				cell = czechHeader(cell)
			}
			row[j] = inert(cell)
		}
	}
	cw := csv.NewWriter(w)
	if excel {
		_, _ = w.Write([]byte("\uFEFF"))
		cw.Comma, cw.UseCRLF = ';', true
	}
	_ = cw.WriteAll(rows)
}

// inert keeps a spreadsheet from reading a cell as a formula (CSV
// injection: a citizen's name or an office typed as =HYPERLINK(…)): a cell
// that begins with = + - @, a tab or a carriage return, and is not a
// number, gets a leading apostrophe, which spreadsheets show as text.
func inert(cell string) string {
	if cell == "" || !strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return cell
	}
	if _, err := strconv.ParseFloat(cell, 64); err == nil {
		return cell
	}
	return "'" + cell
}

func csvValue(v reflect.Value) string {
	if d, ok := v.Interface().(calendar.Date); ok {
		if d.IsZero() {
			return ""
		}
		return d.String()
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return ""
		}
		return csvValue(v.Elem())
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	}
	return fmt.Sprint(v.Interface())
}

// writeStatsCSV answers the dashboard figures as CSV rows of
// (figure, key, status, count): the counts by status, by situation, by
// month of the fact, and the office deadlines' outcomes.
func writeStatsCSV(w http.ResponseWriter, r *http.Request, st views.Stats) {
	rows := [][]string{{"figure", "key", "status", "count"}}
	add := func(figure, key string, counts map[string]int) {
		statuses := make([]string, 0, len(counts))
		for s := range counts {
			statuses = append(statuses, s)
		}
		slices.Sort(statuses)
		for _, s := range statuses {
			rows = append(rows, []string{figure, key, s, strconv.Itoa(counts[s])})
		}
	}
	plain := func(c views.Counts) map[string]int {
		m := map[string]int{}
		for s, n := range c {
			m[string(s)] = n
		}
		return m
	}
	add("by_status", "", plain(st.ByStatus))
	for _, group := range []struct {
		figure string
		by     map[string]views.Counts
	}{{"by_situation", st.BySituation}, {"by_month", st.ByMonth}} {
		keys := make([]string, 0, len(group.by))
		for k := range group.by {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			add(group.figure, k, plain(group.by[k]))
		}
	}
	add("sla", "", st.SLA)
	rows = append(rows, paymentStatsRows(st.Payments)...)
	writeRows(w, r, rows)
}
