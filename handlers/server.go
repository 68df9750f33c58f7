package handlers

import (
	"cmp"
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/domain/retention"
	"github.com/lhuta/lhuta/internal/buildinfo"
	"github.com/lhuta/lhuta/internal/caseport"
	"github.com/lhuta/lhuta/internal/collect"
	"github.com/lhuta/lhuta/internal/credits"
	"github.com/lhuta/lhuta/internal/gdpr"
	"github.com/lhuta/lhuta/internal/signin"
	"github.com/lhuta/lhuta/projections/views"
)

// Server holds what the handlers need.
type Server struct {
	repo     Repository
	reader   *views.Reader
	pipeline Pipeline
	db       *sql.DB
	tokens   atomic.Pointer[Tokens]
	today    func() calendar.Date
	// lossReportThreshold is the § 16a(1)(e) review threshold in working days.
	lossReportThreshold int
	log                 *slog.Logger
	metrics             *metrics
	// MinPositionWait is how long a query with min_position waits for the
	// read models before it answers 503.
	MinPositionWait time.Duration
	// dbTimeout bounds the database work of one request.
	dbTimeout      time.Duration
	metricsHandler http.Handler
	// projecting reports whether this instance runs the projection (nil: it always does).
	projecting func() bool
	// readDB is the replica queries read, or nil.
	readDB *sql.DB
	// offices are the offices' payment terms (nil: the built-in ones).
	offices *money.Offices
	// knownOffices are the offices cases may be opened for (nil: any).
	knownOffices []string
	// credits is the ledger of bank statement credits, on the primary database.
	credits *credits.Ledger
	// reminders lists the reminders (nil: none are planned).
	reminders Reminders
	// accessTokens verifies the identity provider's access tokens (nil:
	// only the machine tokens are accepted).
	accessTokens AccessTokens
	// portal is the citizen's portal (nil: none, and /v1/me* signs no one in).
	portal CitizenPortal
	// signIn limits unknown bearer tokens per client address.
	signIn *signin.Limiter
	// retention are the office's retention rules (nil: none given, nothing is scheduled).
	retention *retention.Rules
	// forget forgets a citizen after a disposal (nil: not configured).
	forget func(ctx context.Context, citizenID string) error
	// finishForgetting completes the forgettings of an approval (nil: none).
	finishForgetting func(ctx context.Context) error
	// primary reads the read models of the primary database (not a replica).
	primary *views.Reader
	// processing is what the record of processing activities says of this installation.
	processing gdpr.Setup
	// idempotencyTTL is how long an Idempotency-Key of a disposal answers.
	idempotencyTTL time.Duration
}

// Repository is what the API needs of the write door: the methods of
// *caserepo.Repository it calls, in the types of internal/caseport, so
// handlers does not depend on the event store the repository writes to.
type Repository interface {
	Create(ctx context.Context, opened cases.Recorded, req caseport.Request) (caseport.Event, error)
	Update(ctx context.Context, id string, expected int64, req caseport.Request,
		decide func(c *cases.Case) (cases.Recorded, error)) (caseport.Event, error)
	Load(ctx context.Context, id string) (*cases.Case, error)
	Events(ctx context.Context, id string) ([]caseport.Event, error)
	KnownAt(ctx context.Context, id string, t time.Time) ([]caseport.Event, error)
	LoadKnownAt(ctx context.Context, id string, t time.Time) (*cases.Case, error)
	AssignCredit(ctx context.Context, ledger *credits.Ledger, creditID, caseID, vs string, req caseport.Request,
		dctx cases.Context) (caseport.Event, credits.Credit, error)
	ScheduleRetention(ctx context.Context, caseID string, rules *retention.Rules, today calendar.Date,
		offices *money.Offices, req caseport.Request) (e caseport.Event, ok bool, err error)
}

// Pipeline is what the API needs of the projection: to be told of new
// events, to wait for a position, whether it runs, and its lag. The
// service fills it with *projections.Pipeline, so handlers does not depend
// on the store the pipeline reads.
type Pipeline interface {
	// Nudge tells the pipeline that events were appended.
	Nudge()
	// WaitFor waits until the read models include the position, at most
	// timeout (views.ErrNotYet after it).
	WaitFor(ctx context.Context, position int64, timeout time.Duration) error
	// Running reports whether the pipeline delivers events without errors.
	Running() bool
	// Lag is how far the read models are behind the log.
	Lag(ctx context.Context) (views.Lag, error)
}

