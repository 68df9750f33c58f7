package erasure

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"golang.org/x/text/unicode/norm"

	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/projections/views"
)

// minNeedle is the shortest form looked for: shorter ones match by chance.
const minNeedle = 4

// Needle is one form of one personal value, as bytes to look for.
type Needle struct {
	// Value is the value's index in the list given to Needles (a report
	// names no value).
	Value int
	// Form says how the value is written: plain, nfd, lower, upper, folded
	// (as the case search folds names), digits (a birth number without its
	// slash), json (\u escapes), base64, base64url, hex, HEX.
	Form  string
	Bytes []byte
}

// Needles derives every form of the values a trace may take: the value
// in NFC and NFD, lower and upper case, folded for search, its digits,
// JSON-escaped, base64 (at each of the three alignments inside a longer
// encoding), base64 of that base64 (an encoded payload inside an encoded
// envelope) and hex.
func Needles(values []string) []Needle {
	var out []Needle
	for i, v := range values {
		seen := map[string]bool{}
		add := func(form, s string) {
			if len(s) < minNeedle || seen[s] {
				return
			}
			seen[s] = true
			out = append(out, Needle{Value: i, Form: form, Bytes: []byte(s)})
		}
		nfc, nfd := norm.NFC.String(v), norm.NFD.String(v)
		for _, base := range []struct{ form, s string }{{"plain", nfc}, {"nfd", nfd}} {
			add(base.form, base.s)
			add(base.form+"+lower", strings.ToLower(base.s))
			add(base.form+"+upper", strings.ToUpper(base.s))
			add(base.form+"+json", jsonEscaped(base.s, "%04x"))
			add(base.form+"+JSON", jsonEscaped(base.s, "%04X"))
			for _, b64 := range base64Forms(base.s) {
				add(base.form+"+base64", b64)
				add(base.form+"+base64url", strings.NewReplacer("+", "-", "/", "_").Replace(b64))
				// Twice: a letter inside a base64 payload inside a base64
				// envelope (the reminders' outbox: watermill's forwarder).
				for _, b64b64 := range base64Forms(b64) {
					add(base.form+"+base64+base64", b64b64)
				}
			}
			add(base.form+"+hex", hex.EncodeToString([]byte(base.s)))
			add(base.form+"+HEX", strings.ToUpper(hex.EncodeToString([]byte(base.s))))
		}
		add("folded", views.NameKey(v))
		if d := strings.NewReplacer("/", "", " ", "", "-", "").Replace(v); d != v && len(d) >= 6 {
			add("digits", d)
		}
	}
	return out
}

// jsonEscaped writes s as JSON does with every non-ASCII character escaped.
func jsonEscaped(s, hexFormat string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r > 0x7e:
			if r > 0xffff {
				r1, r2 := utf16Pair(r)
				fmt.Fprintf(&b, `\u`+hexFormat+`\u`+hexFormat, r1, r2)
				continue
			}
			fmt.Fprintf(&b, `\u`+hexFormat, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// base64Forms are the characters of s's base64 encoding that do not
// depend on what surrounds it, at each of the three byte alignments.
func base64Forms(s string) []string {
	var out []string
	for k := range 3 {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, k), s...))
		start, end := (8*k+5)/6, (8*(k+len(s)))/6
		if end > start {
			out = append(out, enc[start:end])
		}
	}
	return out
}

// textNeedles are the forms that can stand in a text column as text.
func textNeedles(values []string) []Needle {
	var out []Needle
	for _, n := range Needles(values) {
		if utf8.Valid(n.Bytes) {
			out = append(out, n)
		}
	}
	return out
}

func containsAny(s string, needles []Needle) bool {
	for _, n := range needles {
		if strings.Contains(s, string(n.Bytes)) {
			return true
		}
	}
	return false
}

// Hit is a trace found: where, of which value (its index), in which form.
type Hit struct {
	Where string `json:"where"`
	Value int    `json:"value"`
	Form  string `json:"form"`
}

// Scan is what a scan looked at and what it found.
type Scan struct {
	// Scanned lists what was read, each with its size in rows or bytes.
	Scanned []string `json:"scanned"`
	Hits    []Hit    `json:"hits"`
}

