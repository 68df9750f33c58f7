package main

import (
	"context"
	"fmt"
	"io"

	"github.com/lhuta/lhuta/eventstore"
)

// backup writes a consistent copy of the embedded SQLite store to file.
func backup(ctx context.Context, db *eventstore.DB, file string, out io.Writer) error {
	if err := db.Backup(ctx, file); err != nil {
		return err
	}
	fmt.Fprintf(out, "backup: %s written; to restore, stop lhuta and put it in place of %s (without -wal and -shm)\n", file, db.Where)
	return nil
}
