package projections

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/sync/errgroup"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
)

// Progress is told how many events a rebuild has folded, of about how many.
type Progress func(done, total int64)

// ErrRebuildRunning is returned when another rebuild of the same database is running.
var ErrRebuildRunning = errors.New("another rebuild of this database is running")

// Difference is how one read-model table of a check differs from the live one.
type Difference struct {
	Table string `json:"table"`
	// Missing rows are in the rebuilt table but not the live one, Extra
	// rows in the live table but not the rebuilt one.
	Missing, Extra int64
}

// Rebuild builds a new generation of the read models from the events beside
// the live one, which goes on answering queries and taking the live
// projection's writes, then switches the views over to it in one short
// transaction and drops the old generation. It returns how many events it
// folded. A crash or a cancelled context leaves the live generation as it
// was; the next rebuild starts afresh.
func Rebuild(ctx context.Context, db *eventstore.DB, progress Progress, opts ...Option) (int64, error) {
	var n int64
	err := rebuild(ctx, db, progress, newMoneyTerms(opts), func(ctx context.Context, tx *sql.Tx, b *build) error {
		n = b.done
		return switchTo(ctx, tx, db.Dialect, b.live, b.gen)
	})
	return n, err
}

// Check builds a new generation as Rebuild does, then compares it with the
// live read models at the same place in the log, and discards it: no
// differences is the normal result.
func Check(ctx context.Context, db *eventstore.DB, progress Progress, opts ...Option) ([]Difference, error) {
	var diffs []Difference
	err := rebuild(ctx, db, progress, newMoneyTerms(opts), func(ctx context.Context, tx *sql.Tx, b *build) error {
		if b.live == 0 {
			return errors.New("there are no live read models to check against; run lhuta rebuild")
		}
		// Bring the live generation to the same place in the log first,
		// as the live projection would.
		live := projector{dialect: db.Dialect, store: b.store, gen: b.live, money: b.money}
		if _, err := catchUp(ctx, tx, b.store, live, b.liveAt, b.at, nil); err != nil {
			return err
		}
		var err error
		if diffs, err = compare(ctx, tx, b.live, b.gen); err != nil {
			return err
		}
		return errDiscard
	})
	if errors.Is(err, errDiscard) {
		err = nil
	}
	return diffs, err
}

// errDiscard rolls back a check's switch-over transaction.
var errDiscard = errors.New("discard the checked generation")

// build is a rebuild under way.
type build struct {
	store  *eventstore.SQLStore
	live   int64 // the live generation
	gen    int64 // the one being built
	at     eventstore.Cursor
	liveAt eventstore.Cursor
	done   int64
	money  *moneyTerms
}

// rebuildPage is how many events one read of the log returns.
const rebuildPage = 5000

func rebuild(ctx context.Context, db *eventstore.DB, progress Progress, money *moneyTerms,
	finish func(ctx context.Context, tx *sql.Tx, b *build) error) error {
	release, err := lockRebuild(ctx, db)
	if err != nil {
		return err
	}
	defer release()
	// The live generation may be of another schema version (the service
	// before an upgrade): it goes on answering until the switch all the same.
	m, err := liveGeneration(ctx, db.SQL)
	if err != nil {
		return err
	}
	b := &build{store: db.Store(), live: m.generation, gen: m.generation + 1, money: money}
	// A generation of that number can only be left over from a rebuild that
	// did not finish.
	if err := dropGeneration(ctx, db.SQL, b.gen); err != nil {
		return err
	}
	if err := createBareGeneration(ctx, db.SQL, db.Dialect, b.gen); err != nil {
		return err
	}
	keep := false
	defer func() {
		if !keep {
			_ = dropGeneration(context.WithoutCancel(ctx), db.SQL, b.gen)
		}
	}()
	total, err := b.store.CountAfter(ctx, eventstore.Start)
	if err != nil {
		return err
	}
	// Written for the serving process's /metrics (rebuildprogress.go).
	pw := startProgress(ctx, db, b.gen, total)
	defer pw.stop(ctx)
	report := func() {
		pw.report(ctx, b.done, max(total, b.done))
		if progress != nil {
			progress(b.done, max(total, b.done))
		}
	}
	if err := bulkLoad(ctx, db, b, report); err != nil {
		return err
	}
	// Catch up with what was written meanwhile, a page per transaction,
	// then switch over holding the live projection's offset, so that it
	// cannot move between the last page and the switch.
	next := projector{dialect: db.Dialect, store: b.store, gen: b.gen, money: b.money}
	for {
		page, err := b.store.ReadLog(ctx, b.at, rebuildPage)
		if err != nil {
			return err
		}
		if len(page) < rebuildPage/10 {
			break
		}
		if err := eventstore.InTx(ctx, db.SQL, func(tx *sql.Tx) error { return next.apply(ctx, tx, page) }); err != nil {
			return err
		}
		b.at = page[len(page)-1].Cursor
		b.done += int64(len(page))
		report()
	}
	err = eventstore.InTx(ctx, db.SQL, func(tx *sql.Tx) error {
		if b.liveAt, err = lockOffset(ctx, tx, db.Dialect); err != nil {
			return err
		}
		counted := func(n int) { b.done += int64(n) }
		if b.at, err = catchUp(ctx, tx, b.store, next, b.at, eventstore.Cursor{}, counted); err != nil {
			return err
		}
		if err := finish(ctx, tx, b); err != nil {
			return err
		}
		return setOffset(ctx, tx, db.Dialect, b.at)
	})
	if err != nil {
		return err
	}
	keep = true
	report()
	return nil
}

