// Package service assembles lhuta's service from one Config: the write door
// on the store, the projection pipeline and the event feed under the
// projection lease, and the HTTP API with the web console and the citizen's
// portal. New builds it and Run serves until its context ends. `lhuta serve` and the benchmark run the
// service through it, so that what is measured is what is served.
package service

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/domain/retention"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/erasure"
	"github.com/lhuta/lhuta/internal/feed"
	"github.com/lhuta/lhuta/internal/forwarded"
	"github.com/lhuta/lhuta/internal/gdpr"
	"github.com/lhuta/lhuta/internal/lease"
	"github.com/lhuta/lhuta/internal/reminders"
	"github.com/lhuta/lhuta/internal/sso"
	"github.com/lhuta/lhuta/internal/vault"
	"github.com/lhuta/lhuta/portal"
	"github.com/lhuta/lhuta/projections"
	"github.com/lhuta/lhuta/projections/views"
	"github.com/lhuta/lhuta/ui"
)

// Config is everything the service is assembled from. Zero values take the
// defaults of the packages they configure.
type Config struct {
	// DB is the store, migrated, with the read models prepared
	// (migrations.Up, projections.Prepare).
	DB *eventstore.DB
	// Reads is a streaming replica of DB that the queries read (nil: DB);
	// writes and the projection stay on DB.
	Reads *eventstore.DB
	// Addr is the HTTP listen address (":8080"; "127.0.0.1:0" picks a port).
	Addr string
	// Tokens are the bearer tokens the API accepts.
	Tokens handlers.Tokens
	// LoadTokens reads the tokens again when the process gets SIGHUP (nil:
	// the tokens stay as they are).
	LoadTokens func() (handlers.Tokens, error)
	// Today returns the current Europe/Prague date (nil: the system clock's).
	Today func() calendar.Date
	// Offices are the offices' payment terms (nil: money.Builtin).
	Offices *money.Offices
	// LossReportThreshold is after how many working days from discovery a
	// loss report gets a review hint (0: the rulebook's default).
	LossReportThreshold int
	// DBTimeout bounds the database work of one request (0: handlers.DefaultDBTimeout).
	DBTimeout time.Duration
	// KnownOffices are the only offices cases are opened for (nil: any
	// office code, and New warns that so it is).
	KnownOffices []string
	// Retention are the offices' retention rules (nil: none).
	Retention *retention.Rules
	// IdempotencyTTL is how long an Idempotency-Key answers retries with
	// its first answer; after it the key is free and swept away (0:
	// eventstore.DefaultKeyTTL, 7 days).
	IdempotencyTTL time.Duration
	// Feed publishes the log to NATS JetStream (Feed.URL "": no feed).
	Feed feed.Config
	// Reminders configures the e-mail reminders (Reminders.SMTPURL "":
	// planned and listed, not sent); Today, Offices and Log are the service's.
	Reminders reminders.Config
	// SSO signs staff in through the office's identity provider, in the
	// console and with its access tokens on the API (nil: tokens only).
	SSO *sso.Provider
	// PublicURL is where browsers reach lhuta (LHUTA_PUBLIC_URL); the
	// identity provider sends them back under it ("": the request's host).
	PublicURL string
	// TLSCert and TLSKey are PEM files: with them the service speaks HTTPS
	// itself ("": plain HTTP, behind a proxy or on localhost).
	TLSCert, TLSKey string
	// TrustedProxies are the addresses whose X-Forwarded-Proto and
	// X-Forwarded-For are believed (internal/forwarded).
	TrustedProxies []netip.Prefix
	// Portal configures the citizen's portal (/obcan/, docs/PORTAL.md) and
	// its NIA sign-in; its DB and Log are the service's.
	Portal portal.Config
	// Vault seals the personal values and forgets citizens (nil: DB.Sealer
	// when it is a *vault.Vault; without one ForgetCitizen fails).
	Vault *vault.Vault
	// MinPositionWait is how long a query with min_position waits for the
	// read models (0: handlers.DefaultMinPositionWait).
	MinPositionWait time.Duration
	Log             *slog.Logger
}

// shutdownWait bounds how long Run lets the requests under way finish.
const shutdownWait = 10 * time.Second

