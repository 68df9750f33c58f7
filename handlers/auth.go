package handlers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
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
	// Offices, if set, are the only offices whose cases, citizens, payments
	// and figures the token may read and write; "*" (cases.AllOffices) is
	// every office, for regional supervision. A token without offices is
	// unscoped and, as before scopes applied to reads, reaches every office.
	Offices []string
}

// Scope returns the offices the identity is limited to, nil for every office.
func (id Identity) Scope() []string {
	if len(id.Offices) == 0 || slices.Contains(id.Offices, cases.AllOffices) {
		return nil
	}
	return id.Offices
}

// Sees reports whether the identity may see the cases of office.
func (id Identity) Sees(office string) bool {
	return id.Scope() == nil || slices.Contains(id.Offices, office)
}

// Same reports whether two identities are the same person with the same
// role and offices.
func (id Identity) Same(o Identity) bool {
	return id.Role == o.Role && id.Name == o.Name && slices.Equal(id.Offices, o.Offices)
}

// HomeOffice is the one office the identity is bound to, or "".
func (id Identity) HomeOffice() string {
	if s := id.Scope(); len(s) == 1 {
		return s[0]
	}
	return ""
}

// Tokens maps bearer tokens to identities. Only SHA-256 digests of the
// tokens are kept in memory, and they are compared in constant time.
type Tokens struct {
	digests [][sha256.Size]byte
	ids     []Identity
	// since and until are when each token was added and when it stops
	// being accepted (zero: not recorded, never).
	since, until []time.Time
}

var roles = []cases.Role{cases.Clerk, cases.ComplianceOfficer, cases.Dashboard, cases.Admin, cases.RecordsOfficer}

// ParseTokens reads "token=role:name" or "token=role:name:offices" entries
// separated by commas or new lines (LHUTA_TOKENS, docs/API.md); a line
// starting with # is a comment. offices is one office code, several joined
// by "|" ("nova-ves|stara-ves"), or "*" for every office; a token with
// offices reads and writes only the cases of those offices. An entry may
// end in ";created=…" and ";expires=…" (a date, the token's last day in
// Europe/Prague, or an RFC 3339 time): an expired token is refused.
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
		who, attrs, _ := strings.Cut(who, ";")
		role, name, ok2 := strings.Cut(who, ":")
		name, office, scoped := strings.Cut(name, ":")
		var offices []string
		if scoped {
			offices = strings.Split(office, "|")
		}
		if !ok || !ok2 || token == "" || name == "" || slices.ContainsFunc(offices, func(o string) bool { return strings.TrimSpace(o) == "" }) {
			return Tokens{}, fmt.Errorf("token entry %q is not token=role:name or token=role:name:office[|office…] (or :* for every office)", redactToken(pair))
		}
		if !slices.Contains(roles, cases.Role(role)) {
			return Tokens{}, fmt.Errorf("token entry for %q has unknown role %q (known: clerk, compliance_officer, dashboard, admin, records_officer)", name, role)
		}
		since, until, err := tokenDates(attrs)
		if err != nil {
			return Tokens{}, fmt.Errorf("token entry for %q: %w", name, err)
		}
		t.since, t.until = append(t.since, since), append(t.until, until)
		t.digests = append(t.digests, sha256.Sum256([]byte(token)))
		t.ids = append(t.ids, Identity{cases.Role(role), name, offices})
	}
	return t, nil
}

func redactToken(pair string) string {
	_, rest, _ := strings.Cut(pair, "=")
	return "…=" + rest
}

// Len returns the number of tokens.
func (t Tokens) Len() int { return len(t.ids) }

// ErrTokenExpired is a known token past its expiry.
var ErrTokenExpired = errors.New("token expired")

func (t Tokens) lookup(token string) (Identity, bool) {
	id, err := t.find(token, time.Now())
	return id, err == nil
}

// find returns whose token is, nil error only when it is known and not
// expired at now.
func (t Tokens) find(token string, now time.Time) (Identity, error) {
	d := sha256.Sum256([]byte(token))
	found := -1
	for i := range t.digests {
		if subtle.ConstantTimeCompare(d[:], t.digests[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Identity{}, errUnknownToken
	}
	if !t.until[found].IsZero() && !now.Before(t.until[found]) {
		return Identity{}, ErrTokenExpired
	}
	return t.ids[found], nil
}

var errUnknownToken = errors.New("unknown token")

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
		id, signedIn := r.Context().Value(signedInKey{}).(Identity)
		if !signedIn {
			scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") {
				w.Header().Set("WWW-Authenticate", `Bearer realm="lhuta"`)
				writeProblem(w, Problem{Type: "/problems/unauthenticated", Status: http.StatusUnauthorized,
					Detail: "send Authorization: Bearer <token>"})
				return
			}
			// Refused tokens are failed sign-ins of the address
			// (internal/signin): after the free ones, every request of the
			// address waits.
			address := signin.Address(signin.ClientAddress(r))
			if wait := s.signIn.Wait(address); wait > 0 {
				s.tooManyFailures(w, wait)
				return
			}
			var err error
			if id, err = s.bearer(r.Context(), strings.TrimSpace(token)); err != nil {
				if errors.Is(err, ErrNoRole) {
					writeProblem(w, Problem{Type: "/problems/forbidden", Status: http.StatusForbidden, Detail: err.Error()})
					return
				}
				if errors.Is(err, ErrProviderUnavailable) {
					w.Header().Set("Retry-After", "5")
					writeProblem(w, Problem{Type: "/problems/unavailable", Status: http.StatusServiceUnavailable, Detail: err.Error()})
					return
				}
				if wait := s.signIn.Fail(address); wait > 0 {
					s.tooManyFailures(w, wait)
					return
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="lhuta", error="invalid_token"`)
				writeProblem(w, Problem{Type: "/problems/unauthenticated", Status: http.StatusUnauthorized, Detail: err.Error()})
				return
			}
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

// bearer returns whose a bearer token is: a machine token of the tokens
// file, or else an access token of the identity provider (single sign-on).
func (s *Server) bearer(ctx context.Context, token string) (Identity, error) {
	id, err := s.tokens.Load().find(token, time.Now())
	if !errors.Is(err, errUnknownToken) || s.accessTokens == nil || strings.Count(token, ".") != 2 {
		return id, err
	}
	return s.accessTokens.VerifyAccessToken(ctx, token)
}

// AccessTokens verifies the identity provider's access tokens (JWTs) and
// says whose they are (internal/sso).
type AccessTokens interface {
	VerifyAccessToken(ctx context.Context, token string) (Identity, error)
}

// ErrNoRole is a person the identity provider vouches for whose groups
// map to no lhuta role: 403, not 401.
var ErrNoRole = errors.New("no group of this person is mapped to a lhuta role (LHUTA_OIDC_GROUPS)")

// ErrProviderUnavailable is an identity provider that cannot be asked
// (its discovery document does not load): 503, for a token it may well
// vouch for once it answers.
var ErrProviderUnavailable = errors.New("the identity provider cannot be reached")

type signedInKey struct{}

// SignedIn returns ctx carrying a person the caller has authenticated
// itself (the console's single sign-on): the API's routes let them in with
// their role, without a bearer token. Only code in this process can set a
// context, so no request from the network can claim an identity this way.
func SignedIn(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, signedInKey{}, id)
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
