package ui

import (
	"testing"

	"github.com/lhuta/lhuta/domain/cases"
)

// Every situation, event type, field a form asks for and value a select
// offers has a Czech label, read from the domain's registry: a new event
// type or value does not reach the console in English. The names of
// situations and event types come from their declarations (domain/cases),
// and labels does not spell them a second time.
func TestEveryNameOfTheRegistryHasACzechLabel(t *testing.T) {
	for _, s := range cases.Situations() {
		if label(string(s)) == string(s) {
			t.Errorf("situation %s has no Czech label in its declaration (domain/cases)", s)
		}
		if _, ok := labels[string(s)]; ok {
			t.Errorf("situation %s is labelled in ui/labels.go too; its declaration holds its label", s)
		}
	}
	for _, typ := range cases.AllEventTypes() {
		if label(string(typ)) != cases.Label(typ) || cases.Label(typ) == "" {
			t.Errorf("event type %s has no Czech label in its declaration (domain/cases)", typ)
		}
		if _, ok := labels[string(typ)]; ok {
			t.Errorf("event type %s is labelled in ui/labels.go too; its declaration holds its label", typ)
		}
		fields, _, _ := cases.Contract(string(typ))
		for _, f := range fields {
			if _, ok := labels[f.Name]; !ok {
				t.Errorf("%s: field %s has no label in ui/labels.go", typ, f.Name)
			}
			for _, v := range f.Enum {
				if valueLabel(f.Name, v) == v {
					t.Errorf("%s.%s: value %s has no label in ui/labels.go", typ, f.Name, v)
				}
			}
		}
	}
}