// catchUp folds the log after from into p's generation inside tx, up to
// the cursor to (to the end of what can be read if to is zero), and
// returns the cursor of the last event folded.
func catchUp(ctx context.Context, tx *sql.Tx, store *eventstore.SQLStore, p projector, from, to eventstore.Cursor, counted func(int)) (eventstore.Cursor, error) {
	for {
		page, err := store.ReadLog(ctx, from, rebuildPage)
		if err != nil {
			return from, err
		}
		end := len(page) == 0
		if to != (eventstore.Cursor{}) {
			for i, e := range page {
				inc, err := store.Includes(ctx, to, e.Position)
				if err != nil {
					return from, err
				}
				if !inc {
					page, end = page[:i], true
					break
				}
			}
		}
		if len(page) > 0 {
			if err := p.apply(ctx, tx, page); err != nil {
				return from, err
			}
			from = page[len(page)-1].Cursor
			if counted != nil {
				counted(len(page))
			}
		}
		if end {
			return from, nil
		}
	}
}

// bulkLoad folds the log up to its head stream by stream, each case once,
// and loads the rows into the new generation in bulk: COPY on PostgreSQL,
// multi-row INSERTs on SQLite, in short transactions so that the live
// service goes on writing.
func bulkLoad(ctx context.Context, db *eventstore.DB, b *build, report func()) error {
	head, err := b.store.Head(ctx)
	if err != nil {
		return err
	}
	// On PostgreSQL two goroutines fold and COPY (the database takes the
	// other core's slack); SQLite has one writer, so one is all it can use.
	workers := 1
	if db.Dialect.Name == eventstore.Postgres.Name {
		workers = 2
	}
	g, gctx := errgroup.WithContext(ctx)
	runs := make(chan []eventstore.Event, workers)
	stats := make([]*counts, workers)
	pays := make([]paySum, workers)
	consents := make([]map[[2]string]row, workers)
	for w := range workers {
		stats[w] = newCounts()
		pays[w] = paySum{}
		consents[w] = map[[2]string]row{}
		g.Go(func() error {
			sink := newLoader(gctx, db, b.gen)
			for run := range runs {
				if err := foldCases(run, sink, stats[w], consents[w], b.money, pays[w]); err != nil {
					return errors.Join(err, sink.close())
				}
			}
			return sink.close()
		})
	}
	g.Go(func() error {
		defer close(runs)
		return readCases(gctx, b, head, report, runs)
	})
	if err := g.Wait(); err != nil {
		return err
	}
	for _, c := range stats[1:] {
		c.each(func(kind, month, situation, status string, day calendar.Date, n int64) {
			fact, _ := calendar.ParseDate(month + "-01")
			stats[0].add(kind, fact, situation, status, day, n)
		})
	}
	day, month := statRows(stats[0])
	// In key order, so that a table's rows lie in the order of its primary key.
	sortRows(day)
	sortRows(month)
	for _, p := range pays[1:] {
		pays[0].merge(p)
	}
	payDays := pays[0].rows()
	sortRows(payDays)
	// A citizen's consent is the latest of all their cases at an office.
	latest := consents[0]
	for _, m := range consents[1:] {
		for k, r := range m {
			if old, ok := latest[k]; !ok || old[5].(int64) < r[5].(int64) {
				latest[k] = r
			}
		}
	}
	sink := newLoader(ctx, db, b.gen)
	sink.add(&statDayTable, day...)
	sink.add(&statMonthTable, month...)
	sink.add(&paymentDayTable, payDays...)
	sink.add(&paymentTermsTable, row{b.money.fingerprint()})
	sink.add(&consentTable, slices.Collect(maps.Values(latest))...)
	if err := sink.close(); err != nil {
		return err
	}
	b.at = head
	if err := indexGeneration(ctx, db, b.gen); err != nil {
		return err
	}
	return analyze(ctx, db, b.gen)
}

