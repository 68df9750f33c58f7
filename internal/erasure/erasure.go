// Package erasure forgets a citizen completely (docs/RETENTION.md): the
// vault destroys the citizen's key and scrubs the events, and this package
// takes the citizen's personal values out of everything else that held
// them — the read models, the citizens table, idempotency records, the
// reminders' outbox and letters, portal accounts and sessions, the audit of
// personal-data reads, bank statement credits — and tells the event feed
// (SubjectForgotten). The scanner (scan.go) is what `lhuta verify-forgotten`
// and the canary test look for traces with.
package erasure

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/feed"
	"github.com/lhuta/lhuta/internal/vault"
	"github.com/lhuta/lhuta/projections"
)

// Eraser forgets citizens of one database.
type Eraser struct {
	DB    *eventstore.DB
	Vault *vault.Vault
	// Pipeline rewrites the read models of the forgotten cases (its money
	// terms must be the service's, as for any projection).
	Pipeline *projections.Pipeline
	// NoCompact leaves the database's files as they are after a forgetting
	// (tests of many forgettings; a caller that compacts once after a batch).
	// By default the files are compacted: SQLite's free pages and WAL, and
	// PostgreSQL's dead row versions, would hold the values otherwise.
	NoCompact bool
	Log       *slog.Logger
}

// Report says what a forgetting did. It names no personal value: only how
// many there were.
type Report struct {
	// KeyID is the destroyed key's id ("" when the citizen had none: never
	// seen, or forgotten before and the erasure finished).
	KeyID string `json:"key_id"`
	// Cases are the ids of the citizen's cases.
	Cases []string `json:"cases"`
	// Values is how many distinct personal values were purged elsewhere.
	Values int `json:"values"`
	// Purged counts the rows changed or deleted per table.
	Purged map[string]int64 `json:"purged"`
	// Resumed says an erasure interrupted after the key was destroyed was
	// finished (its values were purged before the key went).
	Resumed bool `json:"resumed,omitempty"`
}

// Forget forgets the citizen. It holds the rebuild's lock throughout
// (projections.ErrRebuildRunning while a rebuild runs, before anything is
// read) and refuses with ErrRetained unless every case the citizen's key
// seals is disposed of as destroyed, as the events say. The order is what
// makes a retry after a crash safe: (1) the citizen's values are read from the events while the
// key opens them, and the erasure is recorded under the key's id; (2) they
// are purged from every table outside the events; (3) the vault destroys
// the key and scrubs the events in one transaction; (4) the purge is run
// again with the values still in memory (a write between 2 and 3); (5) the
// read models of the cases are folded again from the forgotten events; (6)
// SubjectForgotten is queued for the feed; (7) the files are compacted and
// the erasure is marked done. A crash before 3 leaves the key: a retry
// reads the values again. A crash after 3 leaves only steps without values
// to do, which the retry does from the erasure's record. A citizen with no
// key and no erasure under way is forgotten already: an empty report.
func (e *Eraser) Forget(ctx context.Context, citizenID string) (Report, error) {
	keyID, err := e.Vault.KeyOf(ctx, citizenID)
	if err != nil {
		return Report{}, err
	}
	check := true
	if keyID == "" {
		// An erasure that destroyed the key and did not finish?
		err := e.DB.SQL.QueryRowContext(ctx, `SELECT key_id FROM erasures WHERE subject = $1 AND finished_at IS NULL`,
			e.Vault.Subject(citizenID)).Scan(&keyID)
		if errors.Is(err, sql.ErrNoRows) {
			return Report{Purged: map[string]int64{}}, e.purgeIdentity(ctx, citizenID)
		}
		if err != nil {
			return Report{}, err
		}
		// The key is gone: there is nothing left to keep a case from.
		check = false
	}
	return e.forgetKey(ctx, keyID, e.Vault.Subject(citizenID), []string{citizenID}, check)
}

// ErrRetained is what Forget refuses with while a case the citizen's key
// seals is not disposed of as destroyed (errors.Is; the error is a
// *RetainedError naming the case).
var ErrRetained = errors.New("a case of the citizen is retained")

// RetainedError names the case that keeps a citizen from being forgotten.
type RetainedError struct {
	Case string
	// Why says what the case is: not disposed of, or transferred.
	Why string
}

func (e *RetainedError) Error() string {
	return fmt.Sprintf("the citizen may not be forgotten: case %s %s", e.Case, e.Why)
}

// Unwrap makes errors.Is(err, ErrRetained) hold.
func (e *RetainedError) Unwrap() error { return ErrRetained }

// retained refuses unless every case the key seals is disposed of with the
// disposition destroyed, as the cases' own events say (read models may lag
// behind a fact just recorded).
func (e *Eraser) retained(ctx context.Context, caseIDs []string) error {
	repo := caserepo.New(e.DB.Store())
	for _, id := range caseIDs {
		c, err := repo.Load(ctx, id)
		if err != nil {
			return fmt.Errorf("case %s: %w", id, err)
		}
		switch {
		case c.Disposal == nil:
			return &RetainedError{Case: id, Why: "is not disposed of"}
		case c.Disposal.Disposition != cases.DisposedDestroyed:
			return &RetainedError{Case: id, Why: fmt.Sprintf("was disposed of as %s, not destroyed", c.Disposal.Disposition)}
		}
	}
	return nil
}

