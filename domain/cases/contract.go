package cases

import (
	"maps"
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
	// Enum, when not nil, is the closed set of values the field takes.
	Enum []string
	// Server fields are filled in by the service when it records the event
	// (fact:"server"); a request never gives them. Only Stored lists them.
	Server bool
	// Object names the struct of a nested object ("Citizen"), whose own
	// fields Fields describes; Kind is "object".
	Object string
}

// enumerated is a fact with fields that take one of a closed set of values:
// Record refuses any other before the fact's own decide, and Contract lists
// the sets, so that a form, the OpenAPI document and the check read one list.
type enumerated interface {
	enums() map[string][]string
}

// values spells a closed set of typed values as the strings of the contract.
func values[T ~string](vs ...T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// checkEnums refuses a value outside its field's closed set, in the order of
// the fact's fields.
func checkEnums(f any, chk *check) {
	e, ok := f.(enumerated)
	if !ok {
		return
	}
	sets := e.enums()
	v := reflect.ValueOf(f).Elem()
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if set, ok := sets[name]; ok {
			oneOf(chk, name, v.Field(i).String(), set...)
		}
	}
}

// PersonalFields lists the keys of an event's data that are personal
// data, for those who may not receive it (the event feed): the citizen of
// CaseOpened, and the Personal fields of the other events.
func PersonalFields(eventType EventType) []string { return personalFields()[eventType] }

// personalFields reads the struct tags once: the feed asks for every event.
var personalFields = sync.OnceValue(func() map[EventType][]string {
	m := map[EventType][]string{CaseOpenedType: {"citizen"}}
	for t := range reg.events {
		fields, _, _ := Contract(string(t))
		for _, f := range fields {
			if f.Personal {
				m[t] = append(m[t], f.Name)
			}
		}
	}
	return m
})

// Contract describes an event type: the fields of its data a request gives
// and whether it is a compliance officer's decision (else a clerk records
// it). ok is false for an unknown type, the case's first event, which Open
// takes, and an event the service records itself (CaseReferenceAssigned).
func Contract(eventType string) (fields []Field, officer bool, ok bool) {
	kind, ok := reg.events[EventType(eventType)]
	if !ok || kind.system {
		// An event the service records itself has no contract for requests.
		return nil, false, false
	}
	for _, f := range describe(kind.new()) {
		if !f.Server {
			fields = append(fields, f)
		}
	}
	return fields, kind.officer, true
}

// Stored describes the data of any event type as the history answers it,
// read in its current shape (Upcast): the fields a request gives and those
// the service fills in (Server), CaseOpened's included. Required means
// present in every such event: a field a former shape could not give is
// not, nor is a Server one. ok is false for an unknown type.
func Stored(eventType EventType) (fields []Field, ok bool) {
	var v any = new(CaseOpened)
	if eventType != CaseOpenedType {
		kind, ok := reg.events[eventType]
		if !ok {
			return nil, false
		}
		v = kind.new()
	}
	fields = describe(v)
	for i := range fields {
		fields[i].Required = fields[i].Required && !fields[i].Server && !lacking(eventType, fields[i].Name)
	}
	return fields, true
}

// Upcast returns an event's stored data in the current shape of its type,
// as the fold reads it (upcast.go); data already in it is returned as it is.
func Upcast(eventType EventType, data []byte) ([]byte, error) { return upcast(eventType, data) }

// AllEventTypes lists every event type of the registry: CaseOpened, each
// situation's own events in the order of Situations, then those every
// situation takes.
func AllEventTypes() []EventType {
	types := []EventType{CaseOpenedType}
	for _, s := range Situations() {
		for _, d := range reg.situations[s].events {
			types = append(types, d.typ)
		}
	}
	types = append(types, reg.common...)
	for _, t := range slices.Sorted(maps.Keys(reg.events)) {
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	return types
}

// Fields describes a nested object of an event's data by its Object name
// (Field.Object); ok is false for an unknown one.
func Fields(object string) (fields []Field, ok bool) {
	if object != "Citizen" {
		return nil, false
	}
	return describe(new(Citizen)), true
}

// describe reads a fact's (or a nested object's) fields from its struct tags.
func describe(v any) []Field {
	var sets map[string][]string
	if e, ok := v.(enumerated); ok {
		sets = e.enums()
	}
	var fields []Field
	t := reflect.TypeOf(v).Elem()
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, ok := factTags(f)
		if !ok {
			continue
		}
		field := Field{Name: name, Required: slices.Contains(opts, "required"), Past: slices.Contains(opts, "past"),
			Personal: slices.Contains(opts, "text") || slices.Contains(opts, "personal"),
			Server:   slices.Contains(opts, "server"), Enum: sets[name]}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft == reflect.TypeOf(calendar.Date{}):
			field.Kind = "date"
		case ft.Kind() == reflect.Struct:
			field.Kind, field.Object = "object", ft.Name()
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
	return fields
}
