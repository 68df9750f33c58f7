package eventstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Head returns the log's head once it includes every event appended before
// the call: the cursor of the last readable event (every event up to it can
// be read, and none before it will appear), after waiting until that
// includes the log's last position at the call. On SQLite, whose single
// writer commits in position order, that is at once; on PostgreSQL a
// transaction open anywhere in the cluster holds the readable log back
// below its transaction id (the xid8 snapshot rule of Dialect), usually for
// a moment.
func (s *SQLStore) Head(ctx context.Context) (Cursor, error) {
	var end int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) FROM events`).Scan(&end); err != nil {
		return Start, fmt.Errorf("head of the log: %w", err)
	}
	for {
		h, err := s.readableHead(ctx)
		if err != nil || end == 0 {
			return h, err
		}
		if ok, err := s.Includes(ctx, h, end); ok || err != nil {
			return h, err
		}
		select {
		case <-ctx.Done():
			return h, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// readableHead is the cursor of the last event whose place in the log order
// is final now, whatever was appended before.
func (s *SQLStore) readableHead(ctx context.Context) (Cursor, error) {
	var c Cursor
	err := s.db.QueryRowContext(ctx, `SELECT position, `+s.dialect.TxNumber("transaction_id_or_zero")+` FROM (
		SELECT position, `+s.dialect.txColumn()+` AS transaction_id_or_zero FROM events WHERE `+s.dialect.Visible+`
		ORDER BY `+descending(s.dialect)+` LIMIT 1) AS last`).Scan(&c.Position, &c.Tx)
	if errors.Is(err, sql.ErrNoRows) {
		return Start, nil
	}
	return c, err
}

func (d Dialect) txColumn() string {
	if d.tx {
		return "transaction_id"
	}
	return "0"
}

func descending(d Dialect) string {
	if d.tx {
		return "transaction_id DESC, position DESC"
	}
	return "position DESC"
}

// StreamPosition is a place in the log read stream by stream: after the
// event of this version of this stream.
type StreamPosition struct {
	StreamID string
	Version  int64
}

// ReadStreams returns up to limit events of the log up to the cursor upTo
// (see Head), ordered by stream and version, after the given stream
// position. Read page by page it hands out every stream whole and in order,
// which is what a bulk rebuild needs: each case folded once, one case in memory.
func (s *SQLStore) ReadStreams(ctx context.Context, upTo Cursor, after StreamPosition, limit int) ([]Event, error) {
	upToCond := `position <= $4`
	args := []any{after.StreamID, after.Version, limit, upTo.Position}
	if s.dialect.tx {
		upToCond = `(transaction_id < ($5)::text::xid8 OR (transaction_id = ($5)::text::xid8 AND position <= $4))`
		args = append(args, txArg(upTo))
	}
	rows, err := s.db.QueryContext(ctx, s.dialect.selectEvents+` WHERE (stream_id, version) > ($1, $2)
		AND `+upToCond+` ORDER BY stream_id, version LIMIT $3`, args...)
	if err != nil {
		return nil, fmt.Errorf("read streams after %v: %w", after, err)
	}
	return s.read(ctx, rows)
}

// ReadLogIn is ReadLog inside the transaction tx, so that a reader that
// locks its place in the log reads the page under the same lock.
func (s *SQLStore) ReadLogIn(ctx context.Context, tx *sql.Tx, after Cursor, limit int) ([]Event, error) {
	rows, err := tx.QueryContext(ctx, s.dialect.readLog, s.dialect.logArgs(after, limit)...)
	if err != nil {
		return nil, fmt.Errorf("read log after %v: %w", after, err)
	}
	return s.read(ctx, rows)
}

// CountAfter returns how many events of the log come after the cursor c.
func (s *SQLStore) CountAfter(ctx context.Context, c Cursor) (int64, error) {
	var n int64
	args := []any{c.Position}
	tx := "0"
	if s.dialect.tx {
		tx, args = "$2", append(args, txArg(c))
	}
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE `+s.dialect.After(tx, "$1"), args...).Scan(&n)
	return n, err
}
