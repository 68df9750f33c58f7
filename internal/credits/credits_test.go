package credits_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/credits"
	"github.com/lhuta/lhuta/internal/testdb"
)

// The first claim of a credit stands: of ten imports claiming one credit at
// once, with different decisions, one stores it and all read its decision.
// A decision of the fee department is never overwritten.
func TestTheFirstClaimStands(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		ctx := context.Background()
		l := credits.New(db.SQL)
		base := credits.Credit{Office: "nova-ves", BookedOn: calendar.NewDate(2026, 2, 20), AmountCZK: 1200, VariableSymbol: "1541",
			BankReference: "R-1", Statement: "s", Reason: "shared"}
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			stored = map[string]int{}
			mine   int
		)
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := base
				if i%2 == 0 {
					c.Status, c.CaseID = credits.Matched, "case-a"
				} else {
					c.Status = credits.Open
				}
				got, ok, err := l.Claim(ctx, c, time.Now())
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Error(err)
					return
				}
				stored[got.ID+string(got.Status)+got.CaseID]++
				if ok {
					mine++
				}
			}()
		}
		wg.Wait()
		if mine != 1 || len(stored) != 1 {
			t.Fatalf("%d claims stored, %d decisions read: %v", mine, len(stored), stored)
		}

		open, _, err := l.Claim(ctx, credits.Credit{Office: "nova-ves", BookedOn: calendar.NewDate(2026, 2, 21), AmountCZK: 300,
			BankReference: "R-2", Statement: "s", Status: credits.Open, Reason: "no variable symbol"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Assign(ctx, open.ID, "case-b", "alice", time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Assign(ctx, open.ID, "case-c", "bob", time.Now()); !errors.Is(err, credits.ErrDecided) {
			t.Errorf("assigning to another case: %v", err)
		}
		if _, err := l.Return(ctx, open.ID, "omyl", "bob", time.Now()); !errors.Is(err, credits.ErrDecided) {
			t.Errorf("returning an assigned credit: %v", err)
		}
		items, next, err := l.List(ctx, credits.Filter{Office: "nova-ves", Status: credits.Assigned, Limit: 10})
		if err != nil || next != "" || len(items) != 1 || items[0].CaseID != "case-b" || items[0].DecidedBy != "alice" {
			t.Errorf("the assigned credits: %+v %q %v", items, next, err)
		}
		all, _, err := l.List(ctx, credits.Filter{Office: "nova-ves"})
		r1, _ := l.Find(ctx, "nova-ves", "R-1")
		if want := map[credits.Status]int{credits.Matched: 1, credits.Open: 2}[r1.Status]; err != nil || len(all) != want {
			t.Errorf("R-1 is %s; the list holds %d, want %d (a matched credit is on its case, not in the list): %v", r1.Status, len(all), want, err)
		}
		if _, _, err := l.List(ctx, credits.Filter{After: "not-a-cursor"}); !errors.Is(err, credits.ErrBadCursor) {
			t.Errorf("a made-up cursor: %v", err)
		}
	})
}
