// Package sso signs staff in through the office's OpenID Connect provider
// (Keycloak, Entra ID, AD FS): the console's authorization code flow with
// PKCE, and the provider's JWT access tokens on the API, checked against its
// JWKS (issuer, audience, expiry, signature). The provider's groups (or
// roles) claim is mapped to lhuta roles and offices by LHUTA_OIDC_GROUPS;
// the person's name becomes recorded_by.
package sso

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/handlers"
)

// Config is the provider and how its people become lhuta identities.
type Config struct {
	// Issuer is the provider's issuer URL, exactly as its discovery
	// document spells it (LHUTA_OIDC_ISSUER).
	Issuer string
	// ClientID and ClientSecret are lhuta's client at the provider
	// (LHUTA_OIDC_CLIENT_ID, LHUTA_OIDC_CLIENT_SECRET; no secret: a public
	// client, PKCE only).
	ClientID, ClientSecret string
	// Audience is what the API's access tokens must be issued for
	// (LHUTA_OIDC_AUDIENCE; "": ClientID).
	Audience string
	// GroupsClaim names the claim that lists the person's groups or roles
	// ("": groups); a dotted name reaches into an object (realm_access.roles).
	GroupsClaim string
	// Groups maps the provider's groups to lhuta roles and offices.
	Groups Mapping
	// HTTPClient talks to the provider (nil: one with a 10 s timeout).
	HTTPClient *http.Client
	Log        *slog.Logger
}

// Provider is the identity provider, discovered on first use (lhuta starts
// while the provider is down, and the tokens file still signs people in).
type Provider struct {
	cfg Config

	mu sync.Mutex
	rp rp.RelyingParty
}

// New checks cfg and returns the provider; nothing is fetched yet.
func New(cfg Config) (*Provider, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" {
		return nil, errors.New("single sign-on needs both LHUTA_OIDC_ISSUER and LHUTA_OIDC_CLIENT_ID")
	}
	if len(cfg.Groups) == 0 {
		return nil, errors.New("LHUTA_OIDC_GROUPS maps no group to a role: nobody could sign in through the provider")
	}
	if cfg.Audience == "" {
		cfg.Audience = cfg.ClientID
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Provider{cfg: cfg}, nil
}

type nonceKey struct{}

// party returns the relying party, discovering the provider the first time
// it answers.
func (p *Provider) party(ctx context.Context) (rp.RelyingParty, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rp != nil {
		return p.rp, nil
	}
	party, err := rp.NewRelyingPartyOIDC(ctx, p.cfg.Issuer, p.cfg.ClientID, p.cfg.ClientSecret, "",
		[]string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail},
		rp.WithHTTPClient(p.cfg.HTTPClient), rp.WithSigningAlgsFromDiscovery(),
		rp.WithVerifierOpts(rp.WithNonce(func(ctx context.Context) string {
			nonce, _ := ctx.Value(nonceKey{}).(string)
			return nonce
		})))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", handlers.ErrProviderUnavailable, p.cfg.Issuer, err)
	}
	p.rp = party
	return party, nil
}

// Pending is a sign-in sent to the provider and not yet back: what the
// callback must match (State) and prove (the PKCE verifier, the nonce).
type Pending struct {
	State       string
	RedirectURI string
	verifier    string
	nonce       string
}

// Start begins a sign-in: it returns where to send the browser and what to
// keep until the provider sends it back to redirectURI.
func (p *Provider) Start(ctx context.Context, redirectURI string) (string, Pending, error) {
	party, err := p.party(ctx)
	if err != nil {
		return "", Pending{}, err
	}
	pending := Pending{State: random(), RedirectURI: redirectURI, verifier: oauth2.GenerateVerifier(), nonce: random()}
	u := party.OAuthConfig().AuthCodeURL(pending.State, oauth2.S256ChallengeOption(pending.verifier),
		oauth2.SetAuthURLParam("redirect_uri", redirectURI), oauth2.SetAuthURLParam("nonce", pending.nonce))
	return u, pending, nil
}

// Finish exchanges the code the provider sent back for the person's tokens
// (the ID token checked: issuer, audience, signature, expiry, nonce) and
// returns who signed in. A person whose groups map to no role gets an
// error wrapping handlers.ErrNoRole.
func (p *Provider) Finish(ctx context.Context, pending Pending, code string) (handlers.Identity, error) {
	party, err := p.party(ctx)
	if err != nil {
		return handlers.Identity{}, err
	}
	ctx = context.WithValue(ctx, nonceKey{}, pending.nonce)
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, code, party, func() []oauth2.AuthCodeOption {
		return []oauth2.AuthCodeOption{oauth2.VerifierOption(pending.verifier), oauth2.SetAuthURLParam("redirect_uri", pending.RedirectURI)}
	})
	if err != nil {
		return handlers.Identity{}, fmt.Errorf("code exchange: %w", err)
	}
	claims, err := asMap(tokens.IDTokenClaims)
	if err != nil {
		return handlers.Identity{}, err
	}
	// Providers put the groups and the name into the ID token or only into
	// the userinfo answer; ask for it when the ID token lacks either.
	if _, ok := lookup(claims, p.cfg.GroupsClaim); !ok || personName(claims) == "" {
		info, err := rp.Userinfo[*oidc.UserInfo](ctx, tokens.AccessToken, tokens.TokenType, tokens.IDTokenClaims.GetSubject(), party)
		if err != nil {
			return handlers.Identity{}, fmt.Errorf("userinfo: %w", err)
		}
		more, err := asMap(info)
		if err != nil {
			return handlers.Identity{}, err
		}
		for k, v := range more {
			if _, ok := claims[k]; !ok {
				claims[k] = v
			}
		}
	}
	return p.identity(claims)
}

