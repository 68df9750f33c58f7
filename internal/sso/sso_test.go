package sso

import (
	"errors"
	"testing"

	"github.com/lhuta/lhuta/handlers"
)

// Groups map to roles and offices in the order configured; the claim may be
// a list, one string, or sit inside an object (Keycloak's realm roles).
func TestGroupsMapToRolesAndOffices(t *testing.T) {
	mapping, err := ParseGroups("lhuta-supervision=compliance_officer:*, lhuta-clerks-nova-ves=clerk:nova-ves,lhuta-tv=dashboard:*")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what   string
		claim  string
		claims map[string]any
		want   handlers.Identity
	}{
		{"a clerk of Nová Ves", "groups", map[string]any{"name": "Jana Nováková", "groups": []any{"zamestnanci", "lhuta-clerks-nova-ves"}},
			handlers.Identity{Role: "clerk", Name: "Jana Nováková", Office: "nova-ves"}},
		{"a supervisor who is also a clerk: the first entry wins", "groups",
			map[string]any{"name": "Petr Dozor", "groups": []any{"lhuta-clerks-nova-ves", "lhuta-supervision"}},
			handlers.Identity{Role: "compliance_officer", Name: "Petr Dozor"}},
		{"one role as a string, no name but a username", "roles", map[string]any{"preferred_username": "tv-chodba", "roles": "lhuta-tv"},
			handlers.Identity{Role: "dashboard", Name: "tv-chodba"}},
		{"Keycloak's realm roles", "realm_access.roles",
			map[string]any{"email": "jana@urad.example", "realm_access": map[string]any{"roles": []any{"lhuta-clerks-nova-ves"}}},
			handlers.Identity{Role: "clerk", Name: "jana@urad.example", Office: "nova-ves"}},
	} {
		p, err := New(Config{Issuer: "https://sso.urad.example", ClientID: "lhuta", GroupsClaim: c.claim, Groups: mapping})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := p.identity(c.claims); err != nil || got != c.want {
			t.Errorf("%s: %+v %v, want %+v", c.what, got, err, c.want)
		}
	}
	p, _ := New(Config{Issuer: "https://sso.urad.example", ClientID: "lhuta", Groups: mapping})
	if _, err := p.identity(map[string]any{"name": "Eva Kuchařová", "groups": []any{"kantyna"}}); !errors.Is(err, handlers.ErrNoRole) {
		t.Errorf("someone in no mapped group: %v, want ErrNoRole", err)
	}
	for _, bad := range []string{"lhuta-clerks=clerk", "lhuta-clerks=boss:*", "=clerk:nova-ves", "lhuta-clerks=clerk:"} {
		if _, err := ParseGroups(bad); err == nil {
			t.Errorf("LHUTA_OIDC_GROUPS=%q accepted", bad)
		}
	}
	if _, err := New(Config{Issuer: "https://sso.urad.example", ClientID: "lhuta"}); err == nil {
		t.Error("single sign-on with no group mapped accepted")
	}
}
