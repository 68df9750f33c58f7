package fees_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain"
	"github.com/lhuta/lhuta/domain/fees"
)

const (
	orp      = domain.MunicipalOffice
	ministry = domain.Ministry
	embassy  = domain.Embassy
)

// card is a standard-track card application by a 40-year-old with permanent
// residence in the Czech Republic, filed and collected at the same ORP;
// each case changes what it is about.
func card(doc domain.Document, reason fees.Reason) fees.Application {
	return fees.Application{
		Document: doc, Track: domain.Standard, Age: 40, Reason: reason,
		PermanentResidenceInCZ: true, FilingOffice: orp,
	}
}

// passport is a passport application by a 40-year-old on the given track.
func passport(track domain.Track, from, to domain.OfficeKind) fees.Application {
	return fees.Application{
		Document: domain.Passport, Track: track, Age: 40,
		PermanentResidenceInCZ: true, FilingOffice: from, PickupOffice: to,
	}
}

// fast is a fast-track card application without chip by a 40-year-old after a loss.
func fast(track domain.Track, from, to domain.OfficeKind) fees.Application {
	a := card(domain.IDCard, fees.ReasonLost)
	a.Track, a.FilingOffice, a.PickupOffice = track, from, to
	return a
}

// The application a, with one thing changed.
func aged(a fees.Application, age int) fees.Application                { a.Age = age; return a }
func as(a fees.Application, doc domain.Document) fees.Application      { a.Document = doc; return a }
func because(a fees.Application, r fees.Reason) fees.Application       { a.Reason = r; return a }
func onTrack(a fees.Application, track domain.Track) fees.Application  { a.Track = track; return a }
func filedAt(a fees.Application, o domain.OfficeKind) fees.Application { a.FilingOffice = o; return a }
func collectedAt(a fees.Application, o domain.OfficeKind) fees.Application {
	a.PickupOffice = o
	return a
}

func withoutResidence(a fees.Application) fees.Application {
	a.PermanentResidenceInCZ = false
	return a
}

func collectedAtAnotherORP(a fees.Application) fees.Application {
	a.PickupAtAnotherOffice = true
	return a
}

