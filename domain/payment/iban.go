package payment

import (
	"errors"
	"fmt"
)

// ErrIBAN means an IBAN is malformed or fails its checks.
var ErrIBAN = errors.New("invalid IBAN")

// ValidIBAN checks an IBAN in its electronic form, capitals and no spaces
// ("CZ6508000000192000145399"): the country code, the check digits (ISO 13616,
// mod 97) and, for a Czech IBAN, its length and the mod-11 checks of the
// account inside. The error wraps ErrIBAN.
func ValidIBAN(s string) error {
	if len(s) < 15 || len(s) > 34 {
		return fmt.Errorf("%w: %q has %d characters, an IBAN has 15 to 34", ErrIBAN, s, len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i < 2 && (c < 'A' || c > 'Z'):
			return fmt.Errorf("%w: %q does not start with a country code in capitals", ErrIBAN, s)
		case i >= 2 && i < 4 && (c < '0' || c > '9'):
			return fmt.Errorf("%w: %q has no check digits after the country code", ErrIBAN, s)
		case (c < '0' || c > '9') && (c < 'A' || c > 'Z'):
			return fmt.Errorf("%w: %q holds %q; only digits and capital letters are allowed, without spaces", ErrIBAN, s, c)
		}
	}
	if mod97(s[4:]+s[:4]) != 1 {
		return fmt.Errorf("%w: %q fails its mod-97 check", ErrIBAN, s)
	}
	if s[:2] == "CZ" {
		return validCzechIBAN(s)
	}
	return nil
}

// validCzechIBAN checks the Czech BBAN: bank code (4), prefix (6), number (10).
func validCzechIBAN(s string) error {
	if len(s) != 24 || !IsDigits(s[4:], 20, 20) {
		return fmt.Errorf("%w: a Czech IBAN is CZ and 22 digits, %q is not", ErrIBAN, s)
	}
	if _, err := newAccount(s[8:14], s[14:], s[4:8]); err != nil {
		return fmt.Errorf("%w: the account inside %q: %w", ErrIBAN, s, err)
	}
	return nil
}

// mod97 returns the remainder of dividing by 97 the number written by s, with
// each capital letter standing for two digits (A = 10 … Z = 35), as ISO 13616
// computes it; it goes digit by digit, so no big integers are needed.
func mod97(s string) int {
	r := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			r = (r*100 + int(c-'A') + 10) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	return r
}
