package cases

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/lhuta/lhuta/domain/calendar"
)

// Forgotten is what a personal value reads as once its citizen has been
// forgotten (docs/RETENTION.md): the key that opened it is destroyed.
const Forgotten = "[zapomenuto]"

// Marking says whether a stored field of an event says something about a
// person. Every field of the event contract carries one in its fact tag:
// "personal" (or "text": free text may say anything) or "public".
type Marking string

// Markings.
const (
	Personal Marking = "personal"
	Public   Marking = "public"
	Unmarked Marking = ""
)

// StoredField is one field of an event's stored data, nested fields named
// by their path ("citizen.full_name"), server-filled fields included.
type StoredField struct {
	Path    string
	Marking Marking
	// Date fields read a forgotten value as no date.
	Date bool
}

// StoredFields lists the stored fields of an event type, read from the
// struct tags; ok is false for an unknown type.
func StoredFields(eventType EventType) (fields []StoredField, ok bool) {
	if eventType == CaseOpenedType {
		return walkFields(reflect.TypeOf(CaseOpened{}), ""), true
	}
	kind, ok := reg.events[eventType]
	if !ok {
		return nil, false
	}
	return walkFields(reflect.TypeOf(kind.new()).Elem(), ""), true
}

func walkFields(t reflect.Type, prefix string) []StoredField {
	var out []StoredField
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, ok := factTags(f)
		if !ok {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		date := ft == reflect.TypeOf(calendar.Date{})
		if ft.Kind() == reflect.Struct && !date {
			out = append(out, walkFields(ft, prefix+name+".")...)
			continue
		}
		m := Unmarked
		switch {
		case slices.Contains(opts, "personal") || slices.Contains(opts, "text"):
			m = Personal
		case slices.Contains(opts, "public"):
			m = Public
		}
		out = append(out, StoredField{Path: prefix + name, Marking: m, Date: date})
	}
	return out
}

// PersonalPaths lists the paths of an event type's personal stored fields:
// what the store encrypts with the citizen's key.
func PersonalPaths(eventType EventType) []string { return personalPaths()[eventType] }

var personalPaths = sync.OnceValue(func() map[EventType][]string {
	m := map[EventType][]string{}
	for _, t := range AllEventTypes() {
		fields, _ := StoredFields(t)
		for _, f := range fields {
			if f.Marking == Personal {
				m[t] = append(m[t], f.Path)
			}
		}
	}
	return m
})

// forgottenDates lists, per event type, the date fields that may read
// Forgotten.
var forgottenDates = sync.OnceValue(func() map[EventType][]string {
	m := map[EventType][]string{}
	for _, t := range AllEventTypes() {
		fields, _ := StoredFields(t)
		for _, f := range fields {
			if f.Marking == Personal && f.Date {
				m[t] = append(m[t], f.Path)
			}
		}
	}
	return m
})

// tolerateForgotten drops the personal dates that read Forgotten, so that
// the fold of a forgotten citizen's case reads them as no date; a forgotten
// text stays Forgotten.
func tolerateForgotten(eventType EventType, data []byte) []byte {
	paths := forgottenDates()[eventType]
	if len(paths) == 0 || !strings.Contains(string(data), Forgotten) {
		return data
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return data
	}
	for _, p := range paths {
		obj := doc
		parts := strings.Split(p, ".")
		for _, part := range parts[:len(parts)-1] {
			next, ok := obj[part].(map[string]any)
			if !ok {
				obj = nil
				break
			}
			obj = next
		}
		if last := parts[len(parts)-1]; obj != nil && obj[last] == Forgotten {
			delete(obj, last)
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return data
	}
	return out
}
