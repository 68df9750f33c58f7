package erasure

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/vault"
	"github.com/lhuta/lhuta/projections/views"
)

// personal is what a forgetting purges: the citizen's ids, their cases and
// every personal value the events held.
type personal struct {
	citizens []string
	cases    []string
	// values are every personal value, the citizen's id included.
	values []string
	// identifying are the values that name the citizen (id, name, birth
	// number, e-mail, variable symbol), not free text nor dates; symbols
	// the variable symbols among them.
	identifying, symbols []string
}

// identifyingFields are the last parts of the personal paths whose values
// name the citizen: looked for in rows that are not the citizen's own.
var identifyingFields = map[string]bool{"id": true, "citizen_id": true, "full_name": true, "birth_number": true,
	"email": true, "variable_symbol": true}

// Values returns the distinct personal values the events of the cases hold
// as the store reads them now (plaintext while the citizen's key exists,
// none after): every value the event contract marks personal
// (cases.PersonalPaths), as text. `lhuta verify-forgotten` looks for them.
func Values(ctx context.Context, db *eventstore.DB, caseIDs []string) ([]string, error) {
	p, err := gather(ctx, db, caseIDs)
	return p.values, err
}

// gather reads the cases' events through the store (the vault opens them)
// and collects the citizen ids and personal values they hold.
func gather(ctx context.Context, db *eventstore.DB, caseIDs []string) (personal, error) {
	p := personal{cases: caseIDs}
	store := db.Store()
	seen := map[string]bool{}
	add := func(v string, path string) {
		v = strings.TrimSpace(v)
		if v == "" || v == forgottenValue {
			return
		}
		field := path[strings.LastIndex(path, ".")+1:]
		if (path == "citizen.id" || path == "citizen_id") && !slices.Contains(p.citizens, v) {
			p.citizens = append(p.citizens, v)
		}
		if identifyingFields[field] && !slices.Contains(p.identifying, v) {
			p.identifying = append(p.identifying, v)
		}
		if field == "variable_symbol" && !slices.Contains(p.symbols, v) {
			p.symbols = append(p.symbols, v)
		}
		if !seen[v] {
			seen[v] = true
			p.values = append(p.values, v)
		}
	}
	for _, id := range caseIDs {
		events, err := store.Load(ctx, id)
		if err != nil {
			return p, fmt.Errorf("case %s: %w", id, err)
		}
		for _, e := range events {
			paths := cases.PersonalPaths(cases.EventType(e.Type))
			if len(paths) == 0 {
				continue
			}
			dec := json.NewDecoder(strings.NewReader(string(e.Data)))
			dec.UseNumber()
			var doc map[string]any
			if err := dec.Decode(&doc); err != nil {
				return p, fmt.Errorf("event %d: %w", e.Position, err)
			}
			for _, path := range paths {
				val, ok := vault.Lookup(doc, path)
				if !ok {
					continue
				}
				switch x := val.(type) {
				case string:
					add(x, path)
				case json.Number:
					add(x.String(), path)
				case nil, bool:
				default:
					b, _ := json.Marshal(x)
					add(string(b), path)
				}
			}
		}
	}
	return p, nil
}

// purge takes the values out of every table outside the events and the
// read models, in one transaction, and returns how many rows each table
// lost or had rewritten.
func (e *Eraser) purge(ctx context.Context, p personal) (map[string]int64, error) {
	counts := map[string]int64{}
	count := func(table string, res sql.Result, err error) error {
		if err != nil {
			return fmt.Errorf("purge %s: %w", table, err)
		}
		n, _ := res.RowsAffected()
		counts[table] += n
		return nil
	}
	err := eventstore.InTx(ctx, e.DB.SQL, func(tx *sql.Tx) error {
		// Any column that holds one of the values in full or in part (a
		// clerk's reason for a credit, a request id, an audit route); first,
		// while the credits still carry the citizen's variable symbols.
		for _, t := range textColumns {
			n, err := replaceValues(ctx, tx, t, p)
			if err != nil {
				return fmt.Errorf("purge %s: %w", t.table, err)
			}
			counts[t.table] += n
		}
		// The reminders' outbox: the letters not delivered yet are never
		// sent, those delivered are gone from it.
		n, err := purgeOutbox(ctx, tx, p)
		if err != nil {
			return fmt.Errorf("purge watermill_reminders: %w", err)
		}
		counts["watermill_reminders"] += n
		for _, c := range p.citizens {
			// Kept by the citizen's id: deleted, nothing of them stays useful.
			for _, t := range []string{"citizens", "portal_sessions", "portal_accounts", "portal_activation_codes", "portal_nia_links"} {
				res, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE citizen_id = $1`, c)
				if err := count(t, res, err); err != nil {
					return err
				}
			}
		}
		for _, id := range p.cases {
			// Idempotency records of the cases: a retry after the forgetting
			// is a new request, which the vault refuses for a forgotten case.
			res, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE stream_id = $1`, id)
			if err := count("idempotency_keys", res, err); err != nil {
				return err
			}
			// What was sent stays recorded (never twice), without to whom or what.
			res, err = tx.ExecContext(ctx, `UPDATE reminder_sent SET citizen_id = $1, recipient = NULL, message = NULL, last_error = NULL,
				dropped_at = CASE WHEN delivered_at IS NULL AND dropped_at IS NULL THEN queued_at ELSE dropped_at END WHERE case_id = $2`, forgottenValue, id)
			if err := count("reminder_sent", res, err); err != nil {
				return err
			}
			// Bank credits booked to the cases: the debtor's name and account
			// and the message go; amount, date and reference stay (accounts).
			res, err = tx.ExecContext(ctx, `UPDATE statement_credits SET counter_party = $1, message = $1 WHERE case_id = $2`, forgottenValue, id)
			if err := count("statement_credits", res, err); err != nil {
				return err
			}
		}
		// Credits not booked to a case that carry the citizen's variable
		// symbol (unmatched, returned): the same.
		for _, v := range p.identifying {
			res, err := tx.ExecContext(ctx, `UPDATE statement_credits SET counter_party = $1, message = $1, variable_symbol = $1
				WHERE variable_symbol = $2`, forgottenValue, v)
			if err := count("statement_credits", res, err); err != nil {
				return err
			}
		}
		return nil
	})
	return counts, err
}