// Every figure of docs/LAW.md §8, as a clerk meets it at the counter.
func TestPrice(t *testing.T) {
	tests := []struct {
		name               string
		app                fees.Application
		filing, collection int
	}{
		// ID card, standard track: card with chip.
		{"lost card, 40-year-old, chip card, standard, filed and collected at the ORP → 500 at filing",
			card(domain.IDCardChip, fees.ReasonLost), 500, 0},
		{"card expires next month, chip card → 500 at filing, the chip is never free",
			card(domain.IDCardChip, fees.ReasonExpiry), 500, 0},
		{"moved house, chip card → 500",
			card(domain.IDCardChip, fees.ReasonResidenceChange), 500, 0},
		{"married, card shows marital status, chip card → 500",
			card(domain.IDCardChip, fees.ReasonMaritalStatusChange), 500, 0},
		{"first card on the 15th birthday, chip card → 500",
			aged(card(domain.IDCardChip, fees.ReasonFirstCard), 15), 500, 0},
		{"new citizen, chip card → 500",
			card(domain.IDCardChip, fees.ReasonNewCitizen), 500, 0},
		{"residence record cancelled, chip card → 500",
			card(domain.IDCardChip, fees.ReasonResidenceRecordCancelled), 500, 0},
		{"9-year-old's first card with chip → 500, not the child rate",
			aged(card(domain.IDCardChip, fees.ReasonFirstCard), 9), 500, 0},
		{"citizen living abroad, chip card → 500",
			withoutResidence(card(domain.IDCardChip, fees.ReasonExpiry)), 500, 0},
		{"wants a new chip card a year before expiry → 500",
			card(domain.IDCardChip, fees.ReasonOwnRequest), 500, 0},

		// ID card, standard track: card without chip.
		{"lost card, 40-year-old, card without chip → 100 at filing",
			card(domain.IDCard, fees.ReasonLost), 100, 0},
		{"stolen card, card without chip → 100",
			card(domain.IDCard, fees.ReasonStolen), 100, 0},
		{"card went through the washing machine, card without chip → 100",
			card(domain.IDCard, fees.ReasonDamaged), 100, 0},
		{"card burnt in a house fire, card without chip → 100",
			card(domain.IDCard, fees.ReasonDestroyed), 100, 0},
		{"chip certificate at risk of misuse, card without chip → 100",
			card(domain.IDCard, fees.ReasonCertificateMisuse), 100, 0},
		{"12-year-old's first card without chip → 50",
			aged(card(domain.IDCard, fees.ReasonFirstCard), 12), 50, 0},
		{"14-year-old lost the card, card without chip → the child rate 50",
			aged(card(domain.IDCard, fees.ReasonLost), 14), 50, 0},
		{"citizen of 30 living in Germany, card expires, card without chip → 100",
			withoutResidence(card(domain.IDCard, fees.ReasonExpiry)), 100, 0},
		{"wants a new card a year before expiry, card without chip → 200",
			card(domain.IDCard, fees.ReasonOwnRequest), 200, 0},
		{"got a PhD and wants the title on the card, card without chip → 200",
			card(domain.IDCard, fees.ReasonAcademicTitle), 200, 0},
		{"card expires in 3 months, card without chip → free",
			card(domain.IDCard, fees.ReasonExpiry), 0, 0},
		{"moved house, card without chip → free",
			card(domain.IDCard, fees.ReasonResidenceChange), 0, 0},
		{"residence record cancelled, card without chip → free",
			card(domain.IDCard, fees.ReasonResidenceRecordCancelled), 0, 0},
		{"divorced, card shows marital status, card without chip → free",
			card(domain.IDCard, fees.ReasonMaritalStatusChange), 0, 0},
		{"first card on the 15th birthday, card without chip → free",
			aged(card(domain.IDCard, fees.ReasonFirstCard), 15), 0, 0},
		{"new citizen, card without chip → free",
			card(domain.IDCard, fees.ReasonNewCitizen), 0, 0},
		{"name changed by decision, chip card → 500",
			card(domain.IDCardChip, fees.ReasonNameChange), 500, 0},
		{"name changed, 12-year-old, card without chip → the child rate 50",
			aged(card(domain.IDCard, fees.ReasonNameChange), 12), 50, 0},

		// ID card, standard track: collection at another ORP.
		{"lost card without chip, collected at another ORP named in the application → 100 + 100 at collection",
			collectedAtAnotherORP(card(domain.IDCard, fees.ReasonLost)), 100, 100},
		{"card expires, chip card, collected at another ORP → 500 + 100 at collection",
			collectedAtAnotherORP(card(domain.IDCardChip, fees.ReasonExpiry)), 500, 100},
		{"moved house, card without chip, collected at another ORP → 0 + 100 at collection",
			collectedAtAnotherORP(card(domain.IDCard, fees.ReasonResidenceChange)), 0, 100},

		// Temporary card.
		{"lost card, temporary card for the month until the new one is ready → 100",
			card(domain.IDCardTemporary, fees.ReasonLost), 100, 0},
		{"stolen card, temporary card → 100",
			card(domain.IDCardTemporary, fees.ReasonStolen), 100, 0},
		{"damaged card, temporary card → 100",
			card(domain.IDCardTemporary, fees.ReasonDamaged), 100, 0},
		{"destroyed card, temporary card → 100",
			card(domain.IDCardTemporary, fees.ReasonDestroyed), 100, 0},
		{"new citizen, temporary card for 3 months → 100",
			card(domain.IDCardTemporary, fees.ReasonNewCitizen), 100, 0},
		{"residence record cancelled, temporary card → 100",
			card(domain.IDCardTemporary, fees.ReasonResidenceRecordCancelled), 100, 0},
		{"needs a card to vote on Saturday, temporary card → free",
			card(domain.IDCardTemporary, fees.ReasonVoting), 0, 0},

		// ID card within 24 hours on working days.
		{"card in 24 hours, 40-year-old, filed and collected at the ministry → 1000 at filing",
			fast(domain.TwentyFourHours, ministry, ministry), 1000, 0},
		{"card in 24 hours, 10-year-old, filed and collected at the ministry → 500 at filing",
			aged(fast(domain.TwentyFourHours, ministry, ministry), 10), 500, 0},
		{"card in 24 hours, 40-year-old, filed at the ORP, collected at the ministry → 500 + 500",
			fast(domain.TwentyFourHours, orp, ministry), 500, 500},
		{"card in 24 hours, 10-year-old, filed at the ORP, collected at the ministry → 250 + 250",
			aged(fast(domain.TwentyFourHours, orp, ministry), 10), 250, 250},
		{"chip card in 24 hours after expiry, ministry → still the flat 1000",
			because(as(fast(domain.TwentyFourHours, ministry, ministry), domain.IDCardChip), fees.ReasonExpiry), 1000, 0},

		// ID card within 5 working days.
		{"card in 5 working days, 40-year-old, filed and collected at the ministry → 500",
			fast(domain.FiveWorkingDays, ministry, ministry), 500, 0},
		{"card in 5 working days, 10-year-old, filed and collected at the ministry → 300",
			aged(fast(domain.FiveWorkingDays, ministry, ministry), 10), 300, 0},
		{"card in 5 working days, 40-year-old, filed at the ORP, collected at the ministry → 250 + 250",
			fast(domain.FiveWorkingDays, orp, ministry), 250, 250},
		{"card in 5 working days, 10-year-old, filed at the ORP, collected at the ministry → 200 + 100",
			aged(fast(domain.FiveWorkingDays, orp, ministry), 10), 200, 100},
		{"card in 5 working days, 40-year-old, filed and collected at the ORP → 500",
			fast(domain.FiveWorkingDays, orp, orp), 500, 0},
		{"card in 5 working days, 10-year-old, filed and collected at the ORP → 300",
			aged(fast(domain.FiveWorkingDays, orp, orp), 10), 300, 0},
		{"card in 5 working days, collected at another ORP → 500, no extra 100 on a fast track",
			collectedAtAnotherORP(fast(domain.FiveWorkingDays, orp, "")), 500, 0},

		// Passport, standard track.
		{"passport, 40-year-old, filed and collected at the ORP → 600",
			passport(domain.Standard, orp, ""), 600, 0},
		{"passport, 8-year-old → 100",
			aged(passport(domain.Standard, orp, orp), 8), 100, 0},
		{"passport, 15-year-old pays the adult 600",
			aged(passport(domain.Standard, orp, orp), 15), 600, 0},
		{"passport, 40-year-old, collected at another ORP → 600 + 100 at collection",
			collectedAtAnotherORP(passport(domain.Standard, orp, orp)), 600, 100},
		{"passport, 8-year-old, collected at another ORP → 100 + 100 at collection",
			aged(collectedAtAnotherORP(passport(domain.Standard, orp, orp)), 8), 100, 100},

		// Passport within 5 working days.
		{"passport in 5 working days, 40-year-old, ministry → 3000",
			passport(domain.FiveWorkingDays, ministry, ministry), 3000, 0},
		{"passport in 5 working days, 8-year-old, ministry → 1000",
			aged(passport(domain.FiveWorkingDays, ministry, ministry), 8), 1000, 0},
		{"passport in 5 working days, 40-year-old, filed and collected at the same ORP → 3000",
			passport(domain.FiveWorkingDays, orp, orp), 3000, 0},
		{"passport in 5 working days, 8-year-old, filed and collected at the same ORP → 1000",
			aged(passport(domain.FiveWorkingDays, orp, orp), 8), 1000, 0},
		{"passport in 5 working days, 40-year-old, ORP → ministry → 2000 + 1000",
			passport(domain.FiveWorkingDays, orp, ministry), 2000, 1000},
		{"passport in 5 working days, 8-year-old, ORP → ministry → 500 + 500",
			aged(passport(domain.FiveWorkingDays, orp, ministry), 8), 500, 500},

		// Passport within 24 hours on working days.
		{"passport in 24 hours, 40-year-old, ministry → 6000",
			passport(domain.TwentyFourHours, ministry, ""), 6000, 0},
		{"passport in 24 hours, 8-year-old, ministry → 2000",
			aged(passport(domain.TwentyFourHours, ministry, ministry), 8), 2000, 0},
		{"passport in 24 hours, 40-year-old, ORP → ministry → 4000 + 2000",
			passport(domain.TwentyFourHours, orp, ministry), 4000, 2000},
		{"passport in 24 hours, 8-year-old, ORP → ministry → 1500 + 500",
			aged(passport(domain.TwentyFourHours, orp, ministry), 8), 1500, 500},
		{"lost passport: the reason does not change the fee → 600",
			because(passport(domain.Standard, orp, orp), fees.ReasonLost), 600, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := fees.Price(tt.app)
			if err != nil {
				t.Fatalf("Price: %v", err)
			}
			if f.AtFiling != tt.filing || f.AtCollection != tt.collection {
				t.Errorf("Price = %d at filing + %d at collection, want %d + %d; lines %+v",
					f.AtFiling, f.AtCollection, tt.filing, tt.collection, f.Lines)
			}
			checkLines(t, f)
		})
	}
}

