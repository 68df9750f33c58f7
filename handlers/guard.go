package handlers

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/gorilla/mux"
)

// maxRequestID bounds X-Request-ID; a UUID is 36 characters, a W3C trace id 32.
const maxRequestID = 128

// retryAfter is the Retry-After of every 503, in seconds.
const retryAfter = "2"

type correlationKey struct{}

// correlationID returns the request's correlation id (see correlate).
func correlationID(r *http.Request) string {
	id, _ := r.Context().Value(correlationKey{}).(string)
	return id
}

// correlate gives every request a correlation id and a database deadline.
// The id is the client's X-Request-ID when it is 1–128 visible ASCII
// characters; anything else is refused with 400, so that what lands in
// every event is bounded and printable. Without the header the service
// makes one. Either way it is echoed in the answer's X-Request-ID.
func (s *Server) correlate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, given := r.Header.Get("X-Request-ID"), len(r.Header.Values("X-Request-ID")) > 0
		if given && !visibleASCII(id, maxRequestID) {
			badRequest(w, "X-Request-ID", fmt.Sprintf("must be 1 to %d visible ASCII characters (letters, digits, punctuation; no spaces)", maxRequestID))
			return
		}
		if id == "" {
			id = uuid.NewString()
		}
		w.Header().Set("X-Request-ID", id)
		ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), correlationKey{}, id), s.dbTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// visibleASCII reports whether s is 1 to max characters from '!' to '~'.
func visibleASCII(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '!' || s[i] > '~' {
			return false
		}
	}
	return true
}

// singleLine reports whether s is valid UTF-8 without control characters
// (C0, DEL, C1: tab and line breaks included).
func singleLine(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// maxQueryValue bounds one query parameter; the longest legitimate one is a cursor.
const maxQueryValue = 1024

// checkInput refuses query parameters that are not single-line UTF-8 text
// or that the route does not take (400 naming the parameter, as an unknown
// field of a body is refused: a misspelt filter must not widen a list) and
// case ids that are not UUIDs (404: no case has such an id), before any of
// it reaches a database: PostgreSQL refuses NUL bytes with an error where
// SQLite would store them. What a route takes is what handlers/openapi.json
// documents for it.
func (s *Server) checkInput(rule Rule, next http.HandlerFunc) http.HandlerFunc {
	takes := queryParameters()[rule.Method+" "+rule.Path]
	accepted := "it takes none"
	if len(takes) > 0 {
		accepted = "it takes " + strings.Join(takes, ", ")
	}
	return func(w http.ResponseWriter, r *http.Request) {
		query := r.URL.Query()
		for _, name := range slices.Sorted(maps.Keys(query)) {
			values := query[name]
			if !singleLine(name) || len(name) > 64 {
				badRequest(w, "query", "has a parameter name that is not printable text")
				return
			}
			if !slices.Contains(takes, name) {
				badRequest(w, name, "is not a query parameter of this endpoint; "+accepted)
				return
			}
			for _, v := range values {
				if !singleLine(v) || len(v) > maxQueryValue {
					badRequest(w, name, fmt.Sprintf("must be printable UTF-8 text of at most %d bytes, without control characters", maxQueryValue))
					return
				}
			}
		}
		if id, ok := mux.Vars(r)["id"]; ok {
			if u, err := uuid.Parse(id); err != nil || u.String() != id {
				writeProblem(w, Problem{Type: "/problems/not-found", Status: http.StatusNotFound, Detail: "no such case (case ids are UUIDs)"})
				return
			}
		}
		next(w, r)
	}
}

// Timeouts bound how long one connection may take over each part of its
// life, so that a client trickling its request cannot hold a connection.
type Timeouts struct {
	// ReadHeader bounds reading the request line and headers.
	ReadHeader time.Duration
	// Read bounds reading the whole request, body included.
	Read time.Duration
	// Write bounds the time from the end of the headers to the end of the answer.
	Write time.Duration
	// Idle bounds how long a kept-alive connection waits for its next request.
	Idle time.Duration
}

// DefaultTimeouts are the production timeouts. Write is longer than the
// slowest answer: a request's database deadline (DefaultDBTimeout) after a
// min_position wait of 5 s.
var DefaultTimeouts = Timeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 30 * time.Second, Idle: 120 * time.Second}

// MaxHeaderBytes bounds a request's headers; larger ones answer 431.
const MaxHeaderBytes = 64 << 10

// HTTPServer returns the http.Server that serves h on addr with timeouts t
// (zero fields take DefaultTimeouts') and MaxHeaderBytes.
func HTTPServer(addr string, h http.Handler, t Timeouts) *http.Server {
	d := DefaultTimeouts
	pick := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	return &http.Server{Addr: addr, Handler: h, MaxHeaderBytes: MaxHeaderBytes,
		ReadHeaderTimeout: pick(t.ReadHeader, d.ReadHeader), ReadTimeout: pick(t.Read, d.Read),
		WriteTimeout: pick(t.Write, d.Write), IdleTimeout: pick(t.Idle, d.Idle)}
}