// purgeIdentity removes what is keyed by the citizen's id alone (a portal
// account issued, a citizens row) for a citizen without a key.
func (e *Eraser) purgeIdentity(ctx context.Context, citizenID string) error {
	_, err := e.purge(ctx, personal{citizens: []string{citizenID}})
	return err
}

// ForgetKey forgets the citizen whose data key is keyID: what a restored
// backup does for each key the tombstones list (ForgetAgain).
func (e *Eraser) ForgetKey(ctx context.Context, keyID string) (Report, error) {
	return e.forgetKey(ctx, keyID, "", nil, false)
}

// forgetKey forgets the citizen whose key is keyID. citizens are the
// citizen ids the caller knows (Forget's), purged and passed to the read
// models even when the erasure resumes after the key went; check refuses
// (ErrRetained) while a case the key seals is retained: the approval's path
// checks, a restored backup's (ForgetKey, ForgetAgain) does not.
func (e *Eraser) forgetKey(ctx context.Context, keyID, subject string, citizens []string, check bool) (Report, error) {
	r := Report{KeyID: keyID, Purged: map[string]int64{}}
	// A rebuild running now may have read the values already and would
	// switch over with them: hold its lock from before anything is read to
	// the end, and fail before the key goes if a rebuild runs (a retry does it).
	release, err := e.Pipeline.HoldRebuild(ctx)
	if err != nil {
		return r, fmt.Errorf("hold the read models' rebuild: %w", err)
	}
	defer release()
	if r.Cases, err = e.Vault.KeyCases(ctx, keyID); err != nil {
		return r, err
	}
	if check {
		if err := e.retained(ctx, r.Cases); err != nil {
			return r, err
		}
	}
	p, err := gather(ctx, e.DB, r.Cases)
	if err != nil {
		return r, fmt.Errorf("read the citizen's values: %w", err)
	}
	held := len(p.values) > 0
	for _, c := range citizens {
		if c != "" && !slices.Contains(p.citizens, c) {
			p.citizens = append(p.citizens, c)
		}
	}
	r.Resumed = !held
	r.Values = len(p.values)
	if _, err := e.DB.SQL.ExecContext(ctx, `INSERT INTO erasures (key_id, subject, started_at) VALUES ($1, $2, $3)
		ON CONFLICT (key_id) DO NOTHING`, keyID, subject, time.Now().UTC()); err != nil {
		return r, fmt.Errorf("record the erasure: %w", err)
	}
	add := func(m map[string]int64) {
		for k, n := range m {
			r.Purged[k] += n
		}
	}
	if held || len(p.citizens) > 0 {
		// Resumed (the values went with the key), what is kept by the
		// citizen's id and by the cases is purged all the same.
		n, err := e.purge(ctx, p)
		if err != nil {
			return r, err
		}
		add(n)
	}
	if _, err := e.Vault.ForgetKey(ctx, keyID); err != nil {
		return r, err
	}
	if held {
		n, err := e.purge(ctx, p)
		if err != nil {
			return r, err
		}
		add(n)
	}
	if err := e.Pipeline.Reproject(ctx, r.Cases, p.citizens); err != nil {
		return r, fmt.Errorf("rewrite the read models: %w", err)
	}
	if err := feed.AddSubjectForgotten(ctx, e.DB, keyID, r.Cases); err != nil {
		return r, fmt.Errorf("queue SubjectForgotten for the feed: %w", err)
	}
	if !e.NoCompact {
		if err := vault.Compact(ctx, e.DB); err != nil {
			return r, err
		}
	}
	if _, err := e.DB.SQL.ExecContext(ctx, `UPDATE erasures SET subject = '', finished_at = $1 WHERE key_id = $2`,
		time.Now().UTC(), keyID); err != nil {
		return r, fmt.Errorf("record the erasure done: %w", err)
	}
	if e.Log != nil {
		e.Log.Info("a citizen was forgotten", "key_id", keyID, "cases", len(r.Cases), "values", r.Values, "resumed", r.Resumed)
	}
	return r, nil
}

// ForgetAgain forgets, in full, every citizen whose key the tombstones
// list and the database still holds (a backup restored from before a
// forgetting), and returns their reports. The service runs it before it
// serves.
//
// It also finishes every erasure that began and did not finish (the
// process died, or an approval's forgetting failed half-way): a retried
// approval no longer knows the citizen's id once the events read
// `[zapomenuto]`, so the erasure's own record is what finishes it.
func (e *Eraser) ForgetAgain(ctx context.Context) ([]Report, error) {
	keys, err := e.Vault.Buried(ctx)
	if err != nil {
		return nil, err
	}
	subjects := make([]string, len(keys))
	rows, err := e.DB.SQL.QueryContext(ctx, `SELECT key_id, subject FROM erasures WHERE finished_at IS NULL ORDER BY started_at`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k, subject string
		if err := rows.Scan(&k, &subject); err != nil {
			_ = rows.Close()
			return nil, err
		}
		if !slices.Contains(keys, k) {
			keys, subjects = append(keys, k), append(subjects, subject)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	var done []Report
	for i, k := range keys {
		r, err := e.forgetKey(ctx, k, subjects[i], nil, false)
		if err != nil {
			return done, err
		}
		done = append(done, r)
	}
	return done, nil
}

// forgottenValue is what every personal value becomes.
const forgottenValue = cases.Forgotten