// checkLines checks that the lines explain every crown of f, and nothing else.
func checkLines(t *testing.T, f fees.Fee) {
	t.Helper()
	if len(f.Lines) == 0 {
		t.Fatal("no line explains the fee")
	}
	sum := map[fees.Part]int{}
	for _, l := range f.Lines {
		if l.Reason == "" {
			t.Errorf("line %+v has no reason", l)
		}
		if l.Part != fees.PartFiling && l.Part != fees.PartCollection {
			t.Errorf("line %+v has an unknown part", l)
		}
		sum[l.Part] += l.AmountCZK
	}
	if sum[fees.PartFiling] != f.AtFiling || sum[fees.PartCollection] != f.AtCollection {
		t.Errorf("lines add up to %d + %d, fee is %d + %d", sum[fees.PartFiling], sum[fees.PartCollection], f.AtFiling, f.AtCollection)
	}
	if f.Total() != f.AtFiling+f.AtCollection {
		t.Errorf("Total = %d, want %d", f.Total(), f.AtFiling+f.AtCollection)
	}
}

// The lines say why, in words a clerk can read out.
func TestPriceLines(t *testing.T) {
	tests := []struct {
		name string
		app  fees.Application
		want []fees.Line
	}{
		{"lost card without chip, collected at another ORP",
			collectedAtAnotherORP(card(domain.IDCard, fees.ReasonLost)),
			[]fees.Line{
				{Part: fees.PartFiling, AmountCZK: 100, Reason: "card without chip because the old card was lost: 100 Kč (seeds 002, 003)"},
				{Part: fees.PartCollection, AmountCZK: 100, Reason: "collected at another ORP named in the application: 100 Kč, paid at collection (seeds 002, 003)"},
			}},
		{"card expires, card without chip",
			card(domain.IDCard, fees.ReasonExpiry),
			[]fees.Line{{Part: fees.PartFiling, AmountCZK: 0, Reason: "no fee: card without chip because the old card expires within 6 months (seed 003)"}}},
		{"lost card, chip card",
			card(domain.IDCardChip, fees.ReasonLost),
			[]fees.Line{{Part: fees.PartFiling, AmountCZK: 500, Reason: "card with contact chip, whatever the reason (the old card was lost): 500 Kč (seeds 002, 003)"}}},
		{"child's first card without chip",
			aged(card(domain.IDCard, fees.ReasonFirstCard), 12),
			[]fees.Line{{Part: fees.PartFiling, AmountCZK: 50, Reason: "card without chip for a citizen under 15 (it is the citizen's first card): 50 Kč (seeds 002, 003)"}}},
		{"citizen living abroad, card without chip",
			withoutResidence(card(domain.IDCard, fees.ReasonExpiry)),
			[]fees.Line{{Part: fees.PartFiling, AmountCZK: 100, Reason: "card without chip for a citizen of 15 or more without permanent residence in the Czech Republic (the old card expires within 6 months): 100 Kč (seeds 002, 003)"}}},
		{"temporary card after a loss",
			card(domain.IDCardTemporary, fees.ReasonLost),
			[]fees.Line{{Part: fees.PartFiling, AmountCZK: 100, Reason: "temporary card because the old card was lost: 100 Kč (seeds 002, 003)"}}},
		{"temporary card to vote",
			card(domain.IDCardTemporary, fees.ReasonVoting),
			[]fees.Line{{Part: fees.PartFiling, AmountCZK: 0, Reason: "no fee: temporary card because the citizen needs it to vote (seeds 002, 003)"}}},
		{"card in 24 hours, filed at the ORP, collected at the ministry",
			fast(domain.TwentyFourHours, orp, ministry),
			[]fees.Line{
				{Part: fees.PartFiling, AmountCZK: 500, Reason: "a card within 24 hours on working days for a citizen of 15 or more, applied for at an ORP and collected at the ministry: first part 500 Kč, paid at filing (seed 002)"},
				{Part: fees.PartCollection, AmountCZK: 500, Reason: "a card within 24 hours on working days for a citizen of 15 or more, applied for at an ORP and collected at the ministry: second part 500 Kč, paid at collection (seed 002)"},
			}},
		{"child's passport in 5 working days at the ministry",
			aged(passport(domain.FiveWorkingDays, ministry, ministry), 8),
			[]fees.Line{{Part: fees.PartFiling, AmountCZK: 1000, Reason: "a passport within 5 working days for a citizen under 15, applied for and collected at the ministry: 1000 Kč, paid at filing (seed 004)"}}},
		{"card in 5 working days collected at another ORP",
			collectedAtAnotherORP(fast(domain.FiveWorkingDays, orp, orp)),
			[]fees.Line{{Part: fees.PartFiling, AmountCZK: 500, Reason: "a card within 5 working days for a citizen of 15 or more, applied for at an ORP and collected at another ORP: 500 Kč, paid at filing (seed 002)"}}},
		{"passport collected at another ORP",
			collectedAtAnotherORP(passport(domain.Standard, orp, orp)),
			[]fees.Line{
				{Part: fees.PartFiling, AmountCZK: 600, Reason: "passport for a citizen of 15 or more: 600 Kč (seed 004)"},
				{Part: fees.PartCollection, AmountCZK: 100, Reason: "collected at another ORP named in the application: 100 Kč, paid before collection (seed 004)"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := fees.Price(tt.app)
			if err != nil {
				t.Fatalf("Price: %v", err)
			}
			if len(f.Lines) != len(tt.want) {
				t.Fatalf("lines = %+v, want %+v", f.Lines, tt.want)
			}
			for i := range tt.want {
				// The Czech explanation says the same amount, with no seed to cite.
				got := f.Lines[i]
				czech := got.ReasonCS
				got.ReasonCS = ""
				if got != tt.want[i] {
					t.Errorf("line %d = %+v, want %+v", i, got, tt.want[i])
				}
				if !strings.Contains(czech, fmt.Sprintf(" %d Kč", got.AmountCZK)) && !strings.HasPrefix(czech, "bez poplatku: ") ||
					strings.Contains(czech, "seed") {
					t.Errorf("line %d in Czech: %q", i, czech)
				}
			}
		})
	}
}

// Every fee's lines are explained in Czech for the citizen, in words a
// clerk reads out.
func TestFeeLinesInCzech(t *testing.T) {
	for _, c := range []struct {
		app  fees.Application
		want string
	}{
		{card(domain.IDCard, fees.ReasonLost), "občanský průkaz bez čipu, protože dosavadní průkaz byl ztracen: 100 Kč"},
		{card(domain.IDCard, fees.ReasonExpiry), "bez poplatku: občanský průkaz bez čipu, protože platnost dosavadního průkazu skončí do 6 měsíců"},
		{card(domain.IDCardChip, fees.ReasonAcademicTitle), "občanský průkaz s kontaktním čipem bez ohledu na důvod (se zapisuje akademický titul): 500 Kč"},
	} {
		f, err := fees.Price(c.app)
		if err != nil || len(f.Lines) != 1 || f.Lines[0].ReasonCS != c.want {
			t.Errorf("%+v: %+v %v, want %q", c.app, f.Lines, err, c.want)
		}
	}
}

// Applications the seeds do not offer, fees they do not state, and bad input
// are refused, never priced by a guess.
func TestPriceRefuses(t *testing.T) {
	tests := []struct {
		name string
		app  fees.Application
		want error
	}{
		// Bad input.
		{"unknown document", card("driving_licence", fees.ReasonLost), fees.ErrInvalidApplication},
		{"unknown track", onTrack(card(domain.IDCard, fees.ReasonLost), "express"), fees.ErrInvalidApplication},
		{"negative age", aged(card(domain.IDCard, fees.ReasonLost), -1), fees.ErrInvalidApplication},
		{"unknown filing office", filedAt(card(domain.IDCard, fees.ReasonLost), "post_office"), fees.ErrInvalidApplication},
		{"missing filing office", filedAt(card(domain.IDCard, fees.ReasonLost), ""), fees.ErrInvalidApplication},
		{"unknown pickup office", collectedAt(card(domain.IDCard, fees.ReasonLost), "post_office"), fees.ErrInvalidApplication},
		{"unknown reason", card(domain.IDCard, "bored"), fees.ErrInvalidApplication},
		{"identity card without a reason", card(domain.IDCard, ""), fees.ErrInvalidApplication},
		{"passport with an unknown reason", because(passport(domain.Standard, orp, orp), "bored"), fees.ErrInvalidApplication},
		{"collected at 'another' ministry", collectedAtAnotherORP(fast(domain.FiveWorkingDays, ministry, ministry)), fees.ErrInvalidApplication},

		// ID card, standard track.
		{"standard card applied for at the ministry", fast(domain.Standard, ministry, ministry), fees.ErrNotOffered},
		{"standard card applied for at the registry office", fast(domain.Standard, domain.RegistryOffice, orp), fees.ErrNotOffered},
		{"standard card collected at the ministry", fast(domain.Standard, orp, ministry), fees.ErrNotOffered},
		{"card with machine-readable zone to vote", card(domain.IDCard, fees.ReasonVoting), fees.ErrNotOffered},
		{"chip card to vote", card(domain.IDCardChip, fees.ReasonVoting), fees.ErrNotOffered},
		{"card applied for at an embassy", fast(domain.EmbassyTrack, embassy, embassy), fees.ErrNotOffered},
		{"name changed, 40-year-old, card without chip: the seeds give no fee", card(domain.IDCard, fees.ReasonNameChange), fees.ErrFeeNotStated},

		// Temporary card.
		{"temporary card because the old one expires", card(domain.IDCardTemporary, fees.ReasonExpiry), fees.ErrNotOffered},
		{"temporary card in 24 hours", onTrack(card(domain.IDCardTemporary, fees.ReasonLost), domain.TwentyFourHours), fees.ErrNotOffered},
		{"temporary card applied for at the ministry", filedAt(card(domain.IDCardTemporary, fees.ReasonLost), ministry), fees.ErrNotOffered},
		{"temporary card collected at another ORP", collectedAtAnotherORP(card(domain.IDCardTemporary, fees.ReasonLost)), fees.ErrNotOffered},

		// ID card, fast tracks.
		{"card in 24 hours collected at an ORP", fast(domain.TwentyFourHours, orp, orp), fees.ErrNotOffered},
		{"card in 24 hours applied for at the ministry, collected at an ORP", fast(domain.TwentyFourHours, ministry, orp), fees.ErrNotOffered},
		{"card in 5 working days applied for at an embassy", fast(domain.FiveWorkingDays, embassy, ministry), fees.ErrNotOffered},
		{"card in 5 working days applied for at the police", fast(domain.FiveWorkingDays, domain.Police, ministry), fees.ErrNotOffered},
		{"card in 5 working days collected at the registry office", fast(domain.FiveWorkingDays, orp, domain.RegistryOffice), fees.ErrNotOffered},
		{"card in 5 working days applied for at the ministry, collected at an ORP: the seed gives no fee", fast(domain.FiveWorkingDays, ministry, orp), fees.ErrFeeNotStated},

		// Passports.
		{"passport on the standard track applied for at the ministry", passport(domain.Standard, ministry, ministry), fees.ErrNotOffered},
		{"passport on the standard track applied for at an embassy", passport(domain.Standard, embassy, embassy), fees.ErrNotOffered},
		{"passport on the standard track collected at the ministry", passport(domain.Standard, orp, ministry), fees.ErrNotOffered},
		{"passport in 24 hours applied for at an embassy", passport(domain.TwentyFourHours, embassy, ministry), fees.ErrNotOffered},
		{"passport in 24 hours collected at the ORP", passport(domain.TwentyFourHours, orp, orp), fees.ErrNotOffered},
		{"passport in 5 working days applied for at the ministry, collected at an ORP", passport(domain.FiveWorkingDays, ministry, orp), fees.ErrNotOffered},
		{"passport in 5 working days collected at another ORP", collectedAtAnotherORP(passport(domain.FiveWorkingDays, orp, orp)), fees.ErrNotOffered},
		{"embassy track for a passport applied for at an ORP", passport(domain.EmbassyTrack, orp, orp), fees.ErrNotOffered},
		{"passport applied for at an embassy, collected at the ministry", passport(domain.EmbassyTrack, embassy, ministry), fees.ErrNotOffered},
		{"passport applied for at an embassy: the seed gives no fee", passport(domain.EmbassyTrack, embassy, embassy), fees.ErrFeeNotStated},
		{"passport applied for at an embassy, collected at an ORP: the seed gives no fee", passport(domain.EmbassyTrack, embassy, orp), fees.ErrFeeNotStated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := fees.Price(tt.app)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Price = %+v, %v; want error %v", f, err, tt.want)
			}
			if f.AtFiling != 0 || f.AtCollection != 0 || f.Lines != nil {
				t.Errorf("a refused application still got a fee: %+v", f)
			}
		})
	}
}

