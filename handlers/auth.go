package handlers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/internal/signin"
)

// Identity is who a bearer token belongs to.
type Identity struct {
	Role cases.Role
	Name string
	// Office, if set, is the one office whose cases the token may write.
	Office string
}

// Tokens maps bearer tokens to identities. Only SHA-256 digests of the
// tokens are kept in memory, and they are compared in constant time.
type Tokens struct {
	digests [][sha256.Size]byte
	ids     []Identity
}

var roles = []cases.Role{cases.Clerk, cases.ComplianceOfficer, cases.Dashboard, cases.Admin}

// ParseTokens reads "token=role:name" or "token=role:name:office" entries
// separated by commas or new lines (LHUTA_TOKENS, docs/API.md); a line
// starting with # is a comment. A token with an office writes only the cases
// of that office.
func ParseTokens(s string) (Tokens, error) {
	var t Tokens
	var pairs []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			pairs = append(pairs, strings.Split(line, ",")...)
		}
	}
	for _, pair := range pairs {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		token, who, ok := strings.Cut(pair, "=")
		role, name, ok2 := strings.Cut(who, ":")
		name, office, scoped := strings.Cut(name, ":")
		if !ok || !ok2 || token == "" || name == "" || (scoped && strings.TrimSpace(office) == "") {
			return Tokens{}, fmt.Errorf("token entry %q is not token=role:name or token=role:name:office", redactToken(pair))
		}
		if !slices.Contains(roles, cases.Role(role)) {
			return Tokens{}, fmt.Errorf("token entry for %q has unknown role %q (known: clerk, compliance_officer, dashboard, admin)", name, role)
		}
		t.digests = append(t.digests, sha256.Sum256([]byte(token)))
		t.ids = append(t.ids, Identity{cases.Role(role), name, office})
	}
	return t, nil
}

func redactToken(pair string) string {
	_, rest, _ := strings.Cut(pair, "=")
	return "…=" + rest
}

// Len returns the number of tokens.
func (t Tokens) Len() int { return len(t.ids) }

func (t Tokens) lookup(token string) (Identity, bool) {
	d := sha256.Sum256([]byte(token))
	found := -1
	for i := range t.digests {
		if subtle.ConstantTimeCompare(d[:], t.digests[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Identity{}, false
	}
	return t.ids[found], true
}

type identityKey struct{}

func identity(r *http.Request) Identity {
	id, _ := r.Context().Value(identityKey{}).(Identity)
	return id
}

// allow wraps h so that only bearers of a token with one of the roles reach it.
func (s *Server) allow(h http.HandlerFunc, allowed ...cases.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// What a token may read (citizens' data among it) is kept by no
		// cache, the browser's included.
		w.Header().Set("Cache-Control", "no-store")
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lhuta"`)
			writeProblem(w, Problem{Type: "/problems/unauthenticated", Status: http.StatusUnauthorized,
				Detail: "send Authorization: Bearer <token>"})
			return
		}
		// Unknown tokens are failed sign-ins of the address (internal/signin):
		// after the free ones, every request of the address waits.
		address := signin.Address(signin.ClientAddress(r))
		if wait := s.signIn.Wait(address); wait > 0 {
			s.tooManyFailures(w, wait)
			return
		}
		id, ok := s.tokens.Load().lookup(strings.TrimSpace(token))
		if !ok {
			if wait := s.signIn.Fail(address); wait > 0 {
				s.tooManyFailures(w, wait)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="lhuta", error="invalid_token"`)
			writeProblem(w, Problem{Type: "/problems/unauthenticated", Status: http.StatusUnauthorized, Detail: "unknown token"})
			return
		}
		if !slices.Contains(allowed, id.Role) {
			writeProblem(w, Problem{Type: "/problems/forbidden", Status: http.StatusForbidden,
				Detail: fmt.Sprintf("role %s may not do this", id.Role)})
			return
		}
		if caller, ok := r.Context().Value(callerKey{}).(*Identity); ok {
			*caller = id
		}
		h(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
	}
}

// tooManyFailures answers 429 to an address with too many unknown tokens.
func (s *Server) tooManyFailures(w http.ResponseWriter, wait time.Duration) {
	secs := signin.RetryAfter(w, wait)
	writeProblem(w, Problem{Type: "/problems/too-many-failures", Status: http.StatusTooManyRequests,
		Detail: fmt.Sprintf("too many requests with unknown tokens from this address; try again in %d s", secs)})
}

// Identify returns whose a bearer token is: the web console's sign-in form
// asks, and then sends the token with every API call it makes.
func (s *Server) Identify(token string) (Identity, bool) { return s.tokens.Load().lookup(token) }