// Bytes looks for the needles in data, naming the hits where.
func (s *Scan) Bytes(where string, data []byte, needles []Needle) {
	for _, n := range needles {
		if bytes.Contains(data, n.Bytes) {
			s.Hits = append(s.Hits, Hit{Where: where, Value: n.Value, Form: n.Form})
		}
	}
}

// File scans a file as bytes.
func (s *Scan) File(path string, needles []Needle) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s.Scanned = append(s.Scanned, fmt.Sprintf("file %s (%d bytes)", path, len(b)))
	s.Bytes("file "+path, b, needles)
	return nil
}

// Database scans every column of every row of every table of db; on SQLite
// also the database file itself (free pages included) and its WAL.
func (s *Scan) Database(ctx context.Context, db *eventstore.DB, needles []Needle) error {
	tables, err := baseTables(ctx, db)
	if err != nil {
		return err
	}
	for _, t := range tables {
		n, err := s.table(ctx, db, t, needles)
		if err != nil {
			return fmt.Errorf("scan %s: %w", t, err)
		}
		s.Scanned = append(s.Scanned, fmt.Sprintf("table %s (%d rows)", t, n))
	}
	if db.Dialect.Name == eventstore.Postgres.Name {
		return nil
	}
	for _, f := range []string{db.Where, db.Where + "-wal"} {
		if err := s.File(f, needles); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

func baseTables(ctx context.Context, db *eventstore.DB) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
	if db.Dialect.Name == eventstore.Postgres.Name {
		q = `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables
			WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`
	}
	tables, err := eventstore.Strings(ctx, db.SQL, q)
	if err != nil || db.Dialect.Name == eventstore.Postgres.Name {
		return tables, err
	}
	for i, t := range tables {
		tables[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	return tables, nil
}

func (s *Scan) table(ctx context.Context, db *eventstore.DB, table string, needles []Needle) (int, error) {
	rows, err := db.SQL.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		n++
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		for i, v := range vals {
			var b []byte
			switch x := v.(type) {
			case nil:
				continue
			case []byte:
				b = x
			case string:
				b = []byte(x)
			case time.Time:
				b = []byte(x.Format("2006-01-02 15:04:05.999999999Z07:00"))
			default:
				b = fmt.Append(nil, x)
			}
			s.Bytes(fmt.Sprintf("table %s column %s (row %d)", table, cols[i], n), b, needles)
		}
	}
	return n, rows.Err()
}

// Stream scans every message of a JetStream stream, headers and payload.
func (s *Scan) Stream(url, stream string, needles []Needle) error {
	nc, err := nats.Connect(url, nats.Name("lhuta verify-forgotten"), nats.Timeout(5*time.Second))
	if err != nil {
		return fmt.Errorf("connect to NATS: %w", err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		return err
	}
	info, err := js.StreamInfo(stream)
	if err != nil {
		return fmt.Errorf("stream %s: %w", stream, err)
	}
	count, size := 0, 0
	if info.State.Msgs > 0 {
		sub, err := js.SubscribeSync("", nats.BindStream(stream), nats.OrderedConsumer(), nats.DeliverAll())
		if err != nil {
			return err
		}
		defer func() { _ = sub.Unsubscribe() }()
		for {
			m, err := sub.NextMsg(10 * time.Second)
			if err != nil {
				return fmt.Errorf("read the stream %s: %w", stream, err)
			}
			md, err := m.Metadata()
			if err != nil {
				return err
			}
			count++
			size += len(m.Data)
			where := fmt.Sprintf("stream %s message %d (%s)", stream, md.Sequence.Stream, m.Subject)
			var hdr bytes.Buffer
			for k, vs := range m.Header {
				hdr.WriteString(k + ": " + strings.Join(vs, ", ") + "\n")
			}
			s.Bytes(where, append(hdr.Bytes(), m.Data...), needles)
			if md.Sequence.Stream >= info.State.LastSeq {
				break
			}
		}
	}
	s.Scanned = append(s.Scanned, fmt.Sprintf("stream %s (%d messages, %d bytes)", stream, count, size))
	return nil
}
