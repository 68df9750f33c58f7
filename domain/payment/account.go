// Package payment turns a fee or a fine into something a citizen can pay
// (docs/LAW.md §9, seeds 000 and 004): a Czech account number checked the way
// the Czech National Bank prescribes (vyhláška ČNB 169/2011 Sb.), its IBAN,
// and a QR Platba string (SPAYD) for the citizen's banking app.
package payment

import (
	"errors"
	"fmt"
	"strings"
)

// ErrAccount means a Czech account number is malformed or fails its mod-11 check.
var ErrAccount = errors.New("invalid Czech account number")

// Account is a Czech bank account number, prefix-number/bank, that passed
// every check of ParseAccount.
type Account struct {
	prefix string // up to 6 digits, without leading zeros; "" for none
	number string // 2 to 10 digits, without leading zeros
	bank   string // 4 digits
}

// Weights of the mod-11 checks of the prefix and the number (vyhláška ČNB
// 169/2011 Sb.), applied to the parts zero-padded to 6 and 10 digits.
var (
	prefixWeights = []int{10, 5, 8, 4, 2, 1}
	numberWeights = []int{6, 3, 7, 9, 10, 5, 8, 4, 2, 1}
)

// ParseAccount reads a Czech account number "prefix-number/bank" (the prefix
// and its dash optional), such as "19-2000145399/0800" or "123/0100", and
// checks it; the error wraps ErrAccount and says which part is wrong.
func ParseAccount(s string) (Account, error) {
	rest, bank, ok := strings.Cut(s, "/")
	if !ok {
		return Account{}, fmt.Errorf("%w: %q has no bank code after a slash", ErrAccount, s)
	}
	if !IsDigits(bank, 4, 4) {
		return Account{}, fmt.Errorf("%w: the bank code %q is not 4 digits", ErrAccount, bank)
	}
	prefix, number, hasPrefix := strings.Cut(rest, "-")
	if !hasPrefix {
		prefix, number = "", rest
	}
	if hasPrefix && !IsDigits(prefix, 1, 6) {
		return Account{}, fmt.Errorf("%w: the prefix %q is not 1 to 6 digits", ErrAccount, prefix)
	}
	if !IsDigits(number, 2, 10) {
		return Account{}, fmt.Errorf("%w: the number %q is not 2 to 10 digits", ErrAccount, number)
	}
	return newAccount(prefix, number, bank)
}

// newAccount checks the prefix and the number, given as digits, against their
// mod-11 checks and returns the account.
func newAccount(prefix, number, bank string) (Account, error) {
	if !weighted(prefix, prefixWeights) {
		return Account{}, fmt.Errorf("%w: the prefix %s fails its mod-11 check (weights 10,5,8,4,2,1)", ErrAccount, prefix)
	}
	if !weighted(number, numberWeights) {
		return Account{}, fmt.Errorf("%w: the number %s fails its mod-11 check (weights 6,3,7,9,10,5,8,4,2,1)", ErrAccount, number)
	}
	number = strings.TrimLeft(number, "0")
	if number == "" {
		return Account{}, fmt.Errorf("%w: the number is zero", ErrAccount)
	}
	return Account{prefix: strings.TrimLeft(prefix, "0"), number: number, bank: bank}, nil
}

// weighted reports whether the digits, right-aligned to the weights, have a
// weighted sum divisible by 11.
func weighted(digits string, weights []int) bool {
	offset := len(weights) - len(digits)
	sum := 0
	for i := 0; i < len(digits); i++ {
		sum += int(digits[i]-'0') * weights[offset+i]
	}
	return sum%11 == 0
}

// IsDigits reports whether s is between min and max ASCII digits long.
func IsDigits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String returns the account as prefix-number/bank, without leading zeros and
// without the prefix when it is zero: "19-2000145399/0800", "460043319/0800".
func (a Account) String() string {
	if a.prefix == "" {
		return a.number + "/" + a.bank
	}
	return a.prefix + "-" + a.number + "/" + a.bank
}

// IBAN returns the account's IBAN: CZ, two check digits, then the BBAN made of
// the bank code, the prefix padded to 6 digits and the number padded to 10.
func (a Account) IBAN() string {
	bban := a.bank + pad(a.prefix, 6) + pad(a.number, 10)
	return fmt.Sprintf("CZ%02d%s", 98-mod97(bban+"CZ00"), bban)
}

func pad(digits string, n int) string {
	return strings.Repeat("0", n-len(digits)) + digits
}