// Service is lhuta assembled, ready to Run.
type Service struct {
	cfg        Config
	store      *eventstore.SQLStore
	pipeline   *projections.Pipeline
	forwarder  *feed.Forwarder
	reminders  *reminders.Service
	projecting *lease.Lease
	eraser     *erasure.Eraser
	// uncompacted says a forgetting overwrote values since the files were
	// last compacted (FinishForgetting).
	uncompacted atomic.Bool
	api         *handlers.Server
	http        *http.Server
	ln          net.Listener
	// https is whether the service serves HTTPS itself (TLSCert); not read
	// from http.TLSConfig, which Serve sets up for HTTP/2 either way.
	https bool
}

// New assembles the service; nothing runs until Run. It fails on reminder
// or NIA settings that do not hold (reminders.New, portal.New).
func New(cfg Config) (*Service, error) {
	if cfg.Reads == nil {
		cfg.Reads = cfg.DB
	}
	if cfg.Today == nil {
		cfg.Today = func() calendar.Date { return calendar.Today(time.Now()) }
	}
	if cfg.Offices == nil {
		cfg.Offices = money.Builtin()
	}
	if cfg.KnownOffices == nil && cfg.Log != nil {
		cfg.Log.Warn("LHUTA_OFFICES is not set: cases are opened for any office code (set it in production, so that no office is created by a typo)")
	}
	if cfg.IdempotencyTTL <= 0 {
		cfg.IdempotencyTTL = eventstore.DefaultKeyTTL
	}
	// The payment rows are computed with the same terms and clock as the
	// queries and the reminders use (projections.UsingOffices, UsingToday).
	s := &Service{cfg: cfg, pipeline: projections.New(cfg.DB, cfg.Log,
		projections.UsingOffices(cfg.Offices), projections.UsingToday(cfg.Today))}
	s.store = cfg.DB.Store().WithKeyTTL(cfg.IdempotencyTTL, nil)
	var readDB *sql.DB
	if cfg.Reads != cfg.DB {
		s.pipeline.ReadFrom(cfg.Reads)
		readDB = cfg.Reads.SQL
	}
	var collectors []prometheus.Collector
	if cfg.Feed.URL != "" {
		s.forwarder = feed.New(cfg.DB, cfg.Feed, cfg.Log)
		collectors = append(collectors, s.forwarder.Collector())
	}
	// The e-mail reminders (docs/LAW.md §5.4): one instance sends, under a
	// lease of their own.
	rc := cfg.Reminders
	rc.Today, rc.Offices, rc.Log = cfg.Today, cfg.Offices, cfg.Log
	var err error
	if s.reminders, err = reminders.New(rc, cfg.DB); err != nil {
		return nil, err
	}
	collectors = append(collectors, s.reminders.Collector())
	// Forgetting a citizen (internal/erasure) folds their cases again with
	// the pipeline's terms.
	if cfg.Vault == nil {
		cfg.Vault, _ = cfg.DB.Sealer.(*vault.Vault)
	}
	if cfg.Vault != nil {
		// Compacted once per approval (FinishForgetting), not per citizen.
		s.eraser = &erasure.Eraser{DB: cfg.DB, Vault: cfg.Vault, Pipeline: s.pipeline, Log: cfg.Log, NoCompact: true}
	}
	// One instance of all those on the database projects (and feeds): the
	// one holding the lease; the others stand by and take over when it dies.
	s.projecting = lease.New(cfg.DB, "projections", cfg.Log)
	// The citizen's portal (/obcan/, docs/PORTAL.md): its sessions reach /v1/me*.
	pc := cfg.Portal
	pc.DB, pc.Log = cfg.DB.SQL, cfg.Log
	citizens, err := portal.New(pc)
	if err != nil {
		return nil, err
	}
	s.api = handlers.New(handlers.Config{
		Portal:          citizens,
		MinPositionWait: cfg.MinPositionWait,
		// The write side starts a case from the state the projection stored
		// (on the primary) and reads only the events after it.
		Repo:         caserepo.New(s.store).WithSnapshots(views.NewReader(cfg.DB.SQL)),
		Reader:       views.NewReader(cfg.Reads.SQL).WithOffices(cfg.Offices),
		Offices:      cfg.Offices,
		Reminders:    s.reminders,
		Projecting:   s.projecting.Held,
		Collectors:   collectors,
		ReadDB:       readDB,
		Pipeline:     s.pipeline,
		AccessTokens: accessTokens(cfg.SSO),
		DB:           cfg.DB.SQL,
		Tokens:       cfg.Tokens,
		Today:        cfg.Today,
		Log:          cfg.Log,

		LossReportThreshold: cfg.LossReportThreshold,
		DBTimeout:           cfg.DBTimeout,
		KnownOffices:        cfg.KnownOffices,
		Retention:           cfg.Retention,
		ForgetCitizen:       s.forgetCitizen(),
		FinishForgetting:    s.finishForgetting(),
		IdempotencyTTL:      cfg.IdempotencyTTL,
		Processing: gdpr.Setup{Offices: gdpr.OfficesOf(cfg.Offices), SMTP: cfg.Reminders.SMTPURL != "", Feed: cfg.Feed.URL != "",
			FeedPersonal: cfg.Feed.PersonalData, NIA: cfg.Portal.NIA.MetadataURL != "", TLS: cfg.TLSCert != ""},
	})
	// The web console (/ui/, docs/CONSOLE.md) calls the API in-process.
	console := ui.Config{Identify: s.api.Identify, Today: cfg.Today, Log: cfg.Log, Offices: cfg.Offices,
		SSO: cfg.SSO, PublicURL: cfg.PublicURL}
	api := s.api.Routes()
	s.http = handlers.HTTPServer(cfg.Addr, forwarded.Handler(cfg.TrustedProxies, citizens.Mount(ui.Mount(api, console), api)), handlers.DefaultTimeouts)
	if cfg.TLSCert != "" || cfg.TLSKey != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert and --tls-key (LHUTA_TLS_CERT, LHUTA_TLS_KEY) need both a PEM certificate and its key: %w", err)
		}
		s.http.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.https = true
	}
	return s, nil
}

