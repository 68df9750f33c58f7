package reminders

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"time"

	"github.com/lhuta/lhuta/internal/reminders/listing"
)

// deliverBatch is how many handed-over reminders one round of delivery reads.
const deliverBatch = 50

// deliverLoop delivers what was handed over, at every hand-off and every
// PollInterval, until ctx ends.
func (s *Service) deliverLoop(ctx context.Context) {
	for {
		if err := s.deliverWaiting(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Log.Error("reminders: delivery failed; trying again", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-time.After(s.cfg.PollInterval):
		}
	}
}

// waiting is a handed-over reminder not yet delivered, parked or dropped.
type waiting struct {
	id, office, citizenID, to string
	message                   []byte
	attempts                  int
	nextTry                   sql.NullTime
}

// deliverWaiting sends the handed-over reminders whose time has come. Each
// is sent outside any transaction (the SMTP exchange holds no lock), and
// its mark is written after: a crash in between sends it again, the same
// bytes under the same Message-ID (at least once).
func (s *Service) deliverWaiting(ctx context.Context) error {
	rows, err := s.db.SQL.QueryContext(ctx, `SELECT reminder_id, office, citizen_id, recipient, message, attempts, next_try_at
		FROM reminder_sent WHERE handed_at IS NOT NULL AND delivered_at IS NULL AND parked_at IS NULL AND dropped_at IS NULL
		ORDER BY handed_at LIMIT `+strconv.Itoa(deliverBatch))
	if err != nil {
		return err
	}
	var ws []waiting
	for rows.Next() {
		var w waiting
		if err := rows.Scan(&w.id, &w.office, &w.citizenID, &w.to, &w.message, &w.attempts, &w.nextTry); err != nil {
			_ = rows.Close()
			return err
		}
		ws = append(ws, w)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	now := time.Now()
	for _, w := range ws {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if w.nextTry.Valid && w.nextTry.Time.After(now) {
			continue
		}
		if err := s.deliverOne(ctx, w); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) deliverOne(ctx context.Context, w waiting) error {
	// The consent is checked at delivery too: one withdrawn after the
	// reminder was queued, or given anew for another address, stops it.
	email, err := s.consentOf(ctx, w.office, w.citizenID)
	if err != nil {
		return err
	}
	if email != w.to {
		_, err := s.db.SQL.ExecContext(ctx, `UPDATE reminder_sent SET dropped_at = $1, last_error = $2 WHERE reminder_id = $3`,
			time.Now().UTC(), ConsentGone, w.id)
		s.cfg.Log.Info("reminders: not sent, the consent no longer holds", "reminder", w.id)
		return err
	}
	if err := s.smtp.send(ctx, s.cfg.From, w.to, w.message); err != nil {
		if ctx.Err() != nil {
			// Stopping, not refused: the next holder of the lease sends it.
			return ctx.Err()
		}
		// A mail server's refusal usually names the address; the log and
		// last_error keep no personal value (a forgetting could not reach them).
		err = errors.New(withoutAddresses(err.Error()))
		s.failed.Add(1)
		attempts := w.attempts + 1
		if attempts > s.cfg.Retries {
			s.cfg.Log.Error("reminders: a reminder is parked after its retries", "reminder", w.id, "err", err)
			_, uerr := s.db.SQL.ExecContext(ctx, `UPDATE reminder_sent SET attempts = $1, last_error = $2, parked_at = $3 WHERE reminder_id = $4`,
				attempts, err.Error(), time.Now().UTC(), w.id)
			return uerr
		}
		s.cfg.Log.Warn("reminders: the mail server refused a reminder; it is tried again", "reminder", w.id, "err", err)
		next := time.Now().Add(s.cfg.Backoff << (attempts - 1)).UTC()
		_, uerr := s.db.SQL.ExecContext(ctx, `UPDATE reminder_sent SET attempts = $1, last_error = $2, next_try_at = $3 WHERE reminder_id = $4`,
			attempts, err.Error(), next, w.id)
		return uerr
	}
	s.sent.Add(1)
	_, err = s.db.SQL.ExecContext(context.WithoutCancel(ctx), `UPDATE reminder_sent SET attempts = attempts + 1, delivered_at = $1, last_error = NULL
		WHERE reminder_id = $2`, time.Now().UTC(), w.id)
	return err
}

// ConsentGone is the last error of a reminder dropped at delivery.
const ConsentGone = listing.ConsentGone

// emailLike is anything with an @ between non-blank characters.
var emailLike = regexp.MustCompile(`[^\s<>"'(),;:]+@[^\s<>"'(),;:]+`)

// withoutAddresses is a mail server's message with every e-mail address
// replaced by "[adresa]".
func withoutAddresses(msg string) string {
	return emailLike.ReplaceAllString(msg, "[adresa]")
}
