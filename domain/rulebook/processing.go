package rulebook

import (
	"errors"
	"fmt"

	"github.com/lhuta/lhuta/domain"
	"github.com/lhuta/lhuta/domain/calendar"
)

// ErrTrackNotOffered is returned for a document and track the seeds do not
// offer together, such as a temporary card in 24 hours or an identity card
// through an embassy.
var ErrTrackNotOffered = errors.New("processing track not offered for this document")

type processing struct {
	doc   domain.Document
	track domain.Track
}

// slaDeadlines are the office's processing deadlines (SLA) from the day of filing
// (docs/LAW.md §6). Deadlines in days roll off weekends and holidays like any
// deadline (správní řád § 40).
var slaDeadlines = map[processing]func(calendar.Date) calendar.Date{
	// Seeds 002, 003: "vyhotoví ve standardní lhůtě do 30 dnů ode dne podání žádosti".
	{domain.IDCard, domain.Standard}:     daysAfter(30),
	{domain.IDCardChip, domain.Standard}: daysAfter(30),
	// Seeds 002, 003: a card without machine-readable data "do 15 dnů ode dne podání žádosti".
	{domain.IDCardTemporary, domain.Standard}: daysAfter(15),
	// Seeds 002, 004: "do 5 pracovních dnů".
	{domain.IDCard, domain.FiveWorkingDays}:     workingDaysAfter(5),
	{domain.IDCardChip, domain.FiveWorkingDays}: workingDaysAfter(5),
	{domain.Passport, domain.FiveWorkingDays}:   workingDaysAfter(5),
	// Seeds 002, 004: "v pracovních dnech do 24 hodin", ready the next working day.
	{domain.IDCard, domain.TwentyFourHours}:     calendar.NextWorkingDay,
	{domain.IDCardChip, domain.TwentyFourHours}: calendar.NextWorkingDay,
	{domain.Passport, domain.TwentyFourHours}:   calendar.NextWorkingDay,
	// Seed 004: "Cestovní pas se vydává ve lhůtě 30 dnů; je-li žádost podána
	// u zastupitelského úřadu, ve lhůtě 120 dnů" (no fast tracks there).
	{domain.Passport, domain.Standard}:     daysAfter(30),
	{domain.Passport, domain.EmbassyTrack}: daysAfter(120),
}

func daysAfter(n int) func(calendar.Date) calendar.Date {
	return func(d calendar.Date) calendar.Date { return calendar.DaysAfter(d, n) }
}

func workingDaysAfter(n int) func(calendar.Date) calendar.Date {
	return func(d calendar.Date) calendar.Date { return calendar.WorkingDaysAfter(d, n) }
}

// SLADue returns the last day by which the office must have the
// document ready when the application was filed on filedOn (docs/LAW.md §6);
// missing it is an SLA breach. A combination the seeds do not offer is an
// error wrapping ErrTrackNotOffered.
func SLADue(doc domain.Document, track domain.Track, filedOn calendar.Date) (calendar.Date, error) {
	deadline, ok := slaDeadlines[processing{doc, track}]
	if !ok {
		return calendar.Date{}, fmt.Errorf("rulebook: %s on track %s: %w", describe(doc), describe(track), ErrTrackNotOffered)
	}
	return deadline(filedOn), nil
}

// describe quotes a document or track and marks one the service does not know,
// so the error says whether the value or the combination is wrong.
func describe[T interface {
	~string
	Valid() bool
}](v T) string {
	if v.Valid() {
		return fmt.Sprintf("%q", string(v))
	}
	return fmt.Sprintf("%q (unknown)", string(v))
}