// ForgetCitizen forgets a citizen completely (internal/erasure,
// docs/RETENTION.md): what the disposal's approval calls
// (handlers.Config.ForgetCitizen). Retried after a failure, it finishes
// what the failed call began. It runs to its end even when the request
// that asked for it is cancelled or runs out of time: a forgetting stopped
// half-way is only finished by a later one.
func (s *Service) ForgetCitizen(ctx context.Context, citizenID string) error {
	_, err := s.Forget(ctx, citizenID)
	return err
}

// Forget is ForgetCitizen with the erasure's report. The database's files
// are compacted by FinishForgetting, once for all an approval forgets.
func (s *Service) Forget(ctx context.Context, citizenID string) (erasure.Report, error) {
	if s.eraser == nil {
		return erasure.Report{}, errors.New("forget: the service has no vault (no KEK)")
	}
	r, err := s.eraser.Forget(context.WithoutCancel(ctx), citizenID)
	if errors.Is(err, erasure.ErrRetained) {
		err = fmt.Errorf("%w: %w", handlers.ErrRetained, err)
	}
	if r.KeyID != "" {
		s.uncompacted.Store(true)
	}
	s.pipeline.Nudge()
	return r, err
}

// FinishForgetting finishes every forgetting that began and did not
// finish, then, when anything was forgotten since the last time, compacts
// the database's files (SQLite VACUUM, PostgreSQL VACUUM FULL events) so
// that the overwritten values are gone from them too. Like Forget it runs
// to its end whatever becomes of the request.
func (s *Service) FinishForgetting(ctx context.Context) error {
	if s.eraser == nil {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	done, err := s.eraser.ForgetAgain(ctx)
	if err != nil {
		return err
	}
	if len(done) > 0 {
		s.uncompacted.Store(true)
		s.pipeline.Nudge()
	}
	if !s.uncompacted.Swap(false) {
		return nil
	}
	if err := vault.Compact(ctx, s.cfg.DB); err != nil {
		s.uncompacted.Store(true)
		return err
	}
	return nil
}

// accessTokens is the provider as the API's verifier of access tokens, or
// none (a nil *sso.Provider in the interface would not be nil).
func accessTokens(p *sso.Provider) handlers.AccessTokens {
	if p == nil {
		return nil
	}
	return p
}

// Listen binds the listen address and returns it; Run does it when it was
// not called. A caller that listens on port 0 learns the port here.
func (s *Service) Listen() (net.Addr, error) {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	return ln.Addr(), nil
}

// Run serves until ctx ends or the HTTP server or the projection fails.
// Then it stops accepting and finishes the requests under way, and only
// then stops the projection after its current page (a request may be
// waiting for it with min_position).
func (s *Service) Run(ctx context.Context) error {
	if s.ln == nil {
		if _, err := s.Listen(); err != nil {
			return err
		}
	}
	log := s.cfg.Log
	pipeCtx, stopPipeline := context.WithCancel(context.WithoutCancel(ctx))
	defer stopPipeline()
	pipeErr := make(chan error, 1)
	go func() { pipeErr <- s.projecting.Run(pipeCtx, s.project) }()
	remDone := make(chan struct{})
	go func() { defer close(remDone); _ = s.reminders.Run(pipeCtx) }()
	defer func() { stopPipeline(); <-remDone }()
	httpErr := make(chan error, 1)
	go func() {
		if s.https {
			httpErr <- s.http.ServeTLS(s.ln, "", "")
			return
		}
		httpErr <- s.http.Serve(s.ln)
	}()
	if s.cfg.LoadTokens != nil {
		reload := make(chan os.Signal, 1)
		signal.Notify(reload, syscall.SIGHUP)
		defer signal.Stop(reload)
		go s.reloadTokens(pipeCtx, reload)
	}
	log.Info("lhuta is listening", "addr", s.ln.Addr().String(), "https", s.https, "today", s.cfg.Today().String())

	var err error
	pipelineDone := false
	select {
	case err = <-httpErr:
	case err = <-pipeErr:
		pipelineDone = true
		if err == nil {
			err = errors.New("projection pipeline stopped")
		}
	case <-ctx.Done():
		log.Info("stopping: finishing the requests under way")
	}
	shutdown, cancel := context.WithTimeout(context.Background(), shutdownWait)
	defer cancel()
	if serr := s.http.Shutdown(shutdown); serr != nil && err == nil {
		err = fmt.Errorf("shut the HTTP server down: %w", serr)
	}
	stopPipeline()
	if !pipelineDone {
		if perr := <-pipeErr; perr != nil && err == nil {
			err = perr
		}
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err != nil {
		return err
	}
	log.Info("lhuta stopped")
	return nil
}

// project is the work of the lease's holder: the projection, and the feed
// when there is one.
func (s *Service) project(ctx context.Context) {
	var wg sync.WaitGroup
	if s.forwarder != nil {
		wg.Go(func() { _ = s.forwarder.Run(ctx) })
	}
	wg.Go(func() { s.sweepKeys(ctx) })
	if err := s.pipeline.Run(ctx); err != nil {
		s.cfg.Log.Error("projection stopped", "err", err)
	}
	wg.Wait()
}

// keySweep is how often the lease's holder removes expired idempotency keys.
const keySweep = time.Hour

// sweepKeys removes the expired idempotency keys now and every keySweep
// until ctx ends. An expired key is free whether swept or not
// (eventstore.SQLStore.WithKeyTTL): the sweep only keeps the table small.
func (s *Service) sweepKeys(ctx context.Context) {
	for {
		if n, err := s.store.ExpireKeys(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Log.Warn("expired idempotency keys were not removed; retrying later", "err", err)
		} else if n > 0 {
			s.cfg.Log.Info("expired idempotency keys removed", "keys", n, "older_than", s.cfg.IdempotencyTTL.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(keySweep):
		}
	}
}

// reloadTokens replaces the tokens at every signal on reload until ctx ends;
// tokens that do not load leave the old ones in place.
func (s *Service) reloadTokens(ctx context.Context, reload <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-reload:
		}
		t, err := s.cfg.LoadTokens()
		if err != nil {
			s.cfg.Log.Error("SIGHUP: the tokens were not reloaded; the old ones stay", "err", err)
			continue
		}
		s.api.SetTokens(t)
		s.cfg.Log.Info("SIGHUP: tokens reloaded", "count", t.Len())
	}
}

// forgetCitizen is how an approved disposal forgets a citizen: completely
// (ForgetCitizen); nil where the database has no vault.
func (s *Service) forgetCitizen() func(ctx context.Context, citizenID string) error {
	if s.eraser == nil {
		return nil
	}
	return s.ForgetCitizen
}

// finishForgetting is FinishForgetting, nil where the database has no vault.
func (s *Service) finishForgetting() func(ctx context.Context) error {
	if s.eraser == nil {
		return nil
	}
	return s.FinishForgetting
}
