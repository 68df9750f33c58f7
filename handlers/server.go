package handlers

import (
	"database/sql"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/projections"
)

// Server holds what the handlers need.
type Server struct {
	repo     *caserepo.Repository
	reader   *projections.Reader
	pipeline *projections.Pipeline
	db       *sql.DB
	tokens   Tokens
	today    func() calendar.Date
	// lossReportThreshold is the § 16a(1)(e) review threshold in working days.
	lossReportThreshold int
	log                 *slog.Logger
	metrics             *metrics
	// MinPositionWait is how long a query with min_position waits for the
	// read models before it answers 503.
	MinPositionWait time.Duration
}

// Config is what New needs.
type Config struct {
	Repo     *caserepo.Repository
	Reader   *projections.Reader
	Pipeline *projections.Pipeline
	DB       *sql.DB
	Tokens   Tokens
	// Today returns the current Europe/Prague date (or LHUTA_CLOCK's).
	Today func() calendar.Date
	// LossReportThreshold is after how many working days from discovery a
	// loss report gets a review hint (0: the rulebook's default).
	LossReportThreshold int
	Log                 *slog.Logger
}

// New returns a Server.
func New(c Config) *Server {
	return &Server{repo: c.Repo, reader: c.Reader, pipeline: c.Pipeline, db: c.DB, tokens: c.Tokens,
		today: c.Today, lossReportThreshold: c.LossReportThreshold, log: c.Log, metrics: newMetrics(), MinPositionWait: 5 * time.Second}
}

// Routes returns the HTTP handler of the whole API.
func (s *Server) Routes() http.Handler {
	r := mux.NewRouter()
	readers := []cases.Role{cases.Clerk, cases.ComplianceOfficer}
	// Who may record which event is the domain's rule (cases.Case.Record).
	writers := []cases.Role{cases.Clerk, cases.ComplianceOfficer}
	r.HandleFunc("/v1/cases", s.allow(s.openCase, cases.Clerk)).Methods(http.MethodPost)
	r.HandleFunc("/v1/cases/{id}/events", s.allow(s.recordEvent, writers...)).Methods(http.MethodPost)
	r.HandleFunc("/v1/cases/{id}", s.allow(s.getCase, readers...)).Methods(http.MethodGet)
	r.HandleFunc("/v1/cases/{id}/events", s.allow(s.getEvents, readers...)).Methods(http.MethodGet)
	r.HandleFunc("/v1/obligations", s.allow(s.listObligations, readers...)).Methods(http.MethodGet)
	r.HandleFunc("/v1/flags", s.allow(s.listFlags, readers...)).Methods(http.MethodGet)
	// Aggregates only: the one endpoint a dashboard's token reaches.
	r.HandleFunc("/v1/stats", s.allow(s.stats, cases.Dashboard, cases.ComplianceOfficer, cases.Admin)).Methods(http.MethodGet)
	r.HandleFunc("/healthz", s.healthz).Methods(http.MethodGet)
	r.HandleFunc("/readyz", s.readyz).Methods(http.MethodGet)
	r.Handle("/metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})).Methods(http.MethodGet)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, Problem{Type: "/problems/not-found", Status: http.StatusNotFound, Detail: "no such endpoint (see API.md)"})
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, Problem{Status: http.StatusMethodNotAllowed, Detail: "method not allowed on this endpoint"})
	})
	r.Use(s.observe)
	return r
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "alive"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.db.PingContext(r.Context()); err != nil {
		writeProblem(w, Problem{Status: http.StatusServiceUnavailable, Detail: "database unreachable"})
		return
	}
	if !s.pipeline.Running() {
		writeProblem(w, Problem{Status: http.StatusServiceUnavailable, Detail: "projections are not running"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lhuta_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lhuta_http_request_duration_seconds", Help: "HTTP request duration by route.",
		}, []string{"route"}),
	}
	m.registry.MustRegister(m.requests, m.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

// observe counts and logs every request by its route template, never by
// its path: paths carry case ids.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := "unknown"
		if cur := mux.CurrentRoute(r); cur != nil {
			route, _ = cur.GetPathTemplate()
		}
		s.metrics.requests.WithLabelValues(route, http.StatusText(rec.code)).Inc()
		s.metrics.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
		s.log.Info("request", "method", r.Method, "route", route, "status", rec.code, "ms", time.Since(start).Milliseconds())
	})
}
