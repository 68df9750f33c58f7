// Package testidp runs a real OpenID Connect provider inside a test: the
// provider of github.com/zitadel/oidc/v3/pkg/op with the in-memory storage
// and login form of its example server, holding the test's people and
// clients. Its access tokens are JWTs carrying the person's groups and name
// (as Keycloak's with a groups mapper do); its ID tokens carry the groups
// and leave the name to the userinfo endpoint. Nothing here is a stub: the
// authorization code flow with PKCE, discovery, the JWKS, token signing and
// client authentication are the library's.
package testidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/oauth2"
	"golang.org/x/text/language"
)

// User is a person at the provider.
type User struct {
	Username, Password string
	// First and Last make the name claim ("Jana Nováková").
	First, Last string
	Groups      []string
}

// Client is an application registered at the provider.
type Client struct {
	ID, Secret   string
	RedirectURIs []string
}

// Provider is a running provider.
type Provider struct {
	// Issuer is the provider's issuer URL (http://127.0.0.1:port).
	Issuer  string
	storage *store
}

// Start runs a provider with users on a free port of 127.0.0.1 until the
// test ends; Register adds clients.
func Start(t testing.TB, users ...User) *Provider {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	us := userStore{}
	groups := map[string][]string{}
	for i, u := range users {
		id := "user-" + string(rune('a'+i))
		us[id] = &storage.User{ID: id, Username: u.Username, Password: u.Password, FirstName: u.First, LastName: u.Last,
			Email: u.Username + "@urad.example", EmailVerified: true, PreferredLanguage: language.Czech}
		groups[id] = u.Groups
	}
	st := &store{Storage: storage.NewStorageWithClients(us, map[string]*storage.Client{}), users: us, groups: groups, clients: map[string]Client{}}
	srv := &http.Server{Handler: exampleop.SetupServer(issuer, st, nil, false), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &Provider{Issuer: issuer, storage: st}
}

// Register registers a client (an application) at the provider: once the
// application's address, and so its redirect URI, is known.
func (p *Provider) Register(c Client) {
	p.storage.mu.Lock()
	defer p.storage.mu.Unlock()
	p.storage.clients[c.ID] = c
}

// AccessToken signs username in at the provider for client, through the
// provider's login form and the authorization code flow with PKCE, as a
// browser and a command-line application would, and returns the access
// token the provider issued.
func (p *Provider) AccessToken(t testing.TB, clientID, username, password string) string {
	t.Helper()
	p.storage.mu.Lock()
	c := p.storage.clients[clientID]
	p.storage.mu.Unlock()
	redirect := c.RedirectURIs[0]
	ctx := context.Background()
	party, err := rp.NewRelyingPartyOIDC(ctx, p.Issuer, c.ID, c.Secret, redirect, []string{oidc.ScopeOpenID, oidc.ScopeProfile})
	if err != nil {
		t.Fatal(err)
	}
	verifier := oauth2.GenerateVerifier()
	authURL := rp.AuthURL("state-1", party, rp.WithCodeChallenge(oauth2.S256ChallengeFromVerifier(verifier)))
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	form := url.Values{"id": {resp.Request.URL.Query().Get("authRequestID")}, "username": {username}, "password": {password}}
	resp, err = browser.PostForm(p.Issuer+"/login/username", form)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Query().Get("code") == "" {
		t.Fatalf("the provider did not send %s back with a code: %d %s", username, resp.StatusCode, resp.Header.Get("Location"))
	}
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, back.Query().Get("code"), party, rp.WithCodeVerifier(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return tokens.AccessToken
}

// Sign signs claims with the provider's own signing key, as the provider
// would, for tokens it will not issue on request (one that has expired).
func (p *Provider) Sign(t testing.TB, claims map[string]any) string {
	t.Helper()
	key, err := p.storage.SigningKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sign(t, key.Key(), key.ID(), claims)
}

// SignWithUnknownKey signs claims with a new key the provider's JWKS does
// not hold, under a key id it does not know.
func SignWithUnknownKey(t testing.TB, claims map[string]any) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return sign(t, key, "not-the-providers", claims)
}

func sign(t testing.TB, key any, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// store is the example storage with the people's groups and names in the
// tokens and JWT access tokens for every client.
type store struct {
	*storage.Storage
	users  userStore
	groups map[string][]string

	mu      sync.Mutex
	clients map[string]Client
}

// GetClientByClientID gives every client JWT access tokens.
func (s *store) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	s.mu.Lock()
	c, ok := s.clients[id]
	s.mu.Unlock()
	if !ok {
		return nil, errors.New("client not found")
	}
	return jwtClient{storage.WebClient(c.ID, c.Secret, c.RedirectURIs...)}, nil
}

// AuthorizeClientIDSecret checks a client's secret at the token endpoint.
func (s *store) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[id]; !ok || c.Secret != secret {
		return errors.New("wrong client id or secret")
	}
	return nil
}

type jwtClient struct{ *storage.Client }

func (jwtClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }

// GetPrivateClaimsFromScopes puts the groups and the name into the JWT
// access tokens.
func (s *store) GetPrivateClaimsFromScopes(_ context.Context, userID, _ string, _ []string) (map[string]any, error) {
	u := s.users[userID]
	if u == nil {
		return nil, nil
	}
	return map[string]any{"groups": s.groups[userID], "name": u.FirstName + " " + u.LastName}, nil
}

// SetUserinfoFromRequest puts the groups into the ID token.
func (s *store) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, req, scopes); err != nil {
		return err
	}
	info.AppendClaims("groups", s.groups[req.GetSubject()])
	return nil
}

// SetUserinfoFromToken puts the groups into the userinfo answer.
func (s *store) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, info, tokenID, subject, origin); err != nil {
		return err
	}
	info.AppendClaims("groups", s.groups[info.Subject])
	return nil
}

type userStore map[string]*storage.User

func (u userStore) GetUserByID(id string) *storage.User { return u[id] }
func (u userStore) GetUserByUsername(name string) *storage.User {
	for _, user := range u {
		if user.Username == name {
			return user
		}
	}
	return nil
}
func (userStore) ExampleClientID() string { return storage.ServiceUserID }
