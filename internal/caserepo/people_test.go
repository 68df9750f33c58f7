package caserepo_test

import (
	"context"
	"errors"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/migrations"
)

// Cases opened before references existed get theirs at migration 00060, in
// the order they were opened, per office and year; openings after it
// continue the sequence, and the citizens opened for are known by the data
// of their first case.
func TestMigrationGivesEarlierCasesTheirReferences(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.AtVersion(t, backend, 30)
			store := eventstore.NewSQLStore(db.SQL, db.Dialect)
			earlier := []struct{ id, office, opened, citizen, born string }{
				{"a", "Praha 1", "2025-12-30", "c-1", "1980-05-17"},
				{"b", "Brno", "2025-12-31", "c-2", "1970-01-01"},
				{"c", "Praha 1", "2026-01-02", "c-1", "1981-01-01"}, // a conflicting later opening: the first one's data stand
				{"d", "Praha 1", "2025-12-31", "c-3", "1990-01-01"},
			}
			for _, e := range earlier {
				data := `{"situation":"id_card_incident","office":"` + e.office + `","opened_on":"` + e.opened +
					`","citizen":{"id":"` + e.citizen + `","birth_date":"` + e.born + `","full_name":"X"}}`
				if _, err := store.Append(ctx, e.id, 0, eventstore.Metadata{RecordedBy: "alice"}, eventstore.NewEvent{Type: "CaseOpened", Data: []byte(data)}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := store.Append(ctx, "a", 1, eventstore.Metadata{RecordedBy: "alice"}, eventstore.NewEvent{Type: "IncidentReported",
				Data: []byte(`{"kind":"lost","reported_on":"2025-12-30","reported_to":"police"}`)}); err != nil {
				t.Fatal(err)
			}
			if _, err := migrations.Up(ctx, db.SQL, db.Dialect.Name); err != nil {
				t.Fatal(err)
			}
			repo := caserepo.New(store)
			for id, want := range map[string]string{"a": "Praha 1/2025/00001", "d": "Praha 1/2025/00002", "b": "Brno/2025/00001", "c": "Praha 1/2026/00001"} {
				c, err := repo.Load(ctx, id)
				if err != nil || c.Reference != want {
					t.Errorf("case %s: reference %q (%v), want %s", id, c.Reference, err, want)
				}
			}
			if c, _ := repo.Load(ctx, "a"); c.Version != 3 || len(c.Obligations) != 1 {
				t.Errorf("case a after the migration: version %d, %d obligations", c.Version, len(c.Obligations))
			}
			ctx2 := cases.Context{Today: calendar.NewDate(2026, 4, 10), Actor: "alice", Role: cases.Clerk}
			open := func(citizen, born string) (cases.Case, error) {
				rec, err := cases.Open([]byte(`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"`+citizen+`","birth_date":"`+born+`","full_name":"X"}}`), ctx2)
				if err != nil {
					t.Fatal(err)
				}
				e, err := repo.Create(ctx, rec, caserepo.Request{Actor: "alice"})
				if err != nil {
					return cases.Case{}, err
				}
				c, err := repo.Load(ctx, e.StreamID)
				return *c, err
			}
			if c, err := open("c-9", "1999-09-09"); err != nil || c.Reference != "Praha 1/2026/00002" {
				t.Errorf("the next opening of Praha 1 in 2026: %q %v", c.Reference, err)
			}
			var mismatch *cases.MismatchError
			if _, err := open("c-1", "1981-01-01"); !errors.As(err, &mismatch) {
				t.Errorf("c-1 with the later case's birth date: %v, want a mismatch with the first case's", err)
			}
			if _, err := open("c-1", "1980-05-17"); err != nil {
				t.Errorf("c-1 with the first case's birth date: %v", err)
			}
		})
	}
}
