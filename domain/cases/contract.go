package cases

import (
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/lhuta/lhuta/domain/calendar"
)

// Field describes one field of an event's data as the API takes it, read
// from the fact's struct tags (see decode): what a form for the event asks.
type Field struct {
	// Name is the field's JSON name ("reported_on").
	Name string
	// Kind is "date", "bool", "number", "line" (one line of text) or "text"
	// (free text with line breaks).
	Kind string
	// Required fields must be given; Past dates may not lie after today.
	Required, Past bool
	// Personal fields say something about the person beyond the case's
	// facts: free text, an address, an exemption's reason (fact:"personal").
	Personal bool
}

// PersonalFields lists the keys of an event's data that are personal
// data, for those who may not receive it (the event feed): the citizen of
// CaseOpened, and the Personal fields of the other events.
func PersonalFields(eventType EventType) []string { return personalFields()[eventType] }

// personalFields reads the struct tags once: the feed asks for every event.
var personalFields = sync.OnceValue(func() map[EventType][]string {
	m := map[EventType][]string{CaseOpenedType: {"citizen"}}
	for t := range events {
		fields, _, _ := Contract(string(t))
		for _, f := range fields {
			if f.Personal {
				m[t] = append(m[t], f.Name)
			}
		}
	}
	return m
})

// Contract describes an event type: the fields of its data and whether it
// is a compliance officer's decision (else a clerk records it). ok is false
// for an unknown type or the case's first event, which Open takes.
func Contract(eventType string) (fields []Field, officer bool, ok bool) {
	kind, ok := events[EventType(eventType)]
	if !ok {
		return nil, false, false
	}
	t := reflect.TypeOf(kind.new()).Elem()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		opts := strings.Split(f.Tag.Get("fact"), ",")
		if name == "" || name == "-" || slices.Contains(opts, "server") {
			continue
		}
		field := Field{Name: name, Required: slices.Contains(opts, "required"), Past: slices.Contains(opts, "past"),
			Personal: slices.Contains(opts, "text") || slices.Contains(opts, "personal")}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft == reflect.TypeOf(calendar.Date{}):
			field.Kind = "date"
		case ft.Kind() == reflect.Bool:
			field.Kind = "bool"
		case ft.Kind() == reflect.Int || ft.Kind() == reflect.Int64:
			field.Kind = "number"
		case slices.Contains(opts, "text"):
			field.Kind = "text"
		default:
			field.Kind = "line"
		}
		fields = append(fields, field)
	}
	return fields, kind.officer, true
}
