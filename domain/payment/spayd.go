package payment

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lhuta/lhuta/domain/calendar"
)

// ErrPayment means a payment cannot be written as a QR Platba string.
var ErrPayment = errors.New("invalid QR payment")

// Limits of the Short Payment Descriptor (SPAYD 1.0, Czech Banking Association).
const (
	maxAmountChars = 10 // AM: "9999999.00"
	maxVSDigits    = 10 // X-VS
	maxMessage     = 60 // MSG, in characters
)

// Payment is what a citizen pays: the amount in whole Kč to an account by a
// due date, with a variable symbol and a message for the recipient.
type Payment struct {
	IBAN string // the office's account, e.g. Account.IBAN()
	// AmountCZK is in whole Kč: fees and fines are (docs/LAW.md §7, §8).
	AmountCZK int
	// Due is the due date; the zero Date leaves it out.
	Due calendar.Date
	// AsOf is the day the string is made for: DT asks the bank to pay on
	// the due date, so it is written only while Due is on or after AsOf and
	// left out for an overdue item, never a past day (docs/LAW.md §9.3).
	AsOf calendar.Date
	// VariableSymbol is up to 10 digits; "" leaves it out.
	VariableSymbol string
	// SpecificSymbol is up to 10 digits; "" leaves it out (docs/LAW.md §9: X-SS
	// where a specific symbol is set).
	SpecificSymbol string
	// Message for the recipient, up to 60 characters; "" leaves it out.
	Message string
}

// SPAYD returns the QR Platba string of p,
// SPD*1.0*ACC:<IBAN>*AM:<amount>*CC:CZK*DT:<YYYYMMDD>*X-VS:<digits>*MSG:<text>,
// leaving out DT when there is no due date or it lies before AsOf, and X-VS
// and MSG when they are empty. The error wraps ErrPayment
// (and ErrIBAN for a bad account) and names the field that is wrong.
func SPAYD(p Payment) (string, error) {
	if err := ValidIBAN(p.IBAN); err != nil {
		return "", fmt.Errorf("%w: account: %w", ErrPayment, err)
	}
	amount := fmt.Sprintf("%d.00", p.AmountCZK)
	if p.AmountCZK <= 0 || len(amount) > maxAmountChars {
		return "", fmt.Errorf("%w: amount: %d Kč is not between 1 and 9 999 999 Kč (at most %d characters)", ErrPayment, p.AmountCZK, maxAmountChars)
	}
	if p.VariableSymbol != "" && !IsDigits(p.VariableSymbol, 1, maxVSDigits) {
		return "", fmt.Errorf("%w: variable symbol: %q is not 1 to %d digits", ErrPayment, p.VariableSymbol, maxVSDigits)
	}
	if p.SpecificSymbol != "" && !IsDigits(p.SpecificSymbol, 1, maxVSDigits) {
		return "", fmt.Errorf("%w: specific symbol: %q is not 1 to %d digits", ErrPayment, p.SpecificSymbol, maxVSDigits)
	}
	if err := checkMessage(p.Message); err != nil {
		return "", err
	}

	parts := []string{"SPD", "1.0", "ACC:" + p.IBAN, "AM:" + amount, "CC:CZK"}
	if !p.Due.IsZero() && !p.Due.Before(p.AsOf) {
		parts = append(parts, fmt.Sprintf("DT:%04d%02d%02d", p.Due.Year(), p.Due.Month(), p.Due.Day()))
	}
	if p.VariableSymbol != "" {
		parts = append(parts, "X-VS:"+p.VariableSymbol)
	}
	if p.SpecificSymbol != "" {
		parts = append(parts, "X-SS:"+p.SpecificSymbol)
	}
	if p.Message != "" {
		parts = append(parts, "MSG:"+p.Message)
	}
	return strings.Join(parts, "*"), nil
}

// checkMessage refuses a message that would break the string or not fit:
// an asterisk separates fields, and a banking app shows 60 characters.
func checkMessage(m string) error {
	switch {
	case !utf8.ValidString(m):
		return fmt.Errorf("%w: message: not valid UTF-8 text", ErrPayment)
	case utf8.RuneCountInString(m) > maxMessage:
		return fmt.Errorf("%w: message: %d characters, at most %d", ErrPayment, utf8.RuneCountInString(m), maxMessage)
	case strings.ContainsRune(m, '*'):
		return fmt.Errorf("%w: message: %q holds an asterisk, which separates QR Platba fields", ErrPayment, m)
	case strings.IndexFunc(m, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: message: %q holds a line break or another control character", ErrPayment, m)
	}
	return nil
}
