// Package retention holds the offices' retention rules (zákon 499/2004 Sb.,
// skartační řízení): for each office and situation the retention mark
// (skartační znak A, V or S), the period in years and the event the period
// runs from. lhuta ships no rules: neither its law (docs/LAW.md) nor its
// sources state a mark or a period for any situation, so the office
// supplies them in a rules file (docs/RETENTION.md). The package is pure:
// it parses the file and computes dates; the case decides when a rule
// applies (cases.Case.DueRetention).
package retention

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lhuta/lhuta/domain"
	"github.com/lhuta/lhuta/domain/calendar"
)

// Mark is a retention mark (skartační znak).
type Mark string

// Retention marks.
const (
	// Archive (A): the record has lasting value; at the end of its period it
	// is offered to the archive, never destroyed by lhuta.
	Archive Mark = "A"
	// Destroy (S): at the end of its period it is destroyed, with the archive's approval.
	Destroy Mark = "S"
	// Review (V): the archive decides at the disposal whether it is kept or
	// destroyed; lhuta treats its approval as destruction.
	Review Mark = "V"
)

// Marks lists the marks.
var Marks = []Mark{Archive, Review, Destroy}

// Trigger is the event a retention period runs from.
type Trigger string

// Triggers.
const (
	// Closed: the case was closed (CaseClosed, its closed_on).
	Closed Trigger = "closed"
	// Settled: a local-fee case whose every liability has ended and whose
	// every payment obligation is paid or excused, on the latest day of
	// those facts (cases.Case.SettledOn).
	Settled Trigger = "settled"
)

// Triggers lists the triggers.
var Triggers = []Trigger{Closed, Settled}

// AnyOffice is the office of a rule that applies to every office without a rule of its own.
const AnyOffice = "*"

// Rule is one office's retention rule for one situation.
type Rule struct {
	Office    string
	Situation string
	Mark      Mark
	Years     int
	Trigger   Trigger
	// Line is the rule's line in its file.
	Line int
}

// Rules are an office's retention rules; the zero value (and nil) has none.
type Rules struct {
	File  string
	rules []Rule
}

// For returns the rule for a case of an office and situation: the office's
// own, else the rule for every office ("*"); ok is false where none applies.
func (r *Rules) For(office, situation string) (Rule, bool) {
	if r == nil {
		return Rule{}, false
	}
	var any *Rule
	for i, rule := range r.rules {
		if rule.Situation != situation {
			continue
		}
		if rule.Office == office {
			return rule, true
		}
		if rule.Office == AnyOffice {
			any = &r.rules[i]
		}
	}
	if any != nil {
		return *any, true
	}
	return Rule{}, false
}

// All lists the rules in the order of the file.
func (r *Rules) All() []Rule {
	if r == nil {
		return nil
	}
	return slices.Clone(r.rules)
}

// Starts returns the first day of a period triggered on a day: 1 January
// of the next year (zákon 499/2004 Sb.: the period runs from 1 January of
// the year after the trigger event).
func Starts(trigger calendar.Date) calendar.Date {
	return calendar.NewDate(trigger.Year()+1, 1, 1)
}

// EndsOn returns the last day of a period of years triggered on a day:
// 31 December of the year trigger's year + years. A trigger on 15 March
// 2026 and 5 years: the period runs from 1 January 2027 and ends on
// 31 December 2031; the record may be disposed of from 1 January 2032.
func EndsOn(trigger calendar.Date, years int) calendar.Date {
	return calendar.NewDate(trigger.Year()+years, 12, 31)
}

// Ended reports whether a period that ends on endsOn has ended as of a
// day: from the day after its last day.
func Ended(endsOn, asOf calendar.Date) bool { return asOf.After(endsOn) }

// FormatError is a file that does not follow the format, naming the line.
type FormatError = domain.FormatError

// Parse reads a rules file (docs/RETENTION.md): one rule a line, five
// columns separated by spaces or tabs,
//
//	office  situation  mark  years  trigger
//
// office is an office code or "*" for every office without a rule of its
// own; situation one of situations; mark A, V or S; years a whole number
// above 0; trigger closed or settled. "#" starts a comment; blank lines are
// ignored. One rule per office and situation. offices, when not nil, are
// the offices configured: a rule for another office is an error.
func Parse(file string, src []byte, situations, offices []string) (*Rules, error) {
	fail := func(line int, format string, args ...any) error {
		return &FormatError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	if !utf8.Valid(src) {
		return nil, fail(0, "is not UTF-8 text")
	}
	rules := &Rules{File: file}
	seen := map[[2]string]int{}
	for i, raw := range strings.Split(string(src), "\n") {
		n := i + 1
		text, _, _ := strings.Cut(raw, "#")
		cols := strings.Fields(text)
		if len(cols) == 0 {
			continue
		}
		if len(cols) != 5 {
			return nil, fail(n, "has %d columns; a rule is: office situation mark years trigger", len(cols))
		}
		r := Rule{Office: cols[0], Situation: cols[1], Mark: Mark(cols[2]), Trigger: Trigger(cols[4]), Line: n}
		switch {
		case r.Office != AnyOffice && offices != nil && !slices.Contains(offices, r.Office):
			return nil, fail(n, "office %q is not configured (LHUTA_OFFICES: %s); use * for every office", r.Office, strings.Join(offices, ", "))
		case !slices.Contains(situations, r.Situation):
			return nil, fail(n, "unknown situation %q; known: %s", r.Situation, strings.Join(situations, ", "))
		case !slices.Contains(Marks, r.Mark):
			return nil, fail(n, "mark %q is not A, V or S", r.Mark)
		case !slices.Contains(Triggers, r.Trigger):
			return nil, fail(n, "trigger %q is not closed or settled", r.Trigger)
		}
		years, err := strconv.Atoi(cols[3])
		if err != nil || years <= 0 || years > 1000 {
			return nil, fail(n, "years %q is not a whole number from 1 to 1000", cols[3])
		}
		r.Years = years
		key := [2]string{r.Office, r.Situation}
		if first, ok := seen[key]; ok {
			return nil, fail(n, "a second rule for office %s and situation %s (the first is on line %d)", r.Office, r.Situation, first)
		}
		seen[key] = n
		rules.rules = append(rules.rules, r)
	}
	return rules, nil
}
