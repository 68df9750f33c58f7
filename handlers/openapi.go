package handlers

import (
	_ "embed"
	"net/http"
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