// Config is what New needs.
type Config struct {
	Repo     Repository
	Reader   *views.Reader
	Pipeline Pipeline
	DB       *sql.DB
	Tokens   Tokens
	// Today returns the current Europe/Prague date (or LHUTA_CLOCK's).
	Today func() calendar.Date
	// LossReportThreshold is after how many working days from discovery a
	// loss report gets a review hint (0: the rulebook's default).
	LossReportThreshold int
	Log                 *slog.Logger
	// DBTimeout bounds the database work of one request (0: DefaultDBTimeout);
	// past it the request answers 503 instead of hanging on a hung database.
	DBTimeout time.Duration
	// Projecting reports whether this instance holds the projection's lease
	// (nil: it always does, as the only instance). A standby is ready: it
	// writes, and its queries wait for the projecting instance's work.
	Projecting func() bool
	// Collectors are further metrics to serve at /metrics (the event feed's).
	Collectors []prometheus.Collector
	// ReadDB is the streaming replica that Reader queries, if any; /readyz checks it too.
	ReadDB *sql.DB
	// Offices are the offices' payment terms: fee schedules, accounts
	// (nil: the built-in ones, money.Builtin).
	Offices *money.Offices
	// KnownOffices are the offices configured (LHUTA_OFFICES): a case for
	// another office is refused (422). Nil accepts any office code.
	KnownOffices []string
	// MinPositionWait is how long a query with min_position waits for the
	// read models before it answers 503 (0: DefaultMinPositionWait).
	MinPositionWait time.Duration
	// Reminders lists the e-mail reminders (internal/reminders); nil: none.
	Reminders Reminders
	// AccessTokens verifies the identity provider's access tokens
	// (internal/sso); nil: the API accepts only the machine tokens.
	AccessTokens AccessTokens
	// Portal is the citizen's portal, for /v1/me* and the counter's
	// portal-access and portal-activation routes (nil: not served).
	Portal CitizenPortal
	// SignIn limits unknown bearer tokens per client address (nil: a
	// signin.New of the API's own).
	SignIn *signin.Limiter
	// Retention are the offices' retention rules (LHUTA_RETENTION_FILE;
	// nil: none, and no case is scheduled for disposal).
	Retention *retention.Rules
	// ForgetCitizen forgets a citizen once an approved disposal leaves them
	// no retained case (docs/RETENTION.md); nil: approvals that would forget
	// someone fail and may be sent again once it is configured.
	ForgetCitizen func(ctx context.Context, citizenID string) error
	// FinishForgetting finishes, before an approval is recorded, every
	// forgetting that began and did not finish (this approval's, or an
	// earlier one's that failed half-way: a retried approval no longer knows
	// those citizens' ids), and compacts the database's files once; nil: none.
	FinishForgetting func(ctx context.Context) error
	// Processing says which of the code's recipients this installation has
	// configured, for the record of processing activities
	// (GET /v1/processing-record); its offices default to Offices', its
	// rules are Retention.
	Processing gdpr.Setup
	// IdempotencyTTL is how long an Idempotency-Key answers with its first
	// answer (0: eventstore's default, 7 days); the case routes' store has its own.
	IdempotencyTTL time.Duration
}

// DefaultMinPositionWait is how long a query with min_position waits for
// the read models by default.
const DefaultMinPositionWait = 5 * time.Second

// DefaultIdempotencyTTL is how long an Idempotency-Key answers by default
// (eventstore.DefaultKeyTTL, which handlers may not import).
const DefaultIdempotencyTTL = 7 * 24 * time.Hour

// DefaultDBTimeout is how long one request may wait for the database.
const DefaultDBTimeout = 10 * time.Second

