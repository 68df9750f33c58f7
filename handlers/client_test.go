package handlers_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/internal/apiclient"
	"github.com/lhuta/lhuta/internal/testdb"
)

// internal/apiclient is what oapi-codegen generates from handlers/openapi.json
// (go generate ./internal/apiclient): an integrator's Go client, held to
// the document it is generated from.
func TestTheGoClientIsWhatTheDocumentGenerates(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "internal", "apiclient"))
	if err != nil {
		t.Fatal(err)
	}
	// The same configuration, writing elsewhere (its output wins over -o).
	config, err := os.ReadFile(filepath.Join(dir, "oapi-codegen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	out := filepath.Join(tmp, "apiclient.gen.go")
	config = regexp.MustCompile(`(?m)^output: .*$`).ReplaceAll(config, []byte("output: "+out))
	if err := os.WriteFile(filepath.Join(tmp, "oapi-codegen.yaml"), config, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", apiclient.OapiCodegen, "-config", filepath.Join(tmp, "oapi-codegen.yaml"), "../../handlers/openapi.json")
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run %s: %v\n%s", apiclient.OapiCodegen, err, msg)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "apiclient.gen.go"))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("internal/apiclient/apiclient.gen.go is not what handlers/openapi.json generates (%v): run go generate ./internal/apiclient", err)
	}
}

// historyTypes are the event types the end-to-end tests' histories held,
// each read into its typed event of the generated client.
var historyTypes sync.Map

// readHistories reads the history of every case on the stack's database
// through the API and the generated Go client (readHistory): every test
// through HTTP, every situation on both backends, is also a test of the
// typed read side. newStack runs it when a test ends.
func (s *stack) readHistories(t testing.TB) {
	var ids []string
	seen := map[string]bool{}
	for _, e := range testdb.StoredLog(t, s.db) {
		if !seen[e.StreamID] {
			seen[e.StreamID] = true
			ids = append(ids, e.StreamID)
		}
	}
	for _, id := range ids {
		r := s.do("GET", "/v1/cases/"+id+"/events", "officer-token", nil)
		if r.status != 200 {
			t.Errorf("the history of %s: %d %s", id, r.status, r.raw)
			continue
		}
		types, err := readHistory([]byte(r.raw))
		if err != nil {
			t.Errorf("the generated Go client cannot read the history of %s: %v\n%s", id, err, r.raw)
		}
		for _, typ := range types {
			historyTypes.Store(typ, true)
		}
	}
}

// readHistory reads a history as an integrator's Go client does, but
// strictly: the page and every event into its typed event
// (apiclient.<Type>HistoryEvent), unknown fields and values outside an
// enum refused. It returns the events' types.
func readHistory(raw []byte) ([]string, error) {
	var h apiclient.History
	if err := strictJSON(raw, &h); err != nil {
		return nil, fmt.Errorf("History: %w", err)
	}
	var types []string
	for i, item := range h.Items {
		typ, err := item.Discriminator()
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		v, err := item.ValueByDiscriminator()
		if err != nil {
			return nil, fmt.Errorf("item %d (%s): %w", i, typ, err)
		}
		if name := reflect.TypeOf(v).Name(); name != typ+"HistoryEvent" {
			return nil, fmt.Errorf("item %d: %s reads as %s", i, typ, name)
		}
		b, _ := item.MarshalJSON()
		typed := reflect.New(reflect.TypeOf(v))
		if err := strictJSON(b, typed.Interface()); err != nil {
			return nil, fmt.Errorf("item %d (%s): %w", i, typ, err)
		}
		if err := validEnums(typ, typed.Elem()); err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		types = append(types, typ)
	}
	return types, nil
}

func strictJSON(raw []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// validEnums calls the generated Valid of every enumerated value in v.
func validEnums(path string, v reflect.Value) error {
	type valid interface{ Valid() bool }
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if e, ok := v.Interface().(valid); ok && !e.Valid() {
		return fmt.Errorf("%s: %v is not one of its enum", path, v.Interface())
	}
	if v.Kind() == reflect.Struct {
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				if err := validEnums(path+"."+v.Type().Field(i).Name, v.Field(i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// The generated client's reading refuses what the document does not say.
func TestTheTypedReadingRefusesWhatTheDocumentDoesNotSay(t *testing.T) {
	const opened = `{"type":"CaseOpened","data":{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c-1","birth_date":"1980-05-17","full_name":"Jana Nováková"},"opened_on":"2026-04-01"},"version":1,"position":1,"recorded_at":"2026-04-01T08:00:00Z","recorded_by":"alice"}`
	if types, err := readHistory([]byte(`{"items":[` + opened + `]}`)); err != nil || !slices.Equal(types, []string{"CaseOpened"}) {
		t.Fatalf("a well-formed history: %v %v", types, err)
	}
	for name, item := range map[string]string{
		"an unknown field of the data":  strings.Replace(opened, `"office"`, `"colour":"red","office"`, 1),
		"an unknown field of the event": strings.Replace(opened, `"version"`, `"colour":"red","version"`, 1),
		"an unknown event type":         strings.Replace(opened, `"CaseOpened"`, `"CaseReopened"`, 1),
		"a situation outside the enum":  strings.Replace(opened, `"id_card_incident"`, `"id_card_incidnet"`, 1),
	} {
		if _, err := readHistory([]byte(`{"items":[` + item + `]}`)); err == nil {
			t.Errorf("%s is read", name)
		}
	}
}

// TestMain holds the whole package's end-to-end histories to the domain:
// when every test ran, every event type of the registry was read into its
// typed event, so that a new event type comes with a test through HTTP.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.skip").Value.String() == "" {
		var missing []string
		for _, typ := range cases.AllEventTypes() {
			if _, ok := historyTypes.Load(string(typ)); !ok {
				missing = append(missing, string(typ))
			}
		}
		if missing != nil {
			fmt.Printf("FAIL: no end-to-end test's history held %s: record them through HTTP in a test, so that the generated client reads them\n",
				strings.Join(missing, ", "))
			code = 1
		}
	}
	os.Exit(code)
}
