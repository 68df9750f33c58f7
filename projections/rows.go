package projections

import (
	"fmt"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/projections/views"
)

// A row is one read-model row: its key columns first, in the table's column order.
type row []any

// caseRows are the rows a case's state gives in each table (but the stats).
type caseRows struct {
	obligations, flags, slas []row
	payers, bankRefs         []row // payments.go
	retention                []row // retention.go
}

// date is a nullable date column's value: NULL for the zero date.
func date(d calendar.Date) any {
	if d.IsZero() {
		return nil
	}
	return d
}

// rowsOf derives a case's rows (without the case row, which carries the state).
func rowsOf(c *cases.Case) caseRows {
	var r caseRows
	for i, o := range c.Obligations {
		r.obligations = append(r.obligations, row{c.ID, i + 1, o.Obligation, o.LegalBasis, o.TriggeredOn, o.Due,
			date(o.FulfilledOn), date(o.ExcusedOn), date(o.JudgedOn), date(resolvedOn(o)), c.Office, string(c.Situation),
			c.Reference, c.Citizen.FullName, c.Assignee, views.NameKey(c.Citizen.FullName)})
	}
	for _, f := range c.Flags {
		var maxFine, fine, decision any
		if f.Offence.MaxFineCZK != nil {
			maxFine = int64(*f.Offence.MaxFineCZK)
		}
		if f.FineCZK > 0 {
			fine = int64(f.FineCZK)
		}
		if f.Decision != "" {
			decision = string(f.Decision)
		}
		r.flags = append(r.flags, row{c.ID, f.ID, f.Offence.Code, f.Offence.LegalBasis, maxFine, f.Offence.ReviewOnly,
			f.RaisedOn, f.Obligation, decision, fine, date(f.DecidedOn), c.Office, string(c.Situation), c.Reference, c.Citizen.FullName,
			views.NameKey(c.Citizen.FullName)})
	}
	for i, d := range c.SLA {
		r.slas = append(r.slas, row{c.ID, i + 1, d.Document, d.Track, d.FiledOn, d.Due, date(d.ReadyOn), c.Office, string(c.Situation),
			c.Reference, c.Citizen.FullName, c.Assignee, views.NameKey(c.Citizen.FullName)})
	}
	paymentRows(c, &r)
	r.retention = retentionRows(c)
	return r
}

// resolvedOn is the first day an obligation is neither open nor overdue:
// the earliest of its fulfilment, excuse and judgement (zero if none).
func resolvedOn(o cases.Obligation) calendar.Date {
	var first calendar.Date
	for _, d := range []calendar.Date{o.FulfilledOn, o.ExcusedOn, o.JudgedOn} {
		if !d.IsZero() && (first.IsZero() || d.Before(first)) {
			first = d
		}
	}
	return first
}

// counts are changes of the dashboard aggregates for all offices: how
// many obligations or office deadlines entered (positive) or left
// (negative) a status, by kind, month of the fact, situation, status and
// day of the change. A rebuild holds hundreds of thousands of them, so
// each key is packed into 64 bits and its strings are numbered.
type counts struct {
	n                    map[uint64]int64
	situations, statuses dict
}

func newCounts() *counts { return &counts{n: map[uint64]int64{}} }

// dict numbers strings.
type dict struct {
	names []string
	ids   map[string]uint64
}

func (d *dict) id(name string) uint64 {
	id, ok := d.ids[name]
	if !ok {
		if d.ids == nil {
			d.ids = map[string]uint64{}
		}
		id = uint64(len(d.names))
		d.names = append(d.names, name)
		d.ids[name] = id
	}
	return id
}

// Bits of a packed key, from the lowest: day of the change (days since
// 1900-01-01, 17 bits), month of the fact (months since January 1900, 12),
// status (8), situation (8), kind (1).
var epoch = calendar.NewDate(1900, 1, 1)

func (c *counts) add(kind string, fact calendar.Date, situation, status string, day calendar.Date, n int64) {
	k := uint64(0)
	if kind == views.KindSLA {
		k = 1
	}
	m := uint64((fact.Year()-1900)*12 + int(fact.Month()) - 1)
	key := k<<45 | c.situations.id(situation)<<37 | c.statuses.id(status)<<29 | m<<17 | uint64(epoch.DaysUntil(day))
	c.n[key] += n
}

