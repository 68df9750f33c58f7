package main

import (
	"context"
	"fmt"
	"io"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/erasure"
	"github.com/lhuta/lhuta/internal/vault"
)

// verifyForgotten looks for every form of a citizen's personal values in
// the database, the feed's stream and the files given, prints what it
// scanned and what it found, and fails on a trace (lhuta verify-forgotten).
// The values come from the citizen's events while their key exists (a
// check before a forgetting, or of what a forgetting must reach) and from
// --value: after the forgetting lhuta holds none of them. The report names
// values by their number in that list, never the values.
func verifyForgotten(ctx context.Context, c config, db *eventstore.DB, v *vault.Vault, out io.Writer) error {
	var values []string
	if c.citizen != "" {
		values = append(values, c.citizen)
		keyID, err := v.KeyOf(ctx, c.citizen)
		if err != nil {
			return err
		}
		if keyID != "" {
			ids, err := v.KeyCases(ctx, keyID)
			if err != nil {
				return err
			}
			read, err := erasure.Values(ctx, db, ids)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "the citizen's key exists (not forgotten): %d personal values read from the events of %d cases\n", len(read), len(ids))
			for _, r := range read {
				if r != c.citizen {
					values = append(values, r)
				}
			}
		} else {
			fmt.Fprintln(out, "the citizen has no key (forgotten, or never seen): looking for the citizen's id and the values given")
		}
	}
	values = append(values, c.values...)
	needles := erasure.Needles(values)
	fmt.Fprintf(out, "looking for %d values in %d forms (plain, NFC/NFD, lower/upper case, folded, digits, JSON-escaped, base64, hex; forms shorter than 4 bytes are not looked for)\n",
		len(values), len(needles))
	var s erasure.Scan
	if err := s.Database(ctx, db, needles); err != nil {
		return err
	}
	if c.natsURL != "" {
		if err := s.Stream(c.natsURL, c.natsStream, needles); err != nil {
			return err
		}
	}
	for _, f := range c.files {
		if err := s.File(f, needles); err != nil {
			return err
		}
	}
	for _, what := range s.Scanned {
		fmt.Fprintln(out, "scanned:", what)
	}
	if c.natsURL == "" {
		fmt.Fprintln(out, "not scanned: the feed (no LHUTA_NATS_URL)")
	}
	for _, h := range s.Hits {
		fmt.Fprintf(out, "FOUND value %d (%s) in %s\n", h.Value+1, h.Form, h.Where)
	}
	if len(s.Hits) > 0 {
		return fmt.Errorf("verify-forgotten: %d traces found", len(s.Hits))
	}
	fmt.Fprintln(out, "found: 0 traces")
	return nil
}
