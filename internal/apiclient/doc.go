// Package apiclient is the Go client of lhuta's API, generated from
// handlers/openapi.json by oapi-codegen: what an integrator generates from
// the served document. The handlers' tests read every event of their
// end-to-end histories into its typed events, and fail while this package
// is not what the document generates.
package apiclient

// OapiCodegen is the generator and its pinned version; the test that holds
// this package to the document runs the same command.
const OapiCodegen = "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2"

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -config oapi-codegen.yaml ../../handlers/openapi.json
