package projections

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/projections/views"
)

// projector folds pages of the log into one generation of the read models.
// A page costs what its events change, not what their cases hold: each
// case continues from the state stored with its row (a snapshot), and only
// rows that differ from the ones that state gave are written, in multi-row
// statements. Events a case already holds are skipped, so a page applied
// twice, or an older page after a newer, changes nothing.
type projector struct {
	dialect eventstore.Dialect
	store   eventstore.Store
	gen     int64
	money   *moneyTerms // what payment rows are computed with (paymentrows.go)
}

// apply folds a page of the log (in log order) into the read models in tx.
func (p projector) apply(ctx context.Context, tx *sql.Tx, page []eventstore.Event) error {
	var ids []string
	byCase := map[string][]eventstore.Event{}
	for _, e := range page {
		if _, ok := byCase[e.StreamID]; !ok {
			ids = append(ids, e.StreamID)
		}
		byCase[e.StreamID] = append(byCase[e.StreamID], e)
	}
	states, err := p.states(ctx, tx, ids)
	if err != nil {
		return err
	}
	if err := checkTerms(ctx, tx, p.dialect, p.gen, p.money); err != nil {
		return err
	}
	b := newBatch()
	b.money = p.money
	for _, id := range ids {
		events := byCase[id]
		c, replace, err := p.previous(ctx, id, states[id], events[0].Version)
		if err != nil {
			return err
		}
		if c.Version >= events[len(events)-1].Version {
			continue // already projected
		}
		// What the case gave before is taken away before it moves on, so
		// the case itself is the only copy of its state.
		before := rowsOf(c)
		statDeltas(c, -1, b.stats)
		held := c.Version
		if err := replay(c, events); err != nil {
			return err
		}
		if err := b.change(before, c, replace); err != nil {
			return err
		}
		// The plan is replaced as a whole: it depends on the case's latest event.
		b.reminderCases = append(b.reminderCases, c.ID)
		b.reminders = append(b.reminders, reminderRows(c, events[len(events)-1].RecordedAt, p.money.terms())...)
		fresh := events
		for len(fresh) > 0 && fresh[0].Version <= held {
			fresh = fresh[1:]
		}
		if err := consentRows(c, fresh, b.consents); err != nil {
			return err
		}
	}
	return b.flush(ctx, tx, p.dialect, p.gen)
}

// states reads the stored states of cases.
func (p projector) states(ctx context.Context, tx *sql.Tx, ids []string) (map[string][]byte, error) {
	return byCase(ctx, tx, caseTable.physical(p.gen), "state", ids)
}

