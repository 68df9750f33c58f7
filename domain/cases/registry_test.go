package cases

import (
	"reflect"
	"slices"
	"testing"
)

// Every event type and situation has a Czech name in its declaration: the
// console shows it (ui reads Label and SituationLabel). A declaration
// without one fails here, and the package does not start (assemble).
func TestEveryEventTypeHasACzechLabel(t *testing.T) {
	for _, typ := range AllEventTypes() {
		if l := Label(typ); l == "" || l == string(typ) {
			t.Errorf("event type %s has no Czech label in its declaration (%q)", typ, l)
		}
	}
	for _, s := range Situations() {
		if l := SituationLabel(s); l == "" || l == string(s) {
			t.Errorf("situation %s has no Czech label in its declaration (%q)", s, l)
		}
	}
	if Label("NoSuchEvent") != "" || SituationLabel("no_such_situation") != "" {
		t.Error("an unknown name has a label")
	}
}

// Each declaration decodes into the struct named as its type: a copied line
// that keeps the former constructor fails here. Every declared type is in
// the registry's list, once.
func TestDeclarationsMatchTheirStructs(t *testing.T) {
	all := AllEventTypes()
	for typ, d := range reg.events {
		if got := reflect.TypeOf(d.new()).Elem().Name(); got != string(typ) {
			t.Errorf("%s is declared with the constructor of %s", typ, got)
		}
		if n := len(slices.DeleteFunc(slices.Clone(all), func(x EventType) bool { return x != typ })); n != 1 {
			t.Errorf("%s is %d times in AllEventTypes", typ, n)
		}
	}
	if len(all) != len(reg.events)+1 {
		t.Errorf("AllEventTypes lists %d types, the declarations %d and CaseOpened", len(all), len(reg.events))
	}
	for _, s := range situations {
		if got := EventTypes(s.situation); len(got) != len(s.events)+len(reg.common) {
			t.Errorf("%s takes %v", s.situation, got)
		}
	}
}

// assemble refuses a type declared twice, in two situations or a
// situation and a group, and a declaration without a label or constructor.
func TestAssembleRefusesBadDeclarations(t *testing.T) {
	ok := eventDecl{typ: "A", label: "Á", new: newFact[CaseClosed]}
	for name, build := range map[string]func(){
		"twice in a group":         func() { assemble(nil, [][]eventDecl{{ok, ok}}) },
		"in a situation and group": func() { assemble([]situationDecl{{"s", "S", []eventDecl{ok}}}, [][]eventDecl{{ok}}) },
		"situation twice":          func() { assemble([]situationDecl{{"s", "S", nil}, {"s", "S", nil}}, nil) },
		"no label":                 func() { assemble(nil, [][]eventDecl{{{typ: "B", new: newFact[CaseClosed]}}}) },
		"no constructor":           func() { assemble(nil, [][]eventDecl{{{typ: "B", label: "B"}}}) },
		"CaseOpened":               func() { assemble(nil, [][]eventDecl{{{typ: CaseOpenedType, label: "x", new: newFact[CaseClosed]}}}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: assembled", name)
				}
			}()
			build()
		}()
	}
	r := assemble([]situationDecl{{"s", "S", []eventDecl{ok}}}, [][]eventDecl{{{typ: "B", label: "B", new: newFact[CaseClosed], system: true}}})
	if len(r.events) != 2 || len(r.common) != 0 {
		t.Errorf("assembled %+v", r)
	}
}
