package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/projections"
)

// rebuild rebuilds the read models with the offices' terms (LHUTA_OFFICES)
// and the clock (LHUTA_CLOCK) the serving instance has: the reminders' plan
// and the payment rows are made with them (moneyOptions).
func rebuild(ctx context.Context, db *eventstore.DB, check bool, c config, out io.Writer) error {
	opts, err := moneyOptions(c)
	if err != nil {
		return err
	}
	start := time.Now()
	last := time.Time{}
	progress := func(done, total int64) {
		if time.Since(last) < time.Second && done < total {
			return
		}
		last = time.Now()
		elapsed := time.Since(start).Seconds()
		rate := float64(done) / max(elapsed, 1e-3)
		pct, eta := 100.0, "0s"
		if total > 0 {
			pct = 100 * float64(done) / float64(total)
		}
		if rate > 0 && total > done {
			eta = (time.Duration(float64(total-done)/rate) * time.Second).Round(time.Second).String()
		}
		fmt.Fprintf(out, "rebuild: %d of %d events (%.0f%%), %.0f events/s, ETA %s\n", done, total, pct, rate, eta)
	}
	if check {
		diffs, err := projections.Check(ctx, db, progress, opts...)
		if err != nil {
			return fmt.Errorf("check: %w", err)
		}
		if len(diffs) == 0 {
			fmt.Fprintf(out, "check: the rebuilt read models equal the live ones (%s)\n", time.Since(start).Round(time.Millisecond))
			return nil
		}
		for _, d := range diffs {
			fmt.Fprintf(out, "check: %s: %d rows only in the rebuilt table, %d only in the live one\n", d.Table, d.Missing, d.Extra)
		}
		return fmt.Errorf("check: the live read models differ from a rebuild in %d tables; run lhuta rebuild", len(diffs))
	}
	n, err := projections.Rebuild(ctx, db, progress, opts...)
	if err != nil {
		return fmt.Errorf("rebuild stopped after %d events; the live read models are unchanged: %w", n, err)
	}
	elapsed := time.Since(start)
	fmt.Fprintf(out, "rebuild: done, %d events in %s (%.0f events/s); queries now read the new tables\n",
		n, elapsed.Round(time.Millisecond), float64(n)/max(elapsed.Seconds(), 1e-3))
	return nil
}
