package forwarded_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lhuta/lhuta/internal/forwarded"
)

func TestOnlyTrustedProxiesAreBelieved(t *testing.T) {
	trusted, err := forwarded.ParseProxies("10.0.0.5, 192.168.10.0/24")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what, remote, proto, xff string
		https                    bool
		client                   string
	}{
		{"the office's proxy, HTTPS", "10.0.0.5:41000", "https", "192.0.2.7", true, "192.0.2.7:0"},
		{"a proxy of the trusted subnet", "192.168.10.9:41000", "https", "192.0.2.7", true, "192.0.2.7:0"},
		{"a proxy that says http", "10.0.0.5:41000", "http", "192.0.2.7", false, "192.0.2.7:0"},
		{"a client that writes its own X-Forwarded-For before the proxy", "10.0.0.5:41000", "https", "203.0.113.66, 192.0.2.7", true, "192.0.2.7:0"},
		{"two trusted proxies in a row", "10.0.0.5:41000", "https", "192.0.2.7, 192.168.10.9", true, "192.0.2.7:0"},
		{"a client on the LAN claiming HTTPS", "192.0.2.7:50000", "https", "203.0.113.66", false, "192.0.2.7:50000"},
	} {
		var gotHTTPS bool
		var gotRemote, gotProto string
		h := forwarded.Handler(trusted, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			gotHTTPS, gotRemote, gotProto = forwarded.HTTPS(r), r.RemoteAddr, r.Header.Get("X-Forwarded-Proto")
		}))
		r := httptest.NewRequest(http.MethodGet, "http://lhuta.urad.example/ui/", nil)
		r.RemoteAddr = c.remote
		r.Header.Set("X-Forwarded-Proto", c.proto)
		r.Header.Set("X-Forwarded-For", c.xff)
		h.ServeHTTP(httptest.NewRecorder(), r)
		if gotHTTPS != c.https || gotRemote != c.client {
			t.Errorf("%s: HTTPS %v from %s, want %v from %s", c.what, gotHTTPS, gotRemote, c.https, c.client)
		}
		if c.remote == "192.0.2.7:50000" && gotProto != "" {
			t.Errorf("%s: X-Forwarded-Proto %q reached the handler", c.what, gotProto)
		}
	}
	if _, err := forwarded.ParseProxies("10.0.0.0/33"); err == nil {
		t.Error("10.0.0.0/33 accepted")
	}
}
