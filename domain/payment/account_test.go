package payment_test

import (
	"errors"
	"testing"

	"github.com/lhuta/lhuta/domain/payment"
)

func TestParseAccount(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		canonical string
		iban      string
	}{
		{"account with a prefix: 000019 → 1·2 + 9·1 = 11, 2000145399 → 121 = 11·11",
			"19-2000145399/0800", "19-2000145399/0800", "CZ6508000000192000145399"},
		{"short account without a prefix: 123 → 1·4 + 2·2 + 3·1 = 11",
			"123/0100", "123/0100", "CZ7801000000000000000123"},
		{"the village's account for waste and dog fees in seed 004, written with a leading zero",
			"0460043319/0800", "460043319/0800", "CZ6308000000000460043319"},
		{"the Ministry of the Interior's income account in seed 004",
			"3711-8920071/0710", "3711-8920071/0710", "CZ4707100037110008920071"},
		{"a zero prefix is no prefix",
			"000000-123/0100", "123/0100", "CZ7801000000000000000123"},
		{"the number padded to 10 digits",
			"0000000123/0100", "123/0100", "CZ7801000000000000000123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := payment.ParseAccount(tt.in)
			if err != nil {
				t.Fatalf("ParseAccount(%q): %v", tt.in, err)
			}
			if a.String() != tt.canonical {
				t.Errorf("String = %q, want %q", a.String(), tt.canonical)
			}
			if a.IBAN() != tt.iban {
				t.Errorf("IBAN = %q, want %q", a.IBAN(), tt.iban)
			}
			if err := payment.ValidIBAN(a.IBAN()); err != nil {
				t.Errorf("ValidIBAN(IBAN()) = %v", err)
			}
		})
	}
}

func TestParseAccountRefuses(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty field", ""},
		{"bank code missing", "19-2000145399"},
		{"bank code of 3 digits", "19-2000145399/080"},
		{"bank code of 5 digits", "19-2000145399/08000"},
		{"two bank codes", "123/0100/0100"},
		{"letter in the bank code", "123/01O0"},
		{"number mistyped, fails mod 11 (2000145398 → 120)", "19-2000145398/0800"},
		{"prefix mistyped, fails mod 11 (18 → 1·2 + 8·1 = 10)", "18-2000145399/0800"},
		{"prefix of 7 digits", "1234567-2000145399/0800"},
		{"number of 11 digits", "19-12345678901/0800"},
		{"number of 1 digit", "0/0100"},
		{"number zero", "00/0100"},
		{"letters in the number", "12a/0100"},
		{"letters in the prefix", "1x-123/0100"},
		{"dash but no prefix", "-123/0100"},
		{"two dashes", "19--123/0100"},
		{"spaces", "19 - 2000145399 / 0800"},
		{"an IBAN is not an account number", "CZ6508000000192000145399"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := payment.ParseAccount(tt.in)
			if !errors.Is(err, payment.ErrAccount) {
				t.Fatalf("ParseAccount(%q) = %v, %v; want ErrAccount", tt.in, a, err)
			}
		})
	}
}

func TestValidIBAN(t *testing.T) {
	tests := []struct {
		name, in string
		valid    bool
	}{
		{"Czech IBAN", "CZ6508000000192000145399", true},
		{"Czech IBAN of a short account", "CZ7801000000000000000123", true},
		{"German IBAN (ISO 13616 example)", "DE89370400440532013000", true},
		{"Slovak IBAN", "SK3112000000198742637541", true},
		{"empty", "", false},
		{"check digits mistyped", "CZ6608000000192000145399", false},
		{"a digit of the account mistyped", "CZ6508000000192000145398", false},
		{"lower case", "cz6508000000192000145399", false},
		{"printed with spaces", "CZ65 0800 0000 1920 0014 5399", false},
		{"no check digits", "CZAB08000000192000145399", false},
		{"too long", "CZ65080000001920001453990000000000000", false},
		{"too short", "CZ650800", false},
		{"punctuation", "CZ65-0800000019200014539", false},
		// 124/0100 fails the account's mod-11 check (1·4 + 2·2 + 4·1 = 12),
		// though CZ51 are the right mod-97 check digits for it.
		{"Czech IBAN of an impossible account", "CZ5101000000000000000124", false},
		{"Czech IBAN one digit too long, mod 97 correct", "CZ82010000000000000000123", false},
		{"Czech IBAN with a letter in the account, mod 97 correct", "CZ3801000000000000000A12", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := payment.ValidIBAN(tt.in)
			if tt.valid && err != nil {
				t.Errorf("ValidIBAN(%q) = %v", tt.in, err)
			}
			if !tt.valid && !errors.Is(err, payment.ErrIBAN) {
				t.Errorf("ValidIBAN(%q) = %v, want ErrIBAN", tt.in, err)
			}
		})
	}
}
