package handlers

import (
	"net/http"
	"slices"
	"strings"

	"github.com/lhuta/lhuta/internal/gdpr"
)

// processingRecord answers GET /v1/processing-record: the record of
// processing activities (GDPR čl. 30) of this installation, as Markdown or
// CSV (?format=, else Accept). A token bound to offices gets the record of
// its offices: each office is its own controller.
func (s *Server) processingRecord(w http.ResponseWriter, r *http.Request) {
	setup := s.processing
	setup.Today, setup.Rules = s.today(), s.retention
	if len(setup.Offices) == 0 {
		setup.Offices = gdpr.OfficesOf(s.offices)
	}
	if sc := scope(r); sc != nil {
		setup.Offices = slices.DeleteFunc(slices.Clone(setup.Offices), func(o gdpr.Office) bool { return !slices.Contains(sc, o.Code) })
	}
	rec := gdpr.New(setup)
	var write func(w http.ResponseWriter) error
	switch format := r.URL.Query().Get("format"); {
	case format == "csv" || format == "" && acceptsCSV(r):
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="zaznamy-o-cinnostech-zpracovani.csv"`)
		write = func(w http.ResponseWriter) error { return rec.CSV(w) }
	case format == "" || format == "markdown":
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		write = func(w http.ResponseWriter) error { return rec.Markdown(w) }
	default:
		badRequest(w, "format", "must be markdown or csv")
		return
	}
	w.WriteHeader(http.StatusOK)
	if err := write(w); err != nil {
		s.log.Warn("processing record not written", "err", err)
	}
}

// acceptsCSV reports whether the Accept header asks for CSV.
func acceptsCSV(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if media, _, _ := strings.Cut(strings.TrimSpace(part), ";"); strings.EqualFold(media, "text/csv") {
			return true
		}
	}
	return false
}
