// Package forwarded trusts what a reverse proxy says about a request
// (X-Forwarded-Proto, X-Forwarded-For) only when the request comes from one
// of the configured proxies' addresses (LHUTA_TRUSTED_PROXIES). From anyone
// else those headers are removed, so nothing behind Handler can be told by a
// client that it came over HTTPS or from another address.
package forwarded

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParseProxies reads LHUTA_TRUSTED_PROXIES: addresses or CIDR prefixes
// separated by commas ("10.0.0.5, 192.168.10.0/24").
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR prefix (10.0.0.5, 192.168.10.0/24)", part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

type httpsKey struct{}

// Handler serves h with the real scheme and client address of each
// request: from a trusted proxy, the scheme of X-Forwarded-Proto and the
// nearest untrusted address of X-Forwarded-For become the request's
// (HTTPS reports the one, r.RemoteAddr holds the other); from anyone else
// the forwarding headers are dropped.
func Handler(trusted []netip.Prefix, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isTrusted(trusted, r.RemoteAddr) {
			if r.Header.Get("X-Forwarded-Proto") != "" || r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
				r = r.Clone(r.Context())
				r.Header.Del("X-Forwarded-Proto")
				r.Header.Del("X-Forwarded-For")
				r.Header.Del("Forwarded")
			}
			h.ServeHTTP(w, r)
			return
		}
		r = r.Clone(r.Context())
		if strings.EqualFold(strings.TrimSpace(lastValue(r.Header.Values("X-Forwarded-Proto"))), "https") {
			r = r.WithContext(context.WithValue(r.Context(), httpsKey{}, true))
		}
		if client := clientAddr(trusted, r.Header.Values("X-Forwarded-For")); client != "" {
			r.RemoteAddr = net.JoinHostPort(client, "0")
		}
		h.ServeHTTP(w, r)
	})
}

// HTTPS reports whether the browser reached the service over HTTPS: served
// with TLS here, or by a trusted proxy that says so.
func HTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	https, _ := r.Context().Value(httpsKey{}).(bool)
	return https
}

// lastValue is the last of a header's comma-separated values: the one the
// nearest proxy wrote.
func lastValue(values []string) string {
	if len(values) == 0 {
		return ""
	}
	all := strings.Split(values[len(values)-1], ",")
	return all[len(all)-1]
}

// clientAddr walks X-Forwarded-For from the nearest hop back and returns
// the first address that is not a trusted proxy: every hop before it could
// have been written by the client itself.
func clientAddr(trusted []netip.Prefix, values []string) string {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return ""
		}
		if !contains(trusted, a) {
			return a.Unmap().String()
		}
	}
	return ""
}

func isTrusted(trusted []netip.Prefix, remoteAddr string) bool {
	ap, err := netip.ParseAddrPort(remoteAddr)
	return err == nil && contains(trusted, ap.Addr())
}

func contains(prefixes []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
