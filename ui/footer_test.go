package ui_test

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/internal/buildinfo"
	"github.com/lhuta/lhuta/internal/testdb"
)

// Every page's footer says which build of lhuta serves it.
func TestFooterNamesTheBuild(t *testing.T) {
	st := newStack(t, testdb.SQLite(t), today)
	b := st.browser()
	want := `<footer class="build">lhuta ` + html.EscapeString(buildinfo.Get().Short()) + `</footer>`
	if p := b.get("/ui/login"); p.status != http.StatusOK || !strings.Contains(p.body, want) {
		t.Errorf("the sign-in page (%d) lacks %s", p.status, want)
	}
	b.signIn("clerk-token")
	if p := b.get("/ui/obligations"); p.status != http.StatusOK || !strings.Contains(p.body, want) {
		t.Errorf("the obligations page (%d) lacks %s", p.status, want)
	}
}
