package eventstore

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// exportPage is how many events Export reads at a time.
const exportPage = 5000

// Export writes the log as NDJSON, one Event a line, in log order, and
// returns how many events it wrote: every event appended before it started
// (see Head), and those appended meanwhile that are readable by the end.
func (s *SQLStore) Export(ctx context.Context, w io.Writer) (int64, error) {
	if _, err := s.Head(ctx); err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	enc := json.NewEncoder(w)
	var n int64
	for cursor := Start; ; {
		page, err := s.ReadLog(ctx, cursor, exportPage)
		if err != nil {
			return n, fmt.Errorf("export after %d events: %w", n, err)
		}
		// Head has waited until all it saw is readable, so an empty page
		// is the end.
		if len(page) == 0 {
			return n, nil
		}
		for _, e := range page {
			if err := enc.Encode(e); err != nil {
				return n, fmt.Errorf("export: %w", err)
			}
		}
		n += int64(len(page))
		cursor = page[len(page)-1].Cursor
	}
}
