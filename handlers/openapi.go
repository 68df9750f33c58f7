package handlers

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// openAPIDocument is the OpenAPI 3 description of the API: the one source
// of the contract, served as it is and held to the routes and to every
// answer of the end-to-end tests.
//
//go:generate go test -run TestTheEventSchemasAreGenerated -update .
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the OpenAPI 3 document of the API.
func OpenAPI() []byte { return append([]byte(nil), openAPIDocument...) }

func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openAPIDocument)
}

// queryParameters maps each operation of the document ("GET /v1/obligations")
// to the query parameters it takes, read from the document once: the one
// list of what a route accepts, which checkInput holds every request to.
var queryParameters = sync.OnceValue(func() map[string][]string {
	type parameter struct {
		Ref  string `json:"$ref"`
		Name string `json:"name"`
		In   string `json:"in"`
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]parameter `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		panic(fmt.Sprintf("handlers/openapi.json: %v", err))
	}
	resolve := func(p parameter) parameter {
		if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
			return doc.Components.Parameters[name]
		}
		return p
	}
	ops := map[string][]string{}
	for path, item := range doc.Paths {
		var shared struct {
			Parameters []parameter `json:"parameters"`
		}
		_ = json.Unmarshal(item["parameters"], &shared)
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			var op struct {
				Parameters []parameter `json:"parameters"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				panic(fmt.Sprintf("handlers/openapi.json: %s %s: %v", method, path, err))
			}
			key := strings.ToUpper(method) + " " + path
			ops[key] = []string{}
			for _, p := range append(shared.Parameters, op.Parameters...) {
				if p = resolve(p); p.In == "query" && !slices.Contains(ops[key], p.Name) {
					ops[key] = append(ops[key], p.Name)
				}
			}
			slices.Sort(ops[key])
		}
	}
	return ops
})