// VerifyAccessToken checks a JWT access token of the provider (signature
// by a key of its JWKS, issuer, audience, expiry) and returns whose it is.
func (p *Provider) VerifyAccessToken(ctx context.Context, token string) (handlers.Identity, error) {
	party, err := p.party(ctx)
	if err != nil {
		return handlers.Identity{}, err
	}
	var at oidc.AccessTokenClaims
	payload, err := oidc.ParseToken(token, &at)
	if err != nil {
		return handlers.Identity{}, errors.New("access token is not a JWT")
	}
	v := party.IDTokenVerifier()
	if err := oidc.CheckIssuerWithISSVerifier(&at, p.cfg.Issuer, nil); err != nil {
		return handlers.Identity{}, errors.New("access token of another issuer")
	}
	if err := oidc.CheckAudience(&at, p.cfg.Audience); err != nil {
		return handlers.Identity{}, fmt.Errorf("access token not issued for %s (its audience: %s)", p.cfg.Audience, strings.Join(at.Audience, ", "))
	}
	if err := oidc.CheckSignature(ctx, token, payload, &at, v.SupportedSignAlgs, v.KeySet); err != nil {
		return handlers.Identity{}, fmt.Errorf("access token signature: %w", err)
	}
	if err := oidc.CheckExpiration(&at, 0); err != nil {
		return handlers.Identity{}, errors.New("access token expired")
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return handlers.Identity{}, err
	}
	return p.identity(claims)
}

// identity maps the claims of a person to a lhuta identity.
func (p *Provider) identity(claims map[string]any) (handlers.Identity, error) {
	name := personName(claims)
	raw, _ := lookup(claims, p.cfg.GroupsClaim)
	groups := claimStrings(raw)
	id, ok := p.cfg.Groups.identity(name, groups)
	if !ok {
		p.cfg.Log.Warn("single sign-on refused: no group maps to a role", "name", name, "claim", p.cfg.GroupsClaim, "groups", groups)
		return handlers.Identity{Name: name}, fmt.Errorf("%s: %w", name, handlers.ErrNoRole)
	}
	if name == "" {
		return handlers.Identity{}, errors.New("the provider names no one (no name, preferred_username, email or sub claim)")
	}
	return id, nil
}

// personName is who the claims are of, as recorded_by will say.
func personName(claims map[string]any) string {
	for _, key := range []string{"name", "preferred_username", "email"} {
		if s, ok := claims[key].(string); ok && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// lookup finds a claim, following dots into objects (realm_access.roles).
func lookup(claims map[string]any, name string) (any, bool) {
	if v, ok := claims[name]; ok {
		return v, true
	}
	var cur any = claims
	for _, part := range strings.Split(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// claimStrings reads a claim that is one string or a list of them.
func claimStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, s := range v {
			if s, ok := s.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func asMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Rule maps one group of the provider to a role and office.
type Rule struct {
	Group string
	Role  cases.Role
	// Office is the office whose cases the person may read and write,
	// several joined by "|"; "" (written "*") for every office.
	Office string
}

// Mapping is LHUTA_OIDC_GROUPS in order: a person in several mapped groups
// gets the first rule's role and office.
type Mapping []Rule

// ParseGroups reads LHUTA_OIDC_GROUPS: group=role:office entries separated
// by commas ("lhuta-clerks-nova-ves=clerk:nova-ves,lhuta-supervision=compliance_officer:*").
func ParseGroups(s string) (Mapping, error) {
	var m Mapping
	known := []cases.Role{cases.Clerk, cases.ComplianceOfficer, cases.Dashboard, cases.Admin, cases.RecordsOfficer}
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		group, who, ok := strings.Cut(entry, "=")
		role, office, ok2 := strings.Cut(who, ":")
		group, role, office = strings.TrimSpace(group), strings.TrimSpace(role), strings.TrimSpace(office)
		if !ok || !ok2 || group == "" || office == "" {
			return nil, fmt.Errorf("LHUTA_OIDC_GROUPS entry %q is not group=role:office (or group=role:* for every office)", entry)
		}
		if !slices.Contains(known, cases.Role(role)) {
			return nil, fmt.Errorf("LHUTA_OIDC_GROUPS entry %q has unknown role %q (known: clerk, compliance_officer, dashboard, admin, records_officer)", entry, role)
		}
		if office == "*" {
			office = ""
		}
		m = append(m, Rule{Group: group, Role: cases.Role(role), Office: office})
	}
	return m, nil
}

// identity is the identity of the first rule whose group the person is in.
func (m Mapping) identity(name string, groups []string) (handlers.Identity, bool) {
	for _, r := range m {
		if slices.Contains(groups, r.Group) {
			var offices []string
			if r.Office != "" {
				offices = strings.Split(r.Office, "|")
			}
			return handlers.Identity{Role: r.Role, Name: name, Offices: offices}, true
		}
	}
	return handlers.Identity{}, false
}
