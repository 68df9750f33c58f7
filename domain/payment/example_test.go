package payment_test

import (
	"fmt"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/payment"
)

// The village of seed 004 asks for the dog fee of house no. 154 in Nová Ves
// by a QR code.
func ExampleSPAYD() {
	account, err := payment.ParseAccount("0460043319/0800")
	if err != nil {
		fmt.Println(err)
		return
	}
	qr, err := payment.SPAYD(payment.Payment{
		IBAN:           account.IBAN(),
		AmountCZK:      200,
		Due:            calendar.NewDate(2026, time.February, 28),
		VariableSymbol: "1541",
		Message:        "Poplatek za psa Novak",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(qr)
	// Output:
	// SPD*1.0*ACC:CZ6308000000000460043319*AM:200.00*CC:CZK*DT:20260228*X-VS:1541*MSG:Poplatek za psa Novak
}

func ExampleParseAccount() {
	for _, s := range []string{"19-2000145399/0800", "19-2000145398/0800"} {
		a, err := payment.ParseAccount(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(a, a.IBAN())
	}
	// Output:
	// 19-2000145399/0800 CZ6508000000192000145399
	// invalid Czech account number: the number 2000145398 fails its mod-11 check (weights 6,3,7,9,10,5,8,4,2,1)
}
