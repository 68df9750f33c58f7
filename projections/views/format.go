// Package views is the read side of the read models: the queries of the
// tables the projection pipeline (package projections) writes, with the
// types they return. It needs database/sql and the domain, never the event
// store, so the HTTP API can read without depending on the store.
package views

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/money"
)

// StatusOpen is the stored status of an obligation with nothing paid:
// unpaid or overdue depending on the day asked about.
const StatusOpen = "open"

// TermsFingerprint is a hash of the offices' terms.
func TermsFingerprint(o *money.Offices) string {
	if o == nil {
		o = money.Builtin()
	}
	h := sha256.New()
	for _, code := range o.Codes() {
		of, _ := o.Office(code)
		b, err := json.Marshal(of)
		if err != nil { // terms that cannot be written down: never equal
			b = fmt.Appendf(nil, "%p", of)
		}
		_, _ = fmt.Fprintf(h, "%s\x00%s\x00", code, b)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Stat kinds, the kind column of the dashboard aggregates.
const (
	KindObligation = "obligation"
	KindSLA        = "sla"
)

// BirthNumberDigits is a birth number's digits, the slash left out.
func BirthNumberDigits(bn string) string { return strings.ReplaceAll(strings.TrimSpace(bn), "/", "") }

// StatusSQL is cases.Obligation.StatusOn written in SQL, to filter lists
// by the statuses no index serves; $1 is the as-of date. A test holds the two equal.
const StatusSQL = `CASE
	WHEN excused_on IS NOT NULL AND excused_on <= $1 THEN 'excused'
	WHEN judged_on IS NOT NULL AND judged_on <= $1 THEN 'judged'
	WHEN fulfilled_on IS NOT NULL AND fulfilled_on <= $1 THEN
		CASE WHEN fulfilled_on > due_on THEN 'met_late' ELSE 'met' END
	WHEN $1 > due_on THEN 'overdue'
	ELSE 'open' END`

// DBDate scans a date column: a DATE on PostgreSQL, YYYY-MM-DD text on
// SQLite, NULL as the zero date.
type DBDate struct{ calendar.Date }

func (d *DBDate) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		d.Date = calendar.Date{}
	case time.Time:
		d.Date = calendar.NewDate(v.Year(), v.Month(), v.Day())
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("a date column holds %T", v)
	}
	return nil
}

func (d *DBDate) parse(s string) error {
	var err error
	d.Date, err = calendar.ParseDate(s)
	return err
}