// New returns a Server.
func New(c Config) *Server {
	if c.DBTimeout <= 0 {
		c.DBTimeout = DefaultDBTimeout
	}
	s := &Server{repo: c.Repo, reader: c.Reader, pipeline: c.Pipeline, db: c.DB,
		today: c.Today, lossReportThreshold: c.LossReportThreshold, log: c.Log, metrics: newMetrics(c.DB, c.Pipeline, c.Projecting),
		MinPositionWait: cmp.Or(c.MinPositionWait, DefaultMinPositionWait), dbTimeout: c.DBTimeout, projecting: c.Projecting, readDB: c.ReadDB, offices: c.Offices,
		credits:   credits.New(c.DB),
		reminders: c.Reminders, accessTokens: c.AccessTokens, knownOffices: c.KnownOffices,
		portal: c.Portal, signIn: c.SignIn, retention: c.Retention, forget: c.ForgetCitizen, finishForgetting: c.FinishForgetting,
		processing: c.Processing, idempotencyTTL: cmp.Or(c.IdempotencyTTL, DefaultIdempotencyTTL)}
	if c.DB != nil {
		s.primary = views.NewReader(c.DB).WithOffices(c.Offices)
	}
	if s.signIn == nil {
		s.signIn = signin.New()
	}
	if c.Projecting != nil {
		s.metrics.registry.MustRegister(leaderCollector{c.Projecting})
	}
	s.metrics.registry.MustRegister(c.Collectors...)
	s.metricsHandler = promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
	s.SetTokens(c.Tokens)
	return s
}

// SetTokens replaces the bearer tokens the server accepts (on SIGHUP, say);
// requests under way finish with the tokens they started with.
func (s *Server) SetTokens(t Tokens) { s.tokens.Store(&t) }

// Rule says who may use one route. Roles nil means public: no token needed.
type Rule struct {
	Method string
	// Path is the route's template, as gorilla/mux spells it.
	Path  string
	Roles []cases.Role
}

type route struct {
	Rule
	handle http.HandlerFunc
}

// routes is the one place that says which routes exist and who may use
// them; Routes is built from it, and a test walks the router to hold every
// route to its rule.
func (s *Server) routes() []route {
	var (
		readers = []cases.Role{cases.Clerk, cases.ComplianceOfficer}
		// Who may record which event is the domain's rule (cases.Case.Record).
		writers = []cases.Role{cases.Clerk, cases.ComplianceOfficer, cases.RecordsOfficer}
		// Flags are suspicions of misdemeanours against named citizens: the
		// compliance officer's work, not the counter's.
		officers = []cases.Role{cases.ComplianceOfficer}
		// Aggregates only: the one endpoint a dashboard's token reaches.
		aggregates = []cases.Role{cases.Dashboard, cases.ComplianceOfficer, cases.Admin}
		// The fee department: clerks at the counter and compliance officers.
		feeDepartment = []cases.Role{cases.Clerk, cases.ComplianceOfficer}
		// The citizen's own data, through the portal's session or token (me.go).
		citizen = []cases.Role{Citizen}
		// Retention and disposals: the office's records (docs/RETENTION.md).
		records = []cases.Role{cases.RecordsOfficer}
	)
	get, post := http.MethodGet, http.MethodPost
	return []route{
		{Rule{post, "/v1/cases", []cases.Role{cases.Clerk}}, s.openCase},
		{Rule{get, "/v1/cases", readers}, s.listCases},
		{Rule{post, "/v1/cases/{id}/events", writers}, s.recordEvent},
		{Rule{get, "/v1/cases/{id}", readers}, s.getCase},
		{Rule{get, "/v1/cases/{id}/events", readers}, s.getEvents},
		{Rule{get, "/v1/obligations", readers}, s.listObligations},
		{Rule{get, "/v1/flags", officers}, s.listFlags},
		{Rule{get, "/v1/sla", officers}, s.listSLA},
		{Rule{get, "/v1/stats", aggregates}, s.stats},
		{Rule{get, "/v1/payments", readers}, s.listPayments},
		{Rule{get, "/v1/reminders", []cases.Role{cases.Clerk}}, s.listReminders},
		{Rule{get, "/v1/citizens/{citizen_id}/payments", readers}, s.citizenPayments},
		{Rule{get, "/v1/citizens/{citizen_id}/cases", readers}, s.citizenCases},
		{Rule{get, "/v1/citizens", readers}, s.findCitizens},
		{Rule{get, "/v1/worklist", readers}, s.worklist},
		{Rule{get, "/v1/payments/{payment_id}/qr.svg", readers}, s.paymentQR},
		{Rule{get, "/v1/payments/{payment_id}/qr.png", readers}, s.paymentQR},
		{Rule{get, "/v1/unmatched-credits", feeDepartment}, s.listUnmatchedCredits},
		{Rule{post, "/v1/unmatched-credits/{credit_id}/assign", feeDepartment}, s.assignCredit},
		{Rule{post, "/v1/unmatched-credits/{credit_id}/return", feeDepartment}, s.returnCredit},
		{Rule{post, "/v1/citizens/{citizen_id}/portal-access", []cases.Role{cases.Clerk}}, s.portalAccess},
		{Rule{post, "/v1/citizens/{citizen_id}/portal-activation", []cases.Role{cases.Clerk}}, s.portalActivation},
		{Rule{get, "/v1/retention", records}, s.listRetention},
		{Rule{post, "/v1/disposals", records}, s.proposeDisposal},
		{Rule{get, "/v1/disposals/{id}", records}, s.getDisposal},
		{Rule{post, "/v1/disposals/{id}/approve", records}, s.approveDisposal},
		{Rule{get, "/v1/processing-record", []cases.Role{cases.Admin, cases.RecordsOfficer}}, s.processingRecord},
		{Rule{get, "/v1/me", citizen}, s.me},
		{Rule{get, "/v1/me/obligations", citizen}, s.myObligations},
		{Rule{get, "/v1/me/payments", citizen}, s.myPayments},
		{Rule{get, "/v1/me/payments/{payment_id}/qr.svg", citizen}, s.myPaymentQR},
		{Rule{get, "/v1/me/payments/{payment_id}/qr.png", citizen}, s.myPaymentQR},
		{Rule{get, "/v1/me/documents", citizen}, s.myDocuments},
		{Rule{get, "/v1/me/reads", citizen}, s.myReads},
		{Rule{get, "/v1/me/export", citizen}, s.myExport},
		{Rule{get, "/healthz", nil}, s.healthz},
		{Rule{get, "/readyz", nil}, s.readyz},
		{Rule{get, "/metrics", nil}, s.serveMetrics},
		{Rule{get, "/v1/openapi.json", nil}, s.openAPI},
		{Rule{get, problemsPath + "{name}", nil}, s.problemType},
	}
}

