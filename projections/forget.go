package projections

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
)

// Reproject folds the cases ids again from their events as the store reads
// them now and replaces their rows in the live generation: after a citizen
// is forgotten (internal/erasure) their personal values read as
// cases.Forgotten, and the read models must say so too. Each case is folded
// up to the version the live generation holds (the pipeline folds the rest),
// so the rows are the ones a rebuild gives: `lhuta rebuild --check` finds no
// difference. formerCitizens are the citizen ids the cases named before,
// whose consent rows go (the consent rows the forgotten events give are
// written again under the forgotten id). Aggregate counts do not move unless
// a public fact changed, which forgetting never does. A case the live
// generation does not hold yet is left to the pipeline.
//
// It holds the rebuild's lock (ErrRebuildRunning while a rebuild runs: a
// rebuild reading the log before the forgetting would bring the values back
// at its switch-over) and the projection's offset row, as the pipeline does.
// An erasure takes the lock first, with HoldRebuild, before it reads any
// value, and Reproject shares that hold.
func (p *Pipeline) Reproject(ctx context.Context, ids []string, formerCitizens []string) error {
	if len(ids) == 0 && len(formerCitizens) == 0 {
		return nil
	}
	release, err := p.HoldRebuild(ctx)
	if err != nil {
		return err
	}
	defer release()
	return eventstore.InTx(ctx, p.db.SQL, func(tx *sql.Tx) error {
		if _, err := lockOffset(ctx, tx, p.db.Dialect); err != nil {
			return err
		}
		// Only into read models of this release's schema (ownGeneration).
		m, err := ownGeneration(ctx, tx)
		if err != nil || m.generation == 0 {
			return err
		}
		// A killed rebuild's half-built generation holds what it folded,
		// values of the citizen among them; no rebuild runs (the lock is
		// held), so a generation past the live one is such a leftover.
		if err := dropGeneration(ctx, tx, m.generation+1); err != nil {
			return err
		}
		pr := projector{dialect: p.db.Dialect, store: p.store, gen: m.generation, money: p.money}
		states, err := pr.states(ctx, tx, ids)
		if err != nil {
			return err
		}
		if err := checkTerms(ctx, tx, p.db.Dialect, m.generation, p.money); err != nil {
			return err
		}
		b := newBatch()
		b.money = p.money
		for _, id := range ids {
			state, ok := states[id]
			if !ok {
				continue
			}
			old, err := cases.RestoreSnapshot(state)
			if err != nil {
				return fmt.Errorf("case %s: read its stored state: %w", id, err)
			}
			all, err := p.store.Load(ctx, id)
			if err != nil {
				return fmt.Errorf("case %s: %w", id, err)
			}
			var events []eventstore.Event
			for _, e := range all {
				if e.Version <= old.Version {
					events = append(events, e)
				}
			}
			if len(events) == 0 {
				continue
			}
			c := &cases.Case{ID: id}
			if err := replay(c, events); err != nil {
				return fmt.Errorf("case %s: %w", id, err)
			}
			statDeltas(old, -1, b.stats)
			if err := b.change(rowsOf(old), c, true); err != nil {
				return err
			}
			b.reminderCases = append(b.reminderCases, c.ID)
			b.reminders = append(b.reminders, reminderRows(c, events[len(events)-1].RecordedAt, p.money.terms())...)
			if err := consentRows(c, events, b.consents); err != nil {
				return err
			}
		}
		for _, citizen := range formerCitizens {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+consentTable.physical(m.generation)+` WHERE citizen_id = $1`, citizen); err != nil {
				return err
			}
		}
		return b.flush(ctx, tx, p.db.Dialect, m.generation)
	})
}

// holds are the rebuild locks pipelines of this process hold (HoldRebuild).
var (
	holdsMu sync.Mutex
	holds   = map[*Pipeline]*rebuildHold{}
)

type rebuildHold struct {
	n       int
	release func()
}

// HoldRebuild takes the lock a rebuild of the database takes (ErrRebuildRunning
// while `lhuta rebuild` or another holder runs) and returns its release. A
// forgetting holds it from before it reads the citizen's values until the
// read models are rewritten: a rebuild that read the log before the key was
// destroyed would otherwise switch over with the plaintext. Holds of the
// same pipeline nest (Reproject within a forgetting shares it); the lock goes
// with the last release.
func (p *Pipeline) HoldRebuild(ctx context.Context) (release func(), err error) {
	holdsMu.Lock()
	defer holdsMu.Unlock()
	h := holds[p]
	if h == nil {
		unlock, err := lockRebuild(ctx, p.db)
		if err != nil {
			return nil, err
		}
		h = &rebuildHold{release: unlock}
		holds[p] = h
	}
	h.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			holdsMu.Lock()
			defer holdsMu.Unlock()
			if h.n--; h.n == 0 {
				delete(holds, p)
				h.release()
			}
		})
	}, nil
}