// scrubbed names a table's text columns that may hold a personal value in
// free text, and its key.
type scrubbed struct {
	table, key string
	columns    []string
	// byCase restricts the rows to the citizen's cases (case_id or stream_id).
	byCase string
	// tied: the table's rows are the citizen's own when their case_id is
	// one of the cases or their variable_symbol one of the citizen's; the
	// others (another citizen's credits) are looked at for the identifying
	// values only, as written (NFC, NFD, digits) or folded, never for free
	// text nor encodings, which would match what is not the citizen's.
	tied bool
}

var textColumns = []scrubbed{
	{table: "statement_credits", key: "id", columns: []string{"reason", "return_reason", "message", "counter_party"}, tied: true},
	{table: "personal_data_reads", key: "id", columns: []string{"route", "request_id", "actor"}, byCase: "case_id"},
	{table: "events", key: "position", columns: []string{"correlation_id", "recorded_by"}, byCase: "stream_id"},
	{table: "reminder_sent", key: "reminder_id", columns: []string{"last_error"}, byCase: "case_id"},
}

// replaceValues sets to cases.Forgotten every column of t that contains
// one of the values (in any form the scanner knows).
func replaceValues(ctx context.Context, tx *sql.Tx, t scrubbed, p personal) (int64, error) {
	needles := textNeedles(p.values)
	if len(needles) == 0 {
		return 0, nil
	}
	var plain []Needle
	var folded []string
	for _, n := range Needles(p.identifying) {
		switch n.Form {
		case "plain", "nfd", "digits":
			plain = append(plain, n)
		case "folded":
			folded = append(folded, string(n.Bytes))
		}
	}
	extra := 0
	selected := t.key
	if t.tied {
		selected += `, COALESCE(case_id, ''), COALESCE(variable_symbol, '')`
		extra = 2
	}
	query := `SELECT ` + selected + `, ` + strings.Join(coalesced(t.columns), ", ") + ` FROM ` + t.table
	var args []any
	if t.byCase != "" {
		if len(p.cases) == 0 {
			return 0, nil
		}
		marks := make([]string, len(p.cases))
		for i, id := range p.cases {
			marks[i] = fmt.Sprintf("$%d", i+1)
			args = append(args, id)
		}
		query += ` WHERE ` + t.byCase + ` IN (` + strings.Join(marks, ", ") + `)`
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	type change struct {
		key    any
		column string
	}
	var changes []change
	for rows.Next() {
		vals := make([]any, len(t.columns)+1+extra)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			_ = rows.Close()
			return 0, err
		}
		own := !t.tied || slices.Contains(p.cases, asText(vals[1])) || slices.Contains(p.symbols, asText(vals[2]))
		for i, c := range t.columns {
			s := asText(vals[i+1+extra])
			if s == forgottenValue {
				continue
			}
			if own && containsAny(s, needles) || !own && (containsAny(s, plain) || containsFolded(s, folded)) {
				changes = append(changes, change{vals[0], c})
			}
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, err
	}
	for _, c := range changes {
		if _, err := tx.ExecContext(ctx, `UPDATE `+t.table+` SET `+c.column+` = $1 WHERE `+t.key+` = $2`, forgottenValue, c.key); err != nil {
			return 0, err
		}
	}
	return int64(len(changes)), nil
}

// containsFolded reports whether s, folded as the case search folds names,
// holds one of the folded values.
func containsFolded(s string, folded []string) bool {
	if len(folded) == 0 {
		return false
	}
	f := views.NameKey(s)
	for _, v := range folded {
		if strings.Contains(f, v) {
			return true
		}
	}
	return false
}

func coalesced(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = `COALESCE(` + c + `, '')`
	}
	return out
}

func asText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

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
