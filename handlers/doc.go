// Package handlers serves lhuta's HTTP API (docs/API.md, and the OpenAPI
// document openapi.json it serves at /v1/openapi.json): thin handlers that parse
// a request, call the case repository or a read-model query, and write JSON or
// an application/problem+json error. Routing is kept in one place (Routes) so
// that gorilla/mux could be replaced without touching the handlers.
package handlers
