package handlers_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/handlers"
)

// The event schemas of handlers/openapi.json are generated from the event
// structs of domain/cases, so that the document cannot drift from what the
// service takes and stores: `go generate ./handlers` (this test with
// -update) rewrites them; without -update the test fails while the file
// differs from what the domain says. The generator owns the structure
// (types, formats, enums, required, the unions of writes and of the
// history); descriptions and examples are written by hand in the file and
// kept.
var update = flag.Bool("update", false, "rewrite the generated parts of handlers/openapi.json")

func TestTheEventSchemasAreGenerated(t *testing.T) {
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseOrdered(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := generateSchemas(doc.(*object)); err != nil {
		t.Fatal(err)
	}
	out := formatOrdered(doc)
	if bytes.Equal(out, raw) {
		return
	}
	if *update {
		if err := os.WriteFile("openapi.json", out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	a, b := string(raw), string(out)
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	line := strings.Count(a[:i], "\n") + 1
	t.Errorf("handlers/openapi.json is not what the domain's event structs generate (first difference at line %d);\n"+
		"run `go generate ./handlers` (go test ./handlers -run TestTheEventSchemasAreGenerated -update) and review the diff", line)
}

// metadata are the fields of every event of a case's history besides its
// type and data (internal/caserepo.Event).
var metadata = []member{
	{"version", obj("type", "integer", "format", "int64", "minimum", json.Number("1"), "description", "The case's version after this event.")},
	{"position", obj("type", "integer", "format", "int64", "minimum", json.Number("1"), "description", "The event's global position in the log.")},
	{"recorded_at", obj("type", "string", "format", "date-time", "description", "When the service stored it.")},
	{"recorded_by", obj("type", "string", "description", "The name of the token that recorded it.")},
}

// generateSchemas writes, for every event type of the domain's registry, the
// schema of its data as stored (named after it), the body that records it
// (<Type>Event, not for CaseOpened) and its entry in a case's history
// (<Type>HistoryEvent); RecordEvent and HistoryEvent are their
// discriminated unions; the closed sets outside events are the domain's.
func generateSchemas(doc *object) error {
	components, _ := doc.get("components").(*object)
	schemas, _ := components.get("schemas").(*object)
	if schemas == nil {
		return errors.New("no components.schemas")
	}
	var writes, history []string
	for _, typ := range cases.AllEventTypes() {
		name := string(typ)
		fields, ok := cases.Stored(typ)
		if !ok {
			return fmt.Errorf("%s has no fields", typ)
		}
		old, _ := schemas.get(name + "Stored").(*object)
		request, _ := schemas.get(name).(*object)
		stored, err := dataSchema(old, typ, fields, "as the history answers it, in the current shape of the type", request, true)
		if err != nil {
			return err
		}
		schemas.insertBefore(name+"Stored", stored, "HistoryEvent")
		if request, officer, ok := cases.Contract(name); ok {
			old, _ := schemas.get(name).(*object)
			data, err := dataSchema(old, typ, request, "as a request gives it", nil, false)
			if err != nil {
				return err
			}
			if ex, _ := stored.get("example").(*object); ex != nil {
				given := &object{}
				for _, m := range ex.members {
					if slices.ContainsFunc(request, func(f cases.Field) bool { return f.Name == m.key }) {
						given.members = append(given.members, m)
					}
				}
				data.set("example", given)
			}
			schemas.insertBefore(name, data, "RecordEvent")
			who := "a clerk records it"
			switch {
			case officer:
				who = "a compliance officer's decision"
			case cases.RecordsOfficerEvent(cases.EventType(name)):
				who = "a records officer's decision"
			}
			schemas.insertBefore(name+"Event", obj("type", "object", "description", "Record "+name+" ("+who+").",
				"required", []any{"type", "data"},
				"properties", obj("type", obj("type", "string", "enum", []any{name}),
					"data", ref(name),
					"expected_version", obj("type", "integer", "format", "int64", "minimum", json.Number("0"),
						"description", "The case's current version; a stale one answers 409. Leave it out to record on any version.")),
				"additionalProperties", false), "RecordEvent")
			writes = append(writes, name)
		}
		props := obj("type", obj("type", "string", "enum", []any{name}), "data", ref(name+"Stored"))
		props.members = append(props.members, metadata...)
		schemas.insertBefore(name+"HistoryEvent", obj("type", "object", "description", name+" in a case's history.",
			"required", []any{"type", "data", "version", "position", "recorded_at", "recorded_by"},
			"properties", props, "additionalProperties", false), "HistoryEvent")
		history = append(history, name)
	}
	schemas.set("RecordEvent", union(schemas.get("RecordEvent"), writes, "Event"))
	schemas.set("HistoryEvent", union(schemas.get("HistoryEvent"), history, "HistoryEvent"))

	// Closed sets outside the events' data.
	situations := enumOf(cases.Situations())
	application, _ := cases.Stored(cases.ApplicationFiledType)
	closed := []struct {
		schema, property string
		values           []any
	}{
		{"OpenCase", "situation", situations},
		{"Case", "situation", situations},
		{"Obligation", "status", enumOf(cases.Statuses)},
		{"CaseObligation", "status", enumOf(cases.Statuses)},
		{"Flag", "status", append([]any{cases.FlagRaised}, enumOf([]cases.Decision{cases.Dismissed, cases.ProceedingsOpened, cases.Fined})...)},
		{"SLA", "document", enumOf(fieldEnum(application, "document"))},
		{"SLA", "track", enumOf(fieldEnum(application, "track"))},
		{"PaymentItem", "kind", enumOf(cases.PaymentKinds)},
		{"PaymentItem", "status", enumOf(cases.PaymentStatuses)},
	}
	for _, c := range closed {
		s, _ := schemas.get(c.schema).(*object)
		props, _ := s.get("properties").(*object)
		p, _ := props.get(c.property).(*object)
		if p == nil {
			return fmt.Errorf("%s has no property %s", c.schema, c.property)
		}
		p.insertBefore("enum", c.values, "nullable", "description")
	}
	params, _ := components.get("parameters").(*object)
	if p, _ := params.get("situation").(*object); p != nil {
		schema, _ := p.get("schema").(*object)
		schema.insertBefore("enum", situations, "description")
	}
	return nil
}

// dataSchema is the schema of an event's data as the log stores it, its
// hand-written description, properties' descriptions and example kept.
//
// A property without a description of its own takes like's (the request's
// schema of the same type). In the history (stored), a personal date reads
// cases.Forgotten once its citizen is forgotten: a string of either form.
func dataSchema(old *object, typ cases.EventType, fields []cases.Field, as string, like *object, stored bool) (*object, error) {
	if old == nil {
		old = &object{}
	}
	description, _ := old.get("description").(string)
	if description == "" {
		description = fmt.Sprintf("The data of %s (%s), %s.", typ, situationsOf(typ), as)
	}
	s := obj("type", "object", "description", description)
	var required []any
	props := &object{}
	oldProps, _ := old.get("properties").(*object)
	for _, f := range fields {
		if f.Required {
			required = append(required, f.Name)
		}
		p := &object{}
		switch f.Kind {
		case "object":
			if _, ok := cases.Fields(f.Object); !ok {
				return nil, fmt.Errorf("%s.%s: unknown object %s", typ, f.Name, f.Object)
			}
			props.set(f.Name, ref(f.Object))
			continue
		case "date":
			p.set("type", "string")
			if stored && f.Personal {
				p.set("pattern", forgettableDate)
			} else {
				p.set("format", "date")
			}
		case "bool":
			p.set("type", "boolean")
		case "number":
			p.set("type", "integer")
		case "line", "text":
			p.set("type", "string")
		default:
			return nil, fmt.Errorf("%s.%s: kind %q has no schema", typ, f.Name, f.Kind)
		}
		if f.Enum != nil {
			p.set("enum", enumOf(f.Enum))
		}
		if f.Server {
			p.set("readOnly", true)
		}
		o, _ := oldProps.get(f.Name).(*object)
		if o == nil {
			likeProps, _ := like.get("properties").(*object)
			o, _ = likeProps.get(f.Name).(*object)
		}
		if o != nil {
			for _, m := range o.members {
				if !slices.Contains([]string{"type", "format", "pattern", "enum", "readOnly", "$ref"}, m.key) {
					p.set(m.key, m.value)
				}
			}
		}
		if d, _ := p.get("description").(string); stored && f.Personal && f.Kind == "date" && !strings.Contains(d, cases.Forgotten) {
			note := "a day, YYYY-MM-DD, or " + cases.Forgotten + " once the citizen is forgotten"
			if d != "" {
				note = d + " (" + note + ")"
			}
			p.set("description", note)
		}
		if f.Server && p.get("description") == nil {
			p.set("description", "Filled in by the service when it records the event; a request does not give it.")
		}
		props.set(f.Name, p)
	}
	if required != nil {
		s.set("required", required)
	}
	s.set("properties", props)
	s.set("additionalProperties", false)
	if ex := old.get("example"); ex != nil {
		s.set("example", ex)
	}
	return s, nil
}

// forgettableDate is a day (YYYY-MM-DD) or cases.Forgotten.
const forgettableDate = `^([0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])|\[zapomenuto\])$`

// union is a oneOf of the named schemas with a discriminator on type, its
// hand-written description kept.
func union(old any, types []string, suffix string) *object {
	u := &object{}
	if o, _ := old.(*object); o != nil && o.get("description") != nil {
		u.set("description", o.get("description"))
	}
	var oneOf []any
	mapping := &object{}
	for _, t := range types {
		oneOf = append(oneOf, ref(t+suffix))
		mapping.set(t, "#/components/schemas/"+t+suffix)
	}
	u.set("oneOf", oneOf)
	u.set("discriminator", obj("propertyName", "type", "mapping", mapping))
	return u
}

func situationsOf(typ cases.EventType) string {
	var in []string
	for _, s := range cases.Situations() {
		if slices.Contains(cases.EventTypes(s), typ) {
			in = append(in, string(s))
		}
	}
	if len(in) == len(cases.Situations()) {
		return "every situation"
	}
	if typ == cases.CaseOpenedType {
		return "the first event of every case"
	}
	if len(in) == 0 {
		return "every situation, recorded by the service itself"
	}
	return strings.Join(in, ", ")
}

func fieldEnum(fields []cases.Field, name string) []string {
	for _, f := range fields {
		if f.Name == name {
			return f.Enum
		}
	}
	return nil
}

func enumOf[T ~string](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

func ref(name string) *object { return obj("$ref", "#/components/schemas/"+name) }

// object is a JSON object that keeps the order of its members, so that
// the generator rewrites handlers/openapi.json without reordering it.
type object struct{ members []member }

type member struct {
	key   string
	value any
}

// obj builds an object from key, value pairs.
func obj(kv ...any) *object {
	o := &object{}
	for i := 0; i < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}

func (o *object) get(key string) any {
	if o == nil {
		return nil
	}
	for _, m := range o.members {
		if m.key == key {
			return m.value
		}
	}
	return nil
}

// set replaces a member in place or appends it.
func (o *object) set(key string, value any) {
	o.insertBefore(key, value)
}

// insertBefore replaces a member in place, or else inserts it before the
// first of the anchors present (at the end when none is).
func (o *object) insertBefore(key string, value any, anchors ...string) {
	for i := range o.members {
		if o.members[i].key == key {
			o.members[i].value = value
			return
		}
	}
	for _, a := range anchors {
		if i := slices.IndexFunc(o.members, func(m member) bool { return m.key == a }); i >= 0 {
			o.members = slices.Insert(o.members, i, member{key, value})
			return
		}
	}
	o.members = append(o.members, member{key, value})
}

// parseOrdered reads JSON into *object, []any, string, json.Number, bool and nil.
func parseOrdered(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	v, err := parseValue(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the document")
	}
	return v, nil
}

func parseValue(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		o := &object{}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			v, err := parseValue(d)
			if err != nil {
				return nil, err
			}
			o.members = append(o.members, member{k.(string), v})
		}
		_, err := d.Token()
		return o, err
	case json.Delim('['):
		a := []any{}
		for d.More() {
			v, err := parseValue(d)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := d.Token()
		return a, err
	}
	return tok, nil
}

// formatOrdered writes JSON as handlers/openapi.json is written: two spaces
// of indentation, no escaping beyond JSON's, a final line break.
func formatOrdered(v any) []byte {
	var compact, out bytes.Buffer
	writeCompact(&compact, v)
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		panic(err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

func writeCompact(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case *object:
		b.WriteByte('{')
		for i, m := range v.members {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCompact(b, m.key)
			b.WriteByte(':')
			writeCompact(b, m.value)
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCompact(b, e)
		}
		b.WriteByte(']')
	case json.Number:
		b.WriteString(string(v))
	default:
		e := json.NewEncoder(b)
		e.SetEscapeHTML(false)
		if err := e.Encode(v); err != nil {
			panic(err)
		}
		b.Truncate(b.Len() - 1)
	}
}

// Every event type of the domain's registry is in the document: its data
// as the history answers it, with an example that fits it, in the
// discriminated union of the history; a type a request records also has
// its request's data (with the example, less what the service fills in)
// in the union of writes.
func TestEveryEventTypeIsDescribedWithAnExample(t *testing.T) {
	c, err := loadContract(handlers.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	schemas := c.doc.Components.Schemas
	unions := map[string]*openapi3.Discriminator{}
	for _, u := range []string{"RecordEvent", "HistoryEvent"} {
		if s := schemas[u]; s == nil || s.Value.Discriminator == nil || s.Value.Discriminator.PropertyName != "type" {
			t.Fatalf("%s is not a union discriminated by type", u)
		}
		unions[u] = schemas[u].Value.Discriminator
	}
	example := func(name string) {
		t.Helper()
		s := schemas[name]
		switch {
		case s == nil:
			t.Errorf("no schema %s", name)
		case s.Value.Example == nil:
			t.Errorf("%s has no example (write it in handlers/openapi.json beside the schema; go generate keeps it)", name)
		default:
			if err := s.Value.VisitJSON(s.Value.Example); err != nil {
				t.Errorf("%s's example does not fit it: %v", name, err)
			}
		}
	}
	for _, typ := range cases.AllEventTypes() {
		name := string(typ)
		example(name + "Stored")
		if unions["HistoryEvent"].Mapping[name].Ref != "#/components/schemas/"+name+"HistoryEvent" {
			t.Errorf("HistoryEvent does not map %s", name)
		}
		if _, _, ok := cases.Contract(name); ok {
			example(name)
			if unions["RecordEvent"].Mapping[name].Ref != "#/components/schemas/"+name+"Event" {
				t.Errorf("RecordEvent does not map %s", name)
			}
		}
	}
	if len(unions["HistoryEvent"].Mapping) != len(cases.AllEventTypes()) {
		t.Errorf("HistoryEvent maps %d types, the registry has %d", len(unions["HistoryEvent"].Mapping), len(cases.AllEventTypes()))
	}
}

// The document is valid OpenAPI 3.0.3 where kin-openapi is lenient:
// nullable only beside a type in the same schema object (3.0.3 ignores it
// elsewhere, and a generated client reads such a field as never null).
func TestNullableIsBesideAType(t *testing.T) {
	doc, err := parseOrdered(handlers.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case *object:
			if v.get("nullable") == true && v.get("type") == nil {
				t.Errorf("%s: nullable without a type (use a nullable schema with its type, e.g. a $ref to one)", path)
			}
			for _, m := range v.members {
				walk(path+"/"+m.key, m.value)
			}
		case []any:
			for i, e := range v {
				walk(fmt.Sprintf("%s/%d", path, i), e)
			}
		}
	}
	walk("#", doc)
}

// Operation ids start with a verb, the same verbs for the same kind of
// operation: list… answers a list of items, get… one thing, and the
// writes say what they do (openCase, recordEvent, assign…, return…).
func TestOperationIdsAreVerbFirst(t *testing.T) {
	c, err := loadContract(handlers.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	verb := regexp.MustCompile(`^(get|list|check|open|record|assign|return)[A-Z][A-Za-z0-9]*$`)
	seen := map[string]string{}
	for path, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			key, id := method+" "+path, op.OperationID
			if !verb.MatchString(id) {
				t.Errorf("%s: operationId %q does not start with get, list, check, open, record, assign or return", key, id)
			}
			if other, ok := seen[id]; ok {
				t.Errorf("%s and %s share the operationId %q", key, other, id)
			}
			seen[id] = key
			if method != http.MethodGet {
				if strings.HasPrefix(id, "get") || strings.HasPrefix(id, "list") || strings.HasPrefix(id, "check") {
					t.Errorf("%s: operationId %q names a read", key, id)
				}
				continue
			}
			var items bool
			if ok := op.Responses.Status(http.StatusOK); ok != nil {
				if mt := ok.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
					_, items = mt.Schema.Value.Properties["items"]
				}
			}
			if strings.HasPrefix(id, "list") != items {
				t.Errorf("%s: operationId %q, but a list answers items and only a list does (%v)", key, id, items)
			}
		}
	}
}

// A query parameter a route does not take answers 400 naming it, on every
// route, as an unknown field of a body does: ?stauts=overdue must not
// answer the whole list. What a route takes is what the document says.
func TestAnUnknownQueryParameterIsRefusedOnEveryRoute(t *testing.T) {
	s := sqliteStack(t, calendar.NewDate(2026, 4, 10))
	token := map[cases.Role]string{cases.Clerk: "clerk-token", cases.ComplianceOfficer: "officer-token",
		cases.Dashboard: "dash-token", cases.Admin: "admin-token", cases.RecordsOfficer: "records-token"}
	example := strings.NewReplacer("{id}", "00000000-0000-4000-8000-000000000000", "{name}", "invalid-input")
	for _, rule := range handlers.Rules() {
		if slices.Equal(rule.Roles, []cases.Role{handlers.Citizen}) {
			continue // a citizen's session is the portal's: the portal tests it (testMyRoutesRefuseAnUnknownQueryParameter)
		}
		tok := ""
		if len(rule.Roles) > 0 {
			tok = token[rule.Roles[0]]
		}
		path := regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(example.Replace(rule.Path), "x-1")
		r := s.do(rule.Method, path+"?stauts=overdue", tok, nil)
		if r.status != 400 || !strings.Contains(r.raw, `"field":"stauts"`) {
			t.Errorf("%s %s?stauts=overdue: %d %s, want 400 naming stauts", rule.Method, rule.Path, r.status, r.raw)
		}
	}
	r := s.do("GET", "/v1/obligations?status=overdue&stauts=overdue", "clerk-token", nil)
	if r.status != 400 || !strings.Contains(r.raw, "it takes as_of, csv, cursor, due_from, due_to, export, limit, min_position, office, situation, sort, status") {
		t.Errorf("a misspelt filter beside a right one: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/v1/obligations?status=overdue&office=Praha+1", "clerk-token", nil); r.status != 200 {
		t.Errorf("documented parameters: %d %s", r.status, r.raw)
	}
}
