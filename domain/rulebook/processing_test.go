package rulebook_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain"
	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/rulebook"
)

func TestSLADue(t *testing.T) {
	cases := []struct {
		name  string
		doc   domain.Document
		track domain.Track
		filed calendar.Date
		ready calendar.Date
	}{
		{"card filed on Wednesday 25 Nov 2026, 30 days end on Christmas Day → ready by Monday 28 Dec 2026",
			domain.IDCard, domain.Standard, d(2026, time.November, 25), d(2026, time.December, 28)},
		{"card filed on Monday 2 Mar 2026 → ready by Wednesday 1 Apr 2026",
			domain.IDCard, domain.Standard, d(2026, time.March, 2), d(2026, time.April, 1)},
		{"chip card filed on Monday 2 Mar 2026 → ready by Wednesday 1 Apr 2026",
			domain.IDCardChip, domain.Standard, d(2026, time.March, 2), d(2026, time.April, 1)},
		{"temporary card filed on Friday 20 Mar 2026, 15 days end on Easter Sunday → ready by Tuesday 7 Apr 2026",
			domain.IDCardTemporary, domain.Standard, d(2026, time.March, 20), d(2026, time.April, 7)},
		{"temporary card filed on Thursday 19 Mar 2015, 15 days end on Good Friday, a working day then → ready by 3 Apr 2015",
			domain.IDCardTemporary, domain.Standard, d(2015, time.March, 19), d(2015, time.April, 3)},
		{"card in 5 working days filed on Monday 4 May 2026, 8 May a Friday → ready by Tuesday 12 May 2026",
			domain.IDCard, domain.FiveWorkingDays, d(2026, time.May, 4), d(2026, time.May, 12)},
		{"chip card in 5 working days filed on Friday 18 Dec 2026 → ready by Tuesday 29 Dec 2026",
			domain.IDCardChip, domain.FiveWorkingDays, d(2026, time.December, 18), d(2026, time.December, 29)},
		{"passport in 5 working days filed on Wednesday 1 Apr 2026, over Easter → ready by Friday 10 Apr 2026",
			domain.Passport, domain.FiveWorkingDays, d(2026, time.April, 1), d(2026, time.April, 10)},
		{"card in 24 hours filed on Tuesday 27 Oct 2026, 28 Oct a holiday → ready on Thursday 29 Oct 2026",
			domain.IDCard, domain.TwentyFourHours, d(2026, time.October, 27), d(2026, time.October, 29)},
		{"chip card in 24 hours filed on Thursday 31 Dec 2026 → ready on Monday 4 Jan 2027",
			domain.IDCardChip, domain.TwentyFourHours, d(2026, time.December, 31), d(2027, time.January, 4)},
		{"passport in 24 hours filed on Thursday 2 Apr 2026 → ready on Tuesday 7 Apr 2026",
			domain.Passport, domain.TwentyFourHours, d(2026, time.April, 2), d(2026, time.April, 7)},
		{"passport filed on Friday 4 Dec 2026, 30 days end on Sunday 3 Jan → ready by Monday 4 Jan 2027",
			domain.Passport, domain.Standard, d(2026, time.December, 4), d(2027, time.January, 4)},
		{"passport at an embassy filed on Friday 6 Mar 2026, 120 days end on Saturday 4 Jul → ready by Tuesday 7 Jul 2026",
			domain.Passport, domain.EmbassyTrack, d(2026, time.March, 6), d(2026, time.July, 7)},
		{"passport filed on Monday 2 Mar 2026 → ready by Wednesday 1 Apr 2026",
			domain.Passport, domain.Standard, d(2026, time.March, 2), d(2026, time.April, 1)},
		{"passport at an embassy filed on Monday 2 Mar 2026 → ready by Tuesday 30 Jun 2026",
			domain.Passport, domain.EmbassyTrack, d(2026, time.March, 2), d(2026, time.June, 30)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := rulebook.SLADue(c.doc, c.track, c.filed)
			if err != nil || got != c.ready {
				t.Errorf("SLADue(%s, %s, %s) = %s (%s), %v; want %s", c.doc, c.track, c.filed, got, got.Weekday(), err, c.ready)
			}
		})
	}
}

func TestProcessingTracksNotOffered(t *testing.T) {
	cases := []struct {
		name    string
		doc     domain.Document
		track   domain.Track
		message string
	}{
		{"temporary card in 5 working days", domain.IDCardTemporary, domain.FiveWorkingDays, `"id_card_temporary" on track "five_working_days"`},
		{"temporary card in 24 hours", domain.IDCardTemporary, domain.TwentyFourHours, `"id_card_temporary" on track "twenty_four_hours"`},
		{"temporary card through an embassy", domain.IDCardTemporary, domain.EmbassyTrack, `"id_card_temporary" on track "embassy"`},
		{"identity card through an embassy", domain.IDCard, domain.EmbassyTrack, `"id_card" on track "embassy"`},
		{"chip card through an embassy", domain.IDCardChip, domain.EmbassyTrack, `"id_card_chip" on track "embassy"`},
		{"unknown document", "visa", domain.Standard, `"visa" (unknown) on track "standard"`},
		{"unknown track", domain.Passport, "express", `"passport" on track "express" (unknown)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := rulebook.SLADue(c.doc, c.track, d(2026, time.April, 1))
			if !errors.Is(err, rulebook.ErrTrackNotOffered) {
				t.Fatalf("error = %v, want ErrTrackNotOffered", err)
			}
			if !strings.Contains(err.Error(), c.message) {
				t.Errorf("error %q does not say %q", err, c.message)
			}
		})
	}
}
