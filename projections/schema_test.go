package projections_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/projections"
)

// A rebuild loads bare tables and adds their keys and indexes at the end;
// the generation it leaves must have exactly the keys and indexes of one
// created whole (projections.Prepare), on both backends.
func TestARebuiltGenerationHasTheKeysAndIndexesOfACreatedOne(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		if err := projections.Prepare(ctx, db); err != nil {
			t.Fatal(err)
		}
		created := generationIndexes(t, db)
		if len(created) < 20 {
			t.Fatalf("only %d keys and indexes in a created generation: %v", len(created), created)
		}
		if _, err := projections.Rebuild(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		if rebuilt := generationIndexes(t, db); !slices.Equal(rebuilt, created) {
			t.Fatalf("a rebuilt generation's keys and indexes\n%v\ndiffer from a created one's\n%v", rebuilt, created)
		}
	})
}

// generationIndexes lists the live generation's keys and indexes, with the
// generation's number taken out of their names and definitions.
func generationIndexes(t *testing.T, db *eventstore.DB) []string {
	t.Helper()
	var gen int64
	if err := db.SQL.QueryRow(`SELECT generation FROM read_model_generation`).Scan(&gen); err != nil {
		t.Fatal(err)
	}
	q := `SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE tablename LIKE $1`
	if db.Dialect.Name != eventstore.Postgres.Name {
		q = `SELECT name || ': ' || COALESCE(sql, 'key') FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE $1`
	}
	rows, err := db.SQL.Query(q, fmt.Sprintf("%%_g%d", gen))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.ReplaceAll(s, fmt.Sprintf("_g%d", gen), "_g*"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
