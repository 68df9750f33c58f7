package handlers

import (
	"context"
	"encoding/csv"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/internal/caseport"
	"github.com/lhuta/lhuta/projections/views"
)

// sortParam reads ?sort=, answering 400 itself for an order the list does
// not take.
func sortParam(w http.ResponseWriter, r *http.Request, allowed []views.Sort) (views.Sort, bool) {
	s := views.Sort(r.URL.Query().Get("sort"))
	if s == views.SortDefault || slices.Contains(allowed, s) {
		return s, true
	}
	if len(allowed) == 0 {
		badRequest(w, "sort", "this list has one order and takes no sort")
	} else {
		badRequest(w, "sort", "must be one of "+joined(allowed))
	}
	return "", false
}

// Sorts of the lists: the dated ones take every order, flags and cases
// (no due date) the name and the office.
var (
	datedSorts   = views.Sorts
	undatedSorts = []views.Sort{views.SortName, views.SortOffice}
)

// exportPage is how many items one read of an export takes.
const exportPage = maxLimit

// pageReader reads one page of a list after a cursor.
type pageReader[T any] func(ctx context.Context, after string, limit int) ([]T, string, error)

// serveList answers a list: one page (JSON, or CSV for Accept: text/csv
// or ?csv=excel), or with ?export=all the whole list as CSV, read and
// written a page at a time. seen is called with every page read (the
// audit of personal-data reads), nil for none.
func serveList[T any](s *Server, w http.ResponseWriter, r *http.Request, after string, limit int, read pageReader[T], seen func([]T)) {
	if r.URL.Query().Get("export") == "all" {
		exportList(s, w, r, after, read, seen)
		return
	}
	page, err := caseport.Read(r.Context(), func() (list[T], error) {
		items, next, err := read(r.Context(), after, limit)
		return list[T]{items, next}, err
	})
	if err == nil && seen != nil {
		seen(page.items)
	}
	s.writeList(w, r, page.items, page.next, err)
}

// exportList streams a whole list as CSV. An error before the first page
// answers as usual; one after it ends the body short (the client sees a
// broken transfer, never a silently partial file: the connection is cut).
func exportList[T any](s *Server, w http.ResponseWriter, r *http.Request, after string, read pageReader[T], seen func([]T)) {
	cw := newCSVWriter(w, excelCSV(r))
	for first := true; ; first = false {
		page, err := caseport.Read(r.Context(), func() (list[T], error) {
			items, next, err := read(r.Context(), after, exportPage)
			return list[T]{items, next}, err
		})
		if err != nil {
			if first {
				s.writeList(w, r, []T(nil), "", err)
				return
			}
			s.log.Error("export cut short", "path", r.URL.Path, "err", err)
			panic(http.ErrAbortHandler)
		}
		if seen != nil {
			seen(page.items)
		}
		if first {
			cw.start(reflect.TypeFor[T](), "")
		}
		cw.rows(reflect.ValueOf(page.items))
		if page.next == "" {
			cw.flush()
			return
		}
		cw.flush()
		after = page.next
	}
}

// excelCSV reports whether the client asked for CSV for Czech Excel:
// Accept: text/csv; profile=excel, or ?csv=excel.
func excelCSV(r *http.Request) bool {
	if r.URL.Query().Get("csv") == "excel" {
		return true
	}
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		media, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(media), "text/csv") {
			continue
		}
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "profile") && strings.EqualFold(strings.Trim(v, `"`), "excel") {
				return true
			}
		}
	}
	return false
}

// csvWriter writes list items as CSV: plain (a header of the JSON field
// names, ISO dates, commas) or for Czech Excel (a UTF-8 BOM, semicolons,
// Czech headers, dates d. m. yyyy, yes/no in Czech).
type csvWriter struct {
	w      http.ResponseWriter
	cw     *csv.Writer
	excel  bool
	fields [][]int // the index paths of the columns' fields
}

func newCSVWriter(w http.ResponseWriter, excel bool) *csvWriter {
	c := &csvWriter{w: w, cw: csv.NewWriter(w), excel: excel}
	if excel {
		c.cw.Comma = ';'
		c.cw.UseCRLF = true
	}
	return c
}

