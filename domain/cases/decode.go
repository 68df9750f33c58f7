package cases

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

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
//
// Rule checks on "past" dates go to chk's rule errors, shape problems to its
// invalid errors.
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
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		opts := strings.Split(f.Tag.Get("fact"), ",")
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
		if err := json.Unmarshal(val, v.Field(i).Addr().Interface()); err != nil {
			chk.bad(name, "%s", fieldMessage(err))
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