// Rules lists every route of the API and who may use it.
func Rules() []Rule {
	var rules []Rule
	for _, rt := range (&Server{}).routes() {
		rules = append(rules, rt.Rule)
	}
	return rules
}

// Routes returns the HTTP handler of the whole API.
func (s *Server) Routes() http.Handler {
	r := mux.NewRouter()
	for _, rt := range s.routes() {
		h := s.checkInput(rt.Rule, rt.handle)
		switch {
		case slices.Equal(rt.Roles, []cases.Role{Citizen}):
			h = s.allowCitizen(h)
		case rt.Roles != nil:
			h = s.staffOnly(s.allow(h, rt.Roles...))
		}
		r.HandleFunc(rt.Path, h).Methods(rt.Method)
	}
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, Problem{Type: "/problems/not-found", Status: http.StatusNotFound, Detail: "no such endpoint (the API is described at /v1/openapi.json)"})
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, Problem{Type: "/problems/method-not-allowed", Status: http.StatusMethodNotAllowed,
			Detail: "method not allowed on this endpoint (the API is described at /v1/openapi.json)"})
	})
	r.Use(s.observe, s.correlate)
	return r
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	s.metricsHandler.ServeHTTP(w, r)
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "alive"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.db.PingContext(r.Context()); err != nil {
		w.Header().Set("Retry-After", retryAfter)
		writeProblem(w, Problem{Type: "/problems/not-ready", Status: http.StatusServiceUnavailable, Detail: "database unreachable"})
		return
	}
	if s.readDB != nil {
		if err := s.readDB.PingContext(r.Context()); err != nil {
			w.Header().Set("Retry-After", retryAfter)
			writeProblem(w, Problem{Type: "/problems/not-ready", Status: http.StatusServiceUnavailable, Detail: "read replica unreachable"})
			return
		}
	}
	if s.projecting != nil && !s.projecting() {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "projection": "standby"})
		return
	}
	if !s.pipeline.Running() {
		w.Header().Set("Retry-After", retryAfter)
		writeProblem(w, Problem{Type: "/problems/not-ready", Status: http.StatusServiceUnavailable, Detail: "projections are not running"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "projection": "projecting"})
}

