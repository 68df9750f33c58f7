package teststack

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"math/big"
	"testing"
	"time"
)

// SelfSigned is a certificate of key's public key made from tmpl and signed
// by key itself, valid from an hour ago for a day.
func SelfSigned(tb testing.TB, tmpl x509.Certificate, key crypto.Signer) *x509.Certificate {
	tb.Helper()
	tmpl.SerialNumber = big.NewInt(1)
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, key.Public(), key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return cert
}
