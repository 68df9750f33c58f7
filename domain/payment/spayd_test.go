package payment_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/payment"
)

const office = "CZ6508000000192000145399" // 19-2000145399/0800

func TestSPAYD(t *testing.T) {
	tests := []struct {
		name string
		p    payment.Payment
		want string
	}{
		{"fee for a chip card, due 24 Apr 2026, with variable symbol and message",
			payment.Payment{IBAN: office, AmountCZK: 500, Due: calendar.NewDate(2026, time.April, 24),
				VariableSymbol: "1541", Message: "Poplatek za OP"},
			"SPD*1.0*ACC:CZ6508000000192000145399*AM:500.00*CC:CZK*DT:20260424*X-VS:1541*MSG:Poplatek za OP"},
		{"asked about on the due date itself: DT is that day",
			payment.Payment{IBAN: office, AmountCZK: 1200, Due: calendar.NewDate(2026, time.March, 2), AsOf: calendar.NewDate(2026, time.March, 2)},
			"SPD*1.0*ACC:CZ6508000000192000145399*AM:1200.00*CC:CZK*DT:20260302"},
		{"asked about the day after the due date: overdue, so no DT (never a past day)",
			payment.Payment{IBAN: office, AmountCZK: 1200, Due: calendar.NewDate(2026, time.March, 2), AsOf: calendar.NewDate(2026, time.March, 3),
				VariableSymbol: "1541"},
			"SPD*1.0*ACC:CZ6508000000192000145399*AM:1200.00*CC:CZK*X-VS:1541"},
		{"amount only: no due date, no symbol, no message",
			payment.Payment{IBAN: office, AmountCZK: 100},
			"SPD*1.0*ACC:CZ6508000000192000145399*AM:100.00*CC:CZK"},
		{"fine of 10 000 Kč with the largest variable symbol",
			payment.Payment{IBAN: office, AmountCZK: 10000, VariableSymbol: "9999999999"},
			"SPD*1.0*ACC:CZ6508000000192000145399*AM:10000.00*CC:CZK*X-VS:9999999999"},
		{"the largest amount that fits in 10 characters",
			payment.Payment{IBAN: office, AmountCZK: 9999999},
			"SPD*1.0*ACC:CZ6508000000192000145399*AM:9999999.00*CC:CZK"},
		{"message with Czech letters, exactly 60 characters",
			payment.Payment{IBAN: office, AmountCZK: 1200, Due: calendar.NewDate(2026, time.February, 28),
				Message: strings.Repeat("Ž", 60)},
			"SPD*1.0*ACC:CZ6508000000192000145399*AM:1200.00*CC:CZK*DT:20260228*MSG:" + strings.Repeat("Ž", 60)},
		{"variable symbol with leading zeros kept",
			payment.Payment{IBAN: office, AmountCZK: 50, VariableSymbol: "0001"},
			"SPD*1.0*ACC:CZ6508000000192000145399*AM:50.00*CC:CZK*X-VS:0001"},
		{"administrative fee to the Ministry (seed 004): VS 1111 + birth-number suffix, specific symbol 433",
			payment.Payment{IBAN: "CZ4707100037110008920071", AmountCZK: 50, VariableSymbol: "11116823", SpecificSymbol: "433",
				Message: "Jana Novakova"},
			"SPD*1.0*ACC:CZ4707100037110008920071*AM:50.00*CC:CZK*X-VS:11116823*X-SS:433*MSG:Jana Novakova"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := payment.SPAYD(tt.p)
			if err != nil {
				t.Fatalf("SPAYD: %v", err)
			}
			if got != tt.want {
				t.Errorf("SPAYD =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestSPAYDRefuses(t *testing.T) {
	ok := payment.Payment{IBAN: office, AmountCZK: 500, VariableSymbol: "1541", Message: "Poplatek"}
	tests := []struct {
		name   string
		change func(p *payment.Payment)
		also   error
	}{
		{"no account", func(p *payment.Payment) { p.IBAN = "" }, payment.ErrIBAN},
		{"account number instead of IBAN", func(p *payment.Payment) { p.IBAN = "19-2000145399/0800" }, payment.ErrIBAN},
		{"IBAN mistyped", func(p *payment.Payment) { p.IBAN = "CZ6508000000192000145398" }, payment.ErrIBAN},
		{"IBAN with an asterisk", func(p *payment.Payment) { p.IBAN = "CZ650800000019200014539*" }, payment.ErrIBAN},
		{"nothing to pay", func(p *payment.Payment) { p.AmountCZK = 0 }, nil},
		{"negative amount", func(p *payment.Payment) { p.AmountCZK = -500 }, nil},
		{"amount of 11 characters", func(p *payment.Payment) { p.AmountCZK = 10000000 }, nil},
		{"variable symbol of 11 digits", func(p *payment.Payment) { p.VariableSymbol = "12345678901" }, nil},
		{"variable symbol with letters", func(p *payment.Payment) { p.VariableSymbol = "OP1541" }, nil},
		{"variable symbol with an asterisk", func(p *payment.Payment) { p.VariableSymbol = "15*41" }, nil},
		{"specific symbol with letters", func(p *payment.Payment) { p.SpecificSymbol = "SS433" }, nil},
		{"variable symbol with a space", func(p *payment.Payment) { p.VariableSymbol = "154 1" }, nil},
		{"message of 61 characters", func(p *payment.Payment) { p.Message = strings.Repeat("a", 61) }, nil},
		{"message with an asterisk", func(p *payment.Payment) { p.Message = "Poplatek *OP*" }, nil},
		{"message with a line break", func(p *payment.Payment) { p.Message = "Poplatek\nOP" }, nil},
		{"message that is not UTF-8", func(p *payment.Payment) { p.Message = "Poplatek \xff" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			tt.change(&p)
			got, err := payment.SPAYD(p)
			if !errors.Is(err, payment.ErrPayment) {
				t.Fatalf("SPAYD = %q, %v; want ErrPayment", got, err)
			}
			if tt.also != nil && !errors.Is(err, tt.also) {
				t.Errorf("SPAYD error %v does not wrap %v", err, tt.also)
			}
			if got != "" {
				t.Errorf("SPAYD returned %q with its error", got)
			}
		})
	}
	if _, err := payment.SPAYD(ok); err != nil {
		t.Fatalf("the unchanged payment is refused: %v", err)
	}
}
