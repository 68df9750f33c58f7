package rulebook_test

import (
	"fmt"
	"time"

	"github.com/lhuta/lhuta/domain"
	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/rulebook"
)

// A card reported lost the day before the new law and the day it took effect.
func ExampleFor() {
	for _, reported := range []calendar.Date{calendar.NewDate(2021, time.August, 1), calendar.NewDate(2021, time.August, 2)} {
		r := rulebook.For(reported)
		duty := r.ApplyForCardAfterIncident(reported)
		_, certificate := r.LossCertificateValidUntil(reported)
		fmt.Println(r.Statute(), duty.Due, duty.Offence.Code, "certificate:", certificate)
	}
	// Output:
	// zákon 328/1999 Sb. 2021-08-20 16a1c certificate: true
	// zákon 269/2021 Sb. 2021-08-23 65-late_application certificate: false
}

func ExampleRulebook_ApplyForCardAfterIncident() {
	reported := calendar.NewDate(2026, time.April, 1)
	duty := rulebook.For(reported).ApplyForCardAfterIncident(reported)
	fmt.Println(duty.Obligation, duty.Due)
	fmt.Println(duty.LegalBasis)
	fmt.Println("cap known:", duty.Offence.MaxFineCZK != nil)
	// Output:
	// apply_for_id_card 2026-04-24
	// zákon 269/2021 Sb., § 65 (sankce za nesplnění povinnosti)
	// cap known: false
}

func ExampleRulebook_Offence() {
	o, _ := rulebook.For(calendar.NewDate(2020, time.May, 4)).Offence("16a1n")
	fmt.Println(o.LegalBasis, *o.MaxFineCZK)
	// Output: zákon 328/1999 Sb., § 16a odst. 1 písm. n) 15000
}

func ExampleSLADue() {
	ready, _ := rulebook.SLADue(domain.Passport, domain.TwentyFourHours, calendar.NewDate(2026, time.April, 2))
	fmt.Println(ready)
	_, err := rulebook.SLADue(domain.IDCardTemporary, domain.TwentyFourHours, calendar.NewDate(2026, time.April, 2))
	fmt.Println(err)
	// Output:
	// 2026-04-07
	// rulebook: "id_card_temporary" on track "twenty_four_hours": processing track not offered for this document
}

func ExampleIDCardValidUntil() {
	issued := calendar.NewDate(2026, time.March, 10)
	fmt.Println(rulebook.IDCardValidUntil(issued, 14), rulebook.IDCardValidUntil(issued, 15), rulebook.IDCardValidUntil(issued, 70))
	// Output: 2031-03-10 2036-03-10 2061-03-10
}