// byCase reads a column of the rows of cases in a table, by case id; a case
// without a row is not in the map.
func byCase(ctx context.Context, tx *sql.Tx, table, col string, ids []string) (map[string][]byte, error) {
	vals := make(map[string][]byte, len(ids))
	for chunk := range chunks(ids, 500) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := tx.QueryContext(ctx, `SELECT case_id, `+col+` FROM `+table+
			` WHERE case_id IN (`+placeholders(1, len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var (
				id  string
				val []byte
			)
			if err := rows.Scan(&id, &val); err != nil {
				_ = rows.Close()
				return nil, err
			}
			vals[id] = val
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return vals, nil
}

// previous returns the state a case had before the event of version first
// (an empty case before its first event). replace reports that the rows in
// the tables are not known to be the ones that state gives (no usable
// snapshot), so they are replaced as a whole.
func (p projector) previous(ctx context.Context, id string, state []byte, first int64) (*cases.Case, bool, error) {
	if state != nil {
		c, err := cases.RestoreSnapshot(state)
		if err == nil && c.Version >= first-1 {
			return c, false, nil
		}
		if err != nil && !errors.Is(err, cases.ErrSnapshotFormat) {
			return nil, false, fmt.Errorf("case %s: read its stored state: %w", id, err)
		}
	} else if first == 1 {
		return &cases.Case{ID: id}, false, nil
	}
	// No snapshot to continue from (another format, or rows lost): replay the
	// stream up to the page's first event.
	events, err := p.store.Load(ctx, id)
	if err != nil {
		return nil, false, fmt.Errorf("case %s: %w", id, err)
	}
	c := &cases.Case{ID: id}
	for i, e := range events {
		if e.Version >= first {
			events = events[:i]
			break
		}
	}
	return c, true, replay(c, events)
}

// caseTables are the tables whose rows belong to one case each.
var caseTables = []*table{&obligationTable, &flagTable, &slaTable, &payerTable, &bankRefTable, &retentionTable}

// batch collects the rows a page changes, for one round of multi-row statements.
type batch struct {
	cases    []row
	upserts  map[*table][]row
	deletes  map[*table][]row // keys of rows a case no longer has
	replaced []any            // cases whose rows are all replaced
	stats    *counts
	// payers are the cases whose money changed, whose payment rows are
	// rewritten as payments (paymentrows.go).
	payers   []string
	payments []row
	money    *moneyTerms
	// reminders are the plans of reminderCases, which replace their rows.
	reminders     []row
	reminderCases []any
	// consents are the latest consent rows by office and citizen.
	consents map[[2]string]row
}

func newBatch() *batch {
	return &batch{upserts: map[*table][]row{}, deletes: map[*table][]row{}, stats: newCounts(), consents: map[[2]string]row{}}
}

// change records the rows of a case's next state that differ from the
// rows its previous state gave (before); with replace, all of them.
func (b *batch) change(before caseRows, next *cases.Case, replace bool) error {
	state, err := next.MarshalSnapshot()
	if err != nil {
		return err
	}
	b.cases = append(b.cases, caseRow(next, state))
	if replace {
		b.replaced = append(b.replaced, next.ID)
	}
	after := rowsOf(next)
	statDeltas(next, 1, b.stats)
	b.diff(&obligationTable, before.obligations, after.obligations, replace)
	b.diff(&flagTable, before.flags, after.flags, replace)
	b.diff(&slaTable, before.slas, after.slas, replace)
	b.diff(&payerTable, before.payers, after.payers, replace)
	b.diff(&bankRefTable, before.bankRefs, after.bankRefs, replace)
	b.diff(&retentionTable, before.retention, after.retention, replace)
	if replace || len(before.payers) != len(after.payers) || (len(after.payers) > 0 && !sameRow(before.payers[0], after.payers[0])) {
		b.payers = append(b.payers, next.ID)
		b.payments = append(b.payments, obligationRows(next, b.money)...)
	}
	return nil
}

func caseRow(c *cases.Case, state []byte) row {
	return row{c.ID, string(c.Situation), c.Office, c.Version, c.OpenedOn, date(c.ClosedOn), string(state), c.Citizen.ID,
		c.Reference, c.Assignee, c.Citizen.FullName, views.NameKey(c.Citizen.FullName), c.Citizen.BirthDate, views.BirthNumberDigits(c.Citizen.BirthNumber)}
}

func (b *batch) diff(t *table, before, after []row, replace bool) {
	keys := len(t.key)
	old := make(map[string]row, len(before))
	for _, r := range before {
		old[keyOf(r, keys)] = r
	}
	for _, r := range after {
		k := keyOf(r, keys)
		if o, ok := old[k]; replace || !ok || !sameRow(o, r) {
			b.upserts[t] = append(b.upserts[t], r)
		}
		delete(old, k)
	}
	for _, r := range old {
		b.deletes[t] = append(b.deletes[t], r[:keys])
	}
}

func keyOf(r row, n int) string { return fmt.Sprint(r[:n]...) }

func sameRow(a, b row) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// flush writes the batch in tx.
func (b *batch) flush(ctx context.Context, tx *sql.Tx, d eventstore.Dialect, gen int64) error {
	if len(b.replaced) > 0 {
		for _, t := range caseTables {
			for chunk := range chunks(b.replaced, 500) {
				if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.physical(gen)+` WHERE case_id IN (`+placeholders(1, len(chunk))+`)`, chunk...); err != nil {
					return err
				}
			}
		}
	}
	for _, t := range caseTables {
		for _, key := range b.deletes[t] {
			conds := make([]string, len(t.key))
			for i, k := range t.key {
				conds[i] = fmt.Sprintf("%s = $%d", k, i+1)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.physical(gen)+` WHERE `+strings.Join(conds, " AND "), bindRow(d, key)...); err != nil {
				return err
			}
		}
	}
	if err := insertRows(ctx, tx, d, gen, &caseTable, b.cases, replaceRow); err != nil {
		return err
	}
	for _, t := range caseTables {
		if err := insertRows(ctx, tx, d, gen, t, b.upserts[t], replaceRow); err != nil {
			return err
		}
	}
	if err := rewritePayments(ctx, tx, d, gen, b.payers, b.payments); err != nil {
		return err
	}
	for chunk := range chunks(b.reminderCases, 500) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+reminderTable.physical(gen)+` WHERE case_id IN (`+placeholders(1, len(chunk))+`)`, chunk...); err != nil {
			return err
		}
	}
	if err := insertRows(ctx, tx, d, gen, &reminderTable, b.reminders, replaceRow); err != nil {
		return err
	}
	if err := insertRows(ctx, tx, d, gen, &consentTable, slices.Collect(maps.Values(b.consents)), newerPosition); err != nil {
		return err
	}
	day, month := statRows(b.stats)
	if err := insertRows(ctx, tx, d, gen, &statDayTable, day, addCount); err != nil {
		return err
	}
	return insertRows(ctx, tx, d, gen, &statMonthTable, month, addCount)
}

