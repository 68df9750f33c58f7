package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/lhuta/lhuta/eventstore"
)

// export writes the event log as NDJSON, one event a line, in log order.
func export(ctx context.Context, db *eventstore.DB, file string, out io.Writer) (err error) {
	w := out
	if file != "" && file != "-" {
		f, err := os.OpenFile(file, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	n, err := db.Store().Export(ctx, w)
	if err != nil {
		return err
	}
	if w != out {
		fmt.Fprintf(out, "export: %d events written to %s\n", n, file)
	}
	return nil
}
