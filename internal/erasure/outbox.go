package erasure

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// purgeOutbox deletes the citizen's rows of the reminders' outbox
// (watermill_reminders). internal/reminders queues through watermill's
// forwarder, which wraps each message in an envelope under a uuid of its
// own; the envelope (JSON: uuid, payload as base64, metadata) carries the
// reminder's message, whose uuid is the reminder's id and whose payload is
// {"to": e-mail, "message": letter}. So each row is decoded here: it is the
// citizen's when the inner message is one of the cases' reminders
// (reminder_sent), or is addressed to one of the citizen's values; a row
// that is no envelope is matched by its own uuid. watermill-sql never
// deletes a consumed row, so every row is read.
func purgeOutbox(ctx context.Context, tx *sql.Tx, p personal) (int64, error) {
	var reminders []string
	for _, id := range p.cases {
		rows, err := tx.QueryContext(ctx, `SELECT reminder_id FROM reminder_sent WHERE case_id = $1`, id)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				_ = rows.Close()
				return 0, err
			}
			reminders = append(reminders, r)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return 0, err
		}
	}
	if len(reminders) == 0 && len(p.identifying) == 0 {
		return 0, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT "offset", uuid, payload FROM watermill_reminders`)
	if err != nil {
		return 0, err
	}
	var doomed []int64
	for rows.Next() {
		var (
			offset  int64
			uuid    string
			payload []byte
		)
		if err := rows.Scan(&offset, &uuid, &payload); err != nil {
			_ = rows.Close()
			return 0, err
		}
		if outboxRowOf(uuid, payload, reminders, p.identifying) {
			doomed = append(doomed, offset)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, err
	}
	for _, o := range doomed {
		if _, err := tx.ExecContext(ctx, `DELETE FROM watermill_reminders WHERE "offset" = $1`, o); err != nil {
			return 0, fmt.Errorf("delete outbox row %d: %w", o, err)
		}
	}
	return int64(len(doomed)), nil
}

// outboxRowOf reports whether an outbox row is one of the reminders or
// addressed to one of the values.
func outboxRowOf(uuid string, payload []byte, reminders, values []string) bool {
	if slices.Contains(reminders, uuid) {
		return true
	}
	// The forwarder's envelope (watermill components/forwarder).
	var envelope struct {
		UUID    string `json:"uuid"`
		Payload []byte `json:"payload"`
	}
	if err := json.Unmarshal(payload, &envelope); err != nil {
		return false
	}
	if envelope.UUID != "" && slices.Contains(reminders, envelope.UUID) {
		return true
	}
	// The reminder's own payload (internal/reminders' mail).
	var mail struct {
		To string `json:"to"`
	}
	if err := json.Unmarshal(envelope.Payload, &mail); err != nil {
		return false
	}
	return mail.To != "" && slices.Contains(values, mail.To)
}
