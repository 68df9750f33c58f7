package cases

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lhuta/lhuta/domain/calendar"
)

// decode reads a JSON object into the struct dst field by field, so that
// every problem names its field: unknown fields, values of the wrong type,
// dates that do not exist, missing required fields. Struct tags:
//
//	json:"name"            the field's name in the contract
//	fact:"required"        must be present
//	fact:"past"            a date of a fact: not after today, not before the citizen's birth
//	fact:"server"          filled in by the service, never taken from the request
//	fact:"text"            free text (a reason): up to MaxText characters, line breaks allowed
//	fact:"personal"        says something about the person (an address, an exemption's
//	                       reason): left out where personal data may not go (PersonalFields)
//
// Every string is valid UTF-8 without control characters and at most
// MaxLine characters (free text: see "text"); every date lies between
// EarliestDate and LatestDate; a nested object (the citizen) is decoded by
// the same rules, its fields named "citizen.full_name". Rule checks on "past"
// dates go to chk's rule errors, shape problems to its invalid errors.
func decode(raw []byte, dst any, chk *check, today, born calendar.Date) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		chk.bad("", "must be a JSON object")
		return
	}
	v := reflect.ValueOf(dst).Elem()
	t := v.Type()
	known := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, ok := factTags(f)
		if !ok {
			continue
		}
		if slices.Contains(opts, "server") {
			continue
		}
		known[name] = true
		val, present := fields[name]
		if !present || bytes.Equal(val, []byte("null")) {
			if slices.Contains(opts, "required") {
				chk.bad(name, "is required")
			}
			continue
		}
		if !utf8.Valid(val) {
			chk.bad(name, "is not valid UTF-8")
			continue
		}
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(calendar.Date{}) {
			nested := check{prefix: chk.name(name) + "."}
			decode(val, v.Field(i).Addr().Interface(), &nested, today, born)
			chk.invalid = append(chk.invalid, nested.invalid...)
			chk.rules = append(chk.rules, nested.rules...)
			continue
		}
		if err := json.Unmarshal(val, v.Field(i).Addr().Interface()); err != nil {
			chk.bad(name, "%s", fieldMessage(err))
			continue
		}
		if v.Field(i).Kind() == reflect.String {
			if msg := textProblem(v.Field(i).String(), slices.Contains(opts, "text")); msg != "" {
				chk.bad(name, "%s", msg)
				continue
			}
		}
		if d, ok := v.Field(i).Interface().(calendar.Date); ok && (d.Before(EarliestDate) || d.After(LatestDate)) {
			chk.bad(name, "%s is not a date between %s and %s", d, EarliestDate, LatestDate)
			continue
		}
		if d, ok := v.Field(i).Interface().(calendar.Date); ok && slices.Contains(opts, "past") {
			switch {
			case d.After(today):
				chk.refuse(name, "%s is in the future (today is %s)", d, today)
			case !born.IsZero() && d.Before(born):
				chk.refuse(name, "%s is before the citizen's birth (%s)", d, born)
			}
		}
		if s, ok := v.Field(i).Interface().(string); ok && slices.Contains(opts, "required") && strings.TrimSpace(s) == "" {
			chk.bad(name, "must not be empty")
		}
	}
	for name := range fields {
		if !known[name] {
			chk.bad(name, "is not a field of this request")
		}
	}
	slices.SortFunc(chk.invalid, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
}

// factTags reads a fact's field's tags: its JSON name and its fact options
// (required, past, server…); ok is false for a field JSON leaves out.
func factTags(f reflect.StructField) (name string, opts []string, ok bool) {
	name, _, _ = strings.Cut(f.Tag.Get("json"), ",")
	if name == "" || name == "-" {
		return "", nil, false
	}
	return name, strings.Split(f.Tag.Get("fact"), ","), true
}

// Bounds of the text and dates of a request.
const (
	// MaxLine bounds a single-line field (a name, an office, an id).
	MaxLine = 200
	// MaxText bounds a free-text field (a reason).
	MaxText = 2000
)

// EarliestDate and LatestDate bound every date of a request: no citizen of
// a living register was born before 1900, and no deadline lies past 2199.
var (
	EarliestDate = calendar.NewDate(1900, time.January, 1)
	LatestDate   = calendar.NewDate(2199, time.December, 31)
)

// textProblem says what is wrong with a string field's value, or "". A
// single-line field has no control characters at all (no tab, no line
// break); free text may hold line breaks (LF, CR) but no other control
// character. PostgreSQL refuses NUL where SQLite would store it, so both
// refuse it here.
func textProblem(s string, freeText bool) string {
	max := MaxLine
	if freeText {
		max = MaxText
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Sprintf("is %d characters long; at most %d", n, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(freeText && (r == '\n' || r == '\r')) {
			if freeText {
				return fmt.Sprintf("contains the control character %U; free text may hold line breaks but no other control character", r)
			}
			return fmt.Sprintf("contains the control character %U; it must be one line of printable text", r)
		}
	}
	return ""
}

func fieldMessage(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Sprintf("must be a %s, not a JSON %s", jsonKind(typeErr.Type), typeErr.Value)
	}
	return err.Error()
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int, reflect.Int64:
		return "whole number"
	case reflect.Struct:
		if t == reflect.TypeOf(calendar.Date{}) {
			return "date string YYYY-MM-DD"
		}
		return "JSON object"
	}
	return t.String()
}
