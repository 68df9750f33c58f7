package fees_test

import (
	"fmt"

	"github.com/lhuta/lhuta/domain"
	"github.com/lhuta/lhuta/domain/fees"
)

// A 40-year-old lost her card; she wants a card without chip within 5 working
// days, applies at her ORP and collects it at the ministry in Prague.
func ExamplePrice() {
	fee, err := fees.Price(fees.Application{
		Document:               domain.IDCard,
		Track:                  domain.FiveWorkingDays,
		Age:                    40,
		Reason:                 fees.ReasonLost,
		PermanentResidenceInCZ: true,
		FilingOffice:           domain.MunicipalOffice,
		PickupOffice:           domain.Ministry,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("at filing %d Kč, at collection %d Kč\n", fee.AtFiling, fee.AtCollection)
	for _, l := range fee.Lines {
		fmt.Printf("%s: %s\n", l.Part, l.Reason)
	}
	// Output:
	// at filing 250 Kč, at collection 250 Kč
	// filing: a card within 5 working days for a citizen of 15 or more, applied for at an ORP and collected at the ministry: first part 250 Kč, paid at filing (seed 002)
	// collection: a card within 5 working days for a citizen of 15 or more, applied for at an ORP and collected at the ministry: second part 250 Kč, paid at collection (seed 002)
}

// A card within 24 hours can be collected only at the ministry.
func ExamplePrice_notOffered() {
	_, err := fees.Price(fees.Application{
		Document:               domain.IDCardChip,
		Track:                  domain.TwentyFourHours,
		Age:                    40,
		Reason:                 fees.ReasonExpiry,
		PermanentResidenceInCZ: true,
		FilingOffice:           domain.MunicipalOffice,
	})
	fmt.Println(err)
	// Output:
	// not offered: a card within 24 hours on working days is collected only at the ministry, not at an ORP (seed 002)
}