// statRows turns counts into rows of stat_day and, summed by the month of
// the change, of stat_month.
func statRows(c *counts) (day, month []row) {
	type monthKey struct{ kind, month, changed, situation, status string }
	months := map[monthKey]int64{}
	c.each(func(kind, m, situation, status string, d calendar.Date, n int64) {
		day = append(day, row{kind, d, m, situation, status, n})
		months[monthKey{kind, m, d.String()[:7], situation, status}] += n
	})
	for k, n := range months {
		if n != 0 {
			month = append(month, row{k.kind, k.month, k.changed, k.situation, k.status, n})
		}
	}
	return day, month
}

// rowsPerStatement is how many rows one multi-row statement writes.
const rowsPerStatement = 500

// How insertRows treats a row whose key is taken already.
type onConflict int

const (
	failOnConflict onConflict = iota // new rows only (a bulk load)
	replaceRow                       // the row's values replace the stored ones
	addCount                         // the last column, a count, is added to the stored one
	newerPosition                    // the row replaces the stored one if its last column, a position, is greater
)

// insertRows writes rows in multi-row INSERTs.
func insertRows(ctx context.Context, tx *sql.Tx, d eventstore.Dialect, gen int64, t *table, rows []row, conflict onConflict) error {
	cols := t.columnNames()
	name := t.physical(gen)
	suffix := ""
	if conflict != failOnConflict {
		var set []string
		for _, c := range cols[len(t.key):] {
			if conflict == addCount {
				set = append(set, fmt.Sprintf("%s = %s.%s + excluded.%s", c, name, c, c))
			} else {
				set = append(set, fmt.Sprintf("%s = excluded.%s", c, c))
			}
		}
		suffix = ` ON CONFLICT (` + strings.Join(t.key, ", ") + `) DO UPDATE SET ` + strings.Join(set, ", ")
		if conflict == newerPosition {
			last := cols[len(cols)-1]
			suffix += fmt.Sprintf(" WHERE %s.%s < excluded.%s", name, last, last)
		}
	}
	for chunk := range chunks(rows, rowsPerStatement) {
		args := make([]any, 0, len(chunk)*len(cols))
		for _, r := range chunk {
			args = append(args, bindRow(d, r)...)
		}
		q := `INSERT INTO ` + name + ` (` + strings.Join(cols, ", ") + `) VALUES ` + valuesList(d, len(chunk), len(cols)) + suffix
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("write %s: %w", t.name, err)
		}
	}
	return nil
}

// bindRow turns a row's values into arguments of the dialect: a date is
// a DATE (time.Time) on PostgreSQL and YYYY-MM-DD text on SQLite.
func bindRow(d eventstore.Dialect, r row) []any {
	out := make([]any, len(r))
	for i, v := range r {
		if day, ok := v.(calendar.Date); ok {
			if d.Name == eventstore.Postgres.Name {
				v = day.Time()
			} else {
				v = day.String()
			}
		}
		out[i] = v
	}
	return out
}

// placeholders returns "$from, $from+1, …" for n parameters.
func placeholders(from, n int) string {
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "$%d", from+i)
	}
	return sb.String()
}

// valuesList returns the VALUES of a multi-row statement of rows of n
// columns. SQLite gets anonymous "?" parameters: it looks a numbered one up
// by name, which costs quadratically in a statement of thousands.
func valuesList(d eventstore.Dialect, rows, n int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	var sb strings.Builder
	for i := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		if d.Name == eventstore.Postgres.Name {
			sb.WriteString("(" + placeholders(i*n+1, n) + ")")
		} else {
			sb.WriteString(one)
		}
	}
	return sb.String()
}

// chunks yields s in pieces of at most n.
func chunks[T any](s []T, n int) func(yield func([]T) bool) {
	return func(yield func([]T) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}

// replay folds recorded events of c's stream into c through the one fold,
// cases.Case.Replay: the read side reads the log through the store, so it
// hands the domain the store's events itself.
func replay(c *cases.Case, events []eventstore.Event) error {
	history := make([]cases.Event, len(events))
	for i, e := range events {
		history[i] = cases.Event{Type: cases.EventType(e.Type), Version: e.Version, Data: e.Data}
	}
	return c.Replay(history...)
}