// readCases reads the log up to head stream by stream and sends it on in
// runs of whole cases.
func readCases(ctx context.Context, b *build, head eventstore.Cursor, report func(), runs chan<- []eventstore.Event) error {
	var (
		after eventstore.StreamPosition
		carry []eventstore.Event // the start of a case the next page goes on with
	)
	for {
		page, err := b.store.ReadStreams(ctx, head, after, rebuildPage)
		if err != nil {
			return err
		}
		last := len(page) < rebuildPage
		run := append(carry, page...)
		carry = nil
		if !last {
			after = eventstore.StreamPosition{StreamID: page[len(page)-1].StreamID, Version: page[len(page)-1].Version}
			cut := len(run)
			for cut > 0 && run[cut-1].StreamID == after.StreamID {
				cut--
			}
			run, carry = run[:cut], slices.Clone(run[cut:])
		}
		if len(run) > 0 {
			select {
			case runs <- run:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		b.done += int64(len(page))
		report()
		if last {
			return nil
		}
	}
}

// foldCases folds a run of whole cases, each once, and hands their rows to the sink.
func foldCases(run []eventstore.Event, sink *loader, stats *counts, consents map[[2]string]row, money *moneyTerms, pays paySum) error {
	for len(run) > 0 {
		n := 1
		for n < len(run) && run[n].StreamID == run[0].StreamID {
			n++
		}
		c := &cases.Case{ID: run[0].StreamID}
		if err := replay(c, run[:n]); err != nil {
			return err
		}
		if err := consentRows(c, run[:n], consents); err != nil {
			return err
		}
		sink.add(&reminderTable, reminderRows(c, run[n-1].RecordedAt, money.terms())...)
		run = run[n:]
		state, err := c.MarshalSnapshot()
		if err != nil {
			return err
		}
		r := rowsOf(c)
		statDeltas(c, 1, stats)
		sink.add(&caseTable, caseRow(c, state))
		sink.add(&obligationTable, r.obligations...)
		sink.add(&flagTable, r.flags...)
		sink.add(&slaTable, r.slas...)
		sink.add(&payerTable, r.payers...)
		sink.add(&bankRefTable, r.bankRefs...)
		sink.add(&retentionTable, r.retention...)
		payments := obligationRows(c, money)
		pays.addRows(payments, 1)
		sink.add(&paymentTable, payments...)
		if err := sink.err(); err != nil {
			return err
		}
	}
	return nil
}

// analyze gives the planner the new tables' statistics before they answer
// queries (PostgreSQL's autovacuum would, but only some time later; SQLite
// never does by itself).
func analyze(ctx context.Context, db *eventstore.DB, gen int64) error {
	for _, t := range tables {
		if _, err := db.SQL.ExecContext(ctx, "ANALYZE "+t.physical(gen)); err != nil {
			return err
		}
	}
	return nil
}

// sortRows sorts rows of the aggregates by their key columns.
func sortRows(rows []row) {
	slices.SortFunc(rows, func(a, b row) int {
		for i := range a {
			if c := compareValues(a[i], b[i]); c != 0 {
				return c
			}
		}
		return 0
	})
}

func compareValues(a, b any) int {
	switch a := a.(type) {
	case string:
		return strings.Compare(a, b.(string))
	case calendar.Date:
		return a.Compare(b.(calendar.Date))
	case int64:
		return cmp.Compare(a, b.(int64))
	}
	return 0
}

// loader writes rows into a generation's tables in bulk, on a goroutine of
// its own, so that folding and writing use two cores.
type loader struct {
	rows    chan loadRows
	done    chan error
	pending map[*table][]row
	failed  error
}

type loadRows struct {
	t    *table
	rows []row
}

// loadChunk is how many rows one COPY or INSERT transaction writes.
const loadChunk = 10000

func newLoader(ctx context.Context, db *eventstore.DB, gen int64) *loader {
	rows := make(chan loadRows, 2)
	l := &loader{rows: rows, done: make(chan error, 1), pending: map[*table][]row{}}
	go func() {
		var err error
		for chunk := range rows {
			if err == nil {
				err = writeRows(ctx, db, gen, chunk.t, chunk.rows)
			}
		}
		l.done <- err
	}()
	return l
}

func (l *loader) add(t *table, rows ...row) {
	l.pending[t] = append(l.pending[t], rows...)
	if len(l.pending[t]) >= loadChunk {
		l.rows <- loadRows{t, l.pending[t]}
		l.pending[t] = nil
	}
}

// err returns the loader's first failure, if it is known already.
func (l *loader) err() error {
	select {
	case err := <-l.done:
		l.failed = err
		if err == nil {
			l.failed = errors.New("the loader stopped")
		}
		close(l.rows)
		l.rows = nil
	default:
	}
	return l.failed
}

// close writes what is pending and waits for the loader to finish.
func (l *loader) close() error {
	if l.rows == nil {
		return l.failed
	}
	for _, t := range tables {
		if len(l.pending[t]) > 0 {
			l.rows <- loadRows{t, l.pending[t]}
		}
	}
	close(l.rows)
	l.rows = nil
	return <-l.done
}

func writeRows(ctx context.Context, db *eventstore.DB, gen int64, t *table, rows []row) error {
	if db.Dialect.Name != eventstore.Postgres.Name {
		return eventstore.InTx(ctx, db.SQL, func(tx *sql.Tx) error { return insertRows(ctx, tx, db.Dialect, gen, t, rows, failOnConflict) })
	}
	_, err := db.CopyFrom(ctx, t.physical(gen), t.columnNames(), len(rows), func(i int) ([]any, error) {
		return bindRow(db.Dialect, rows[i]), nil
	})
	return err
}

// lockRebuild makes sure only one rebuild of a database runs: a
// PostgreSQL advisory lock held by a connection of its own, or on SQLite an
// exclusive lock on a file beside the database. Both go away with the process.
func lockRebuild(ctx context.Context, db *eventstore.DB) (release func(), err error) {
	if db.Dialect.Name == eventstore.Postgres.Name {
		conn, err := db.SQL.Conn(ctx)
		if err != nil {
			return nil, err
		}
		var ok bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext('lhuta rebuild'))`).Scan(&ok); err != nil || !ok {
			_ = conn.Close()
			if err == nil {
				err = ErrRebuildRunning
			}
			return nil, err
		}
		return func() {
			_, _ = conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(hashtext('lhuta rebuild'))`)
			_ = conn.Close()
		}, nil
	}
	f, err := os.OpenFile(db.Where+".rebuild-lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		return nil, ErrRebuildRunning
	}
	return func() { _ = f.Close() }, nil
}

// compare counts, for every table, the rows only one of two generations has.
func compare(ctx context.Context, tx *sql.Tx, live, gen int64) ([]Difference, error) {
	var diffs []Difference
	for _, t := range tables {
		cols := ""
		for i, c := range t.columnNames() {
			if i > 0 {
				cols += ", "
			}
			cols += c
		}
		where := ""
		if t == &statDayTable || t == &statMonthTable || t == &paymentDayTable {
			where = " WHERE n <> 0" // a count that went back to zero is no count
		}
		count := func(a, b int64) (int64, error) {
			var n int64
			err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT `+cols+` FROM `+t.physical(a)+where+
				` EXCEPT SELECT `+cols+` FROM `+t.physical(b)+where+`) AS d`).Scan(&n)
			return n, err
		}
		missing, err := count(gen, live)
		if err != nil {
			return nil, err
		}
		extra, err := count(live, gen)
		if err != nil {
			return nil, err
		}
		if missing != 0 || extra != 0 {
			diffs = append(diffs, Difference{Table: t.name, Missing: missing, Extra: extra})
		}
	}
	return diffs, nil
}