// leaderCollector reports whether this instance projects.
type leaderCollector struct{ projecting func() bool }

var projectionLeader = prometheus.NewDesc("lhuta_projection_leader",
	"1 on the instance that holds the projection's lease and runs the projection (and the event feed), 0 on a standby.", nil, nil)

func (c leaderCollector) Describe(ch chan<- *prometheus.Desc) { ch <- projectionLeader }

func (c leaderCollector) Collect(ch chan<- prometheus.Metric) {
	v := 0.0
	if c.projecting() {
		v = 1
	}
	gauge(ch, projectionLeader, v)
}

// describe and gauge are the helpers the service's collectors share.
var (
	describe = collect.Describe
	gauge    = collect.Gauge
)

// metrics are the service's Prometheus metrics (docs/METRICS.md): low
// cardinality, no ids in labels.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	accepted *prometheus.CounterVec
}

func newMetrics(db *sql.DB, pipeline Pipeline, projecting func() bool) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lhuta_http_requests_total", Help: "HTTP requests by route template and numeric status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lhuta_http_request_duration_seconds", Help: "HTTP request duration by route template.",
		}, []string{"route"}),
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lhuta_commands_accepted_total", Help: "Write requests answered 201, by the type of the event they record.",
		}, []string{"type"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.accepted,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildinfo.Collector())
	if db != nil {
		m.registry.MustRegister(collectors.NewDBStatsCollector(db, "lhuta"))
		m.registry.MustRegister(rebuildCollector{db})
	}
	if pipeline != nil {
		m.registry.MustRegister(lagCollector{pipeline, projecting})
	}
	return m
}

// lagCollector reports the projection's place and lag, read once per scrape.
type lagCollector struct {
	pipeline   Pipeline
	projecting func() bool // nil: always
}

var (
	projectionPosition = prometheus.NewDesc("lhuta_projection_position", "Position of the last event folded into the read models.", nil, nil)
	projectionLag      = prometheus.NewDesc("lhuta_projection_lag_events", "Events of the log not folded into the read models yet.", nil, nil)
	projectionLagAge   = prometheus.NewDesc("lhuta_projection_lag_seconds", "Age of the oldest event not folded yet (0 when caught up).", nil, nil)
	projectionFailing  = prometheus.NewDesc("lhuta_projection_failing", "1 while the projection's last page failed and is being retried.", nil, nil)
	projectionUp       = prometheus.NewDesc("lhuta_projection_lag_up", "1 if the lag could be read from the database at this scrape.", nil, nil)
)

func (c lagCollector) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, projectionPosition, projectionLag, projectionLagAge, projectionFailing, projectionUp)
}

func (c lagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l, err := c.pipeline.Lag(ctx)
	up, failing := 1.0, 0.0
	if err != nil {
		up = 0
	}
	if (l.Failing || !c.pipeline.Running()) && (c.projecting == nil || c.projecting()) {
		failing = 1 // a standby's projection is not failing: it waits for the lease
	}
	gauge(ch, projectionUp, up)
	gauge(ch, projectionFailing, failing)
	if err == nil {
		gauge(ch, projectionPosition, float64(l.Position))
		gauge(ch, projectionLag, float64(l.Events))
		gauge(ch, projectionLagAge, l.Seconds)
	}
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
//
// Each request is logged with its request id and the name of the caller's
// token: at DEBUG for the operations endpoints a monitor polls, at WARN for
// a 5xx answer, at INFO otherwise.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		caller := new(Identity)
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), callerKey{}, caller)))
		route := "unknown"
		if cur := mux.CurrentRoute(r); cur != nil {
			route, _ = cur.GetPathTemplate()
		}
		s.metrics.requests.WithLabelValues(route, strconv.Itoa(rec.code)).Inc()
		s.metrics.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
		level := slog.LevelInfo
		switch {
		case rec.code >= 500:
			level = slog.LevelWarn
		case route == "/healthz" || route == "/readyz" || route == "/metrics":
			level = slog.LevelDebug
		}
		s.log.Log(r.Context(), level, "request", "method", r.Method, "route", route, "status", rec.code,
			"ms", time.Since(start).Milliseconds(), "request_id", rec.Header().Get("X-Request-ID"), "caller", caller.Name)
	})
}

// callerKey holds, for observe, the identity that allow finds.
type callerKey struct{}