// Whatever a clerk enters, Price either refuses it with one of its errors or
// returns a fee its lines explain; a fast track is never free.
func TestPriceEveryCombination(t *testing.T) {
	docs := []domain.Document{domain.IDCard, domain.IDCardChip, domain.IDCardTemporary, domain.Passport}
	tracks := []domain.Track{domain.Standard, domain.FiveWorkingDays, domain.TwentyFourHours, domain.EmbassyTrack}
	offices := []domain.OfficeKind{domain.MunicipalOffice, domain.RegistryOffice, domain.RegistrationOffice, domain.Police, domain.Embassy, domain.Ministry}
	reasons := []fees.Reason{"", fees.ReasonLost, fees.ReasonStolen, fees.ReasonDamaged, fees.ReasonDestroyed,
		fees.ReasonCertificateMisuse, fees.ReasonExpiry, fees.ReasonOwnRequest, fees.ReasonAcademicTitle,
		fees.ReasonResidenceChange, fees.ReasonResidenceRecordCancelled, fees.ReasonMaritalStatusChange,
		fees.ReasonNameChange, fees.ReasonFirstCard, fees.ReasonNewCitizen, fees.ReasonVoting}
	priced := 0
	for _, doc := range docs {
		for _, track := range tracks {
			for _, from := range offices {
				for _, to := range append([]domain.OfficeKind{""}, offices...) {
					for _, reason := range reasons {
						for _, age := range []int{0, 14, 15, 70} {
							for _, elsewhere := range []bool{false, true} {
								for _, residence := range []bool{false, true} {
									a := fees.Application{Document: doc, Track: track, Age: age, Reason: reason,
										PermanentResidenceInCZ: residence, FilingOffice: from, PickupOffice: to, PickupAtAnotherOffice: elsewhere}
									f, err := fees.Price(a)
									if err != nil {
										if !errors.Is(err, fees.ErrInvalidApplication) && !errors.Is(err, fees.ErrNotOffered) && !errors.Is(err, fees.ErrFeeNotStated) {
											t.Fatalf("Price(%+v): unexpected error %v", a, err)
										}
										continue
									}
									priced++
									checkLines(t, f)
									if track != domain.Standard && f.Total() == 0 {
										t.Errorf("Price(%+v) = free on a fast track", a)
									}
								}
							}
						}
					}
				}
			}
		}
	}
	if priced == 0 {
		t.Fatal("no combination was priced")
	}
}

func TestResidenceChangeReportFee(t *testing.T) {
	tests := []struct {
		name string
		age  int
		want int
	}{
		{"adult reports moving to a new flat → 50", 40, 50},
		{"15-year-old moves with the family → 50", 15, 50},
		{"14-year-old moves with the family → free", 14, 0},
		{"newborn registered at the new address → free", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fees.ResidenceChangeReport(tt.age)
			if f.Total() != tt.want || f.AtFiling != tt.want || len(f.Lines) != 1 || f.Lines[0].AmountCZK != tt.want {
				t.Errorf("ResidenceChangeReport(%d) = %+v, want %d Kč at filing in one line", tt.age, f, tt.want)
			}
			checkLines(t, f)
		})
	}
}