// each calls fn with every non-zero count.
func (c *counts) each(fn func(kind, month, situation, status string, day calendar.Date, n int64)) {
	for key, n := range c.n {
		if n == 0 {
			continue
		}
		kind := views.KindObligation
		if key>>45&1 == 1 {
			kind = views.KindSLA
		}
		m := int(key >> 17 & (1<<12 - 1))
		month := fmt.Sprintf("%04d-%02d", 1900+m/12, m%12+1)
		fn(kind, month, c.situations.names[key>>37&255], c.statuses.names[key>>29&255], epoch.AddDays(int(key&(1<<17-1))), n)
	}
}

// statDeltas adds to into the status changes of a case's obligations and
// office deadlines, each counted sign times (1 to add a case's state, -1 to
// take it away).
func statDeltas(c *cases.Case, sign int64, into *counts) {
	change := func(kind string, fact calendar.Date) func(day calendar.Date, from, to string) {
		return func(day calendar.Date, from, to string) {
			if from != "" {
				into.add(kind, fact, string(c.Situation), from, day, -sign)
			}
			into.add(kind, fact, string(c.Situation), to, day, sign)
		}
	}
	for _, o := range c.Obligations {
		steps(o.TriggeredOn, []calendar.Date{o.Due.AddDays(1), o.FulfilledOn, o.ExcusedOn, o.JudgedOn},
			func(d calendar.Date) string { return string(o.StatusOn(d)) }, change(views.KindObligation, o.TriggeredOn))
	}
	for _, d := range c.SLA {
		steps(d.FiledOn, []calendar.Date{d.Due.AddDays(1), d.ReadyOn}, d.StatusOn, change(views.KindSLA, d.FiledOn))
	}
}

// steps calls change for each day from start on where status(day) differs
// from the day before (from is "" on the start day). A status only changes
// on start or on one of the days given, so only those are looked at: the
// domain's StatusOn stays the one definition of a status.
func steps(start calendar.Date, days []calendar.Date, status func(calendar.Date) string, change func(day calendar.Date, from, to string)) {
	prev := status(start)
	change(start, "", prev)
	for _, day := range sortedAfter(start, days) {
		if s := status(day); s != prev {
			change(day, prev, s)
			prev = s
		}
	}
}

// sortedAfter returns the distinct non-zero days after start, in order.
func sortedAfter(start calendar.Date, days []calendar.Date) []calendar.Date {
	out := make([]calendar.Date, 0, len(days))
	for _, d := range days {
		if d.IsZero() || !d.After(start) {
			continue
		}
		i := 0
		for i < len(out) && out[i].Before(d) {
			i++
		}
		if i < len(out) && out[i] == d {
			continue
		}
		out = append(out, calendar.Date{})
		copy(out[i+1:], out[i:])
		out[i] = d
	}
	return out
}

// paymentRows derives a case's rows of payer_view and bank_payment_view.
func paymentRows(c *cases.Case, r *caseRows) {
	if s, ok := c.OwingSpan(); ok {
		// Plain structs of strings, numbers and dates: Marshal cannot fail.
		money, _ := c.MarshalMoney()
		r.payers = append(r.payers, row{c.ID, c.Office, c.Citizen.ID, s.FeeOnly, s.From, date(s.Until), string(money)})
	}
	seen := map[string]bool{}
	for _, p := range c.Payments {
		if p.BankReference != "" && !seen[p.BankReference] {
			seen[p.BankReference] = true
			r.bankRefs = append(r.bankRefs, row{c.ID, p.BankReference, c.Office})
		}
	}
}

// retentionRows gives a case's row of retention_view: none before its schedule.
func retentionRows(c *cases.Case) []row {
	s := c.Retention
	if s == nil {
		return nil
	}
	var disposedOn, disposalID, disposition any
	if d := c.Disposal; d != nil {
		disposedOn, disposalID, disposition = d.DecidedOn, d.ID, string(d.Disposition)
	}
	return []row{{c.ID, c.Office, string(c.Situation), c.Reference, string(s.Mark), s.Years, string(s.Trigger), s.TriggerOn, s.EndsOn,
		date(c.HeldSince), disposedOn, disposalID, disposition}}
}
