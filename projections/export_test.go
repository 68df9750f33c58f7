package projections

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
)

// ReadModelQueries returns, for every read-model view, a query of all its
// rows in a stable order (counts that went back to zero left out), for
// tests that compare whole read models.
func ReadModelQueries() []string {
	var qs []string
	for _, t := range tables {
		where := ""
		if t == &statDayTable || t == &statMonthTable {
			where = " WHERE n <> 0"
		}
		qs = append(qs, `SELECT `+strings.Join(t.columnNames(), ", ")+` FROM `+t.name+where+` ORDER BY `+strings.Join(t.key, ", "))
	}
	return qs
}

// ProjectPage folds a page of the log into the live read models, as the
// pipeline does, for tests of redelivery.
func ProjectPage(ctx context.Context, db *eventstore.DB, page []eventstore.Event) error {
	return eventstore.InTx(ctx, db.SQL, func(tx *sql.Tx) error {
		m, err := liveGeneration(ctx, tx)
		if err != nil {
			return err
		}
		return projector{dialect: db.Dialect, store: eventstore.NewSQLStore(db.SQL, db.Dialect), gen: m.generation}.apply(ctx, tx, page)
	})
}

// WriteCases writes the rows of cases built by hand into the live read
// models through the projection's own row code, for tests that hold SQL
// filters against the domain's statuses.
func WriteCases(t testing.TB, db *eventstore.DB, cs ...*cases.Case) {
	t.Helper()
	ctx := context.Background()
	err := eventstore.InTx(ctx, db.SQL, func(tx *sql.Tx) error {
		m, err := liveGeneration(ctx, tx)
		if err != nil {
			return err
		}
		b := newBatch()
		for _, c := range cs {
			if err := b.change(caseRows{}, c, false); err != nil {
				return err
			}
		}
		return b.flush(ctx, tx, db.Dialect, m.generation)
	})
	if err != nil {
		t.Fatal(err)
	}
}