// start writes the response's headers and the header row of items of type t.
func (c *csvWriter) start(t reflect.Type, next string) {
	c.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	if c.excel {
		c.w.Header().Set("Content-Type", "text/csv; charset=utf-8; profile=excel")
	}
	if next != "" {
		c.w.Header().Set("Next-Cursor", next)
	}
	c.w.WriteHeader(http.StatusOK)
	if c.excel {
		_, _ = c.w.Write([]byte("\uFEFF"))
	}
	var header []string
	c.fields, header = jsonFields(t, nil)
	if c.excel {
		for i, name := range header {
			header[i] = czechHeader(name)
		}
	}
	_ = c.cw.Write(header)
}

// jsonFields returns the fields of the struct type t that JSON names, as
// index paths below at, and their names; the fields of an embedded struct
// that has no name of its own stand in its place, as in JSON.
func jsonFields(t reflect.Type, at []int) (paths [][]int, names []string) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		path := append(slices.Clone(at), i)
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			p, n := jsonFields(f.Type, path)
			paths, names = append(paths, p...), append(names, n...)
			continue
		}
		if name == "" || name == "-" {
			continue
		}
		paths, names = append(paths, path), append(names, name)
	}
	return paths, names
}

// rows writes one row per item of the slice v.
func (c *csvWriter) rows(v reflect.Value) {
	for i := range v.Len() {
		row := make([]string, len(c.fields))
		for j, f := range c.fields {
			row[j] = inert(c.value(v.Index(i).FieldByIndex(f)))
		}
		_ = c.cw.Write(row)
	}
}

func (c *csvWriter) value(v reflect.Value) string {
	if !c.excel {
		return csvValue(v)
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if d, ok := v.Interface().(calendar.Date); ok {
		if d.IsZero() {
			return ""
		}
		return d.Czech()
	}
	if v.Kind() == reflect.Bool {
		if v.Bool() {
			return "ano"
		}
		return "ne"
	}
	return csvValue(v)
}

func (c *csvWriter) flush() {
	c.cw.Flush()
	if f, ok := c.w.(http.Flusher); ok {
		f.Flush()
	}
}

// czechHeaders are the Czech column names of the CSV for Excel, by the
// items' JSON field names; a field without one keeps its name.
var czechHeaders = map[string]string{
	"id":              "ID",
	"case_id":         "ID případu",
	"reference":       "Spisová značka",
	"full_name":       "Jméno a příjmení",
	"office":          "Úřad",
	"obligation":      "Povinnost",
	"legal_basis":     "Právní základ",
	"triggered_on":    "Vznik povinnosti",
	"due_on":          "Lhůta do",
	"status":          "Stav",
	"fulfilled_on":    "Splněno dne",
	"offence":         "Přestupek",
	"max_fine_czk":    "Nejvyšší pokuta (Kč)",
	"review_only":     "Jen k posouzení",
	"raised_on":       "Zjištěno dne",
	"fine_czk":        "Pokuta (Kč)",
	"decided_on":      "Rozhodnuto dne",
	"deadline":        "Lhůta úřadu",
	"document":        "Doklad",
	"track":           "Způsob vyřízení",
	"filed_on":        "Podáno dne",
	"ready_on":        "Připraveno dne",
	"situation":       "Životní situace",
	"opened_on":       "Založeno dne",
	"assignee":        "Přiděleno",
	"kind":            "Druh",
	"what":            "Co",
	"fee":             "Poplatek",
	"year":            "Rok",
	"amount_czk":      "Částka (Kč)",
	"paid_czk":        "Zaplaceno (Kč)",
	"owed_czk":        "Dluží (Kč)",
	"credit_czk":      "Přeplatek (Kč)",
	"paid_on":         "Zaplaceno dne",
	"account":         "Účet",
	"iban":            "IBAN",
	"variable_symbol": "Variabilní symbol",
	"specific_symbol": "Specifický symbol",
	"message":         "Zpráva pro příjemce",
	"spayd":           "QR Platba (SPAYD)",
	"basis":           "Podklad",
	"booked_on":       "Připsáno dne",
	"counter_party":   "Plátce",
	"bank_reference":  "Reference banky",
	"statement":       "Výpis",
	"reason":          "Důvod",
	"return_reason":   "Důvod vrácení",
	"decided_by":      "Rozhodl(a)",
	"decided_at":      "Rozhodnuto",
	"figure":          "Ukazatel",
	"key":             "Klíč",
	"count":           "Počet",
}

func czechHeader(name string) string {
	if h, ok := czechHeaders[name]; ok {
		return h
	}
	return name
}
