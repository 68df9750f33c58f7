package fees

import (
	"fmt"

	"github.com/lhuta/lhuta/domain"
)

// fastKey picks a fast-track fee: document, track, route and age group.
type fastKey struct {
	passport bool
	track    domain.Track
	from, to domain.OfficeKind
	under15  bool
}

// split is a fast-track fee: the part paid at filing and the part paid at collection.
type split struct{ filing, collection int }

const (
	orp      = domain.MunicipalOffice
	ministry = domain.Ministry
	day      = domain.TwentyFourHours
	week     = domain.FiveWorkingDays
)

// fastTrackFees are the fees for documents issued within 24 hours on working
// days or within 5 working days. Filed at an ORP and collected at the ministry,
// the fee is paid in two parts. They do not depend on the reason or the chip.
var fastTrackFees = map[fastKey]split{
	// Identity cards, seed 002.
	{false, day, ministry, ministry, false}:  {1000, 0},
	{false, day, ministry, ministry, true}:   {500, 0},
	{false, day, orp, ministry, false}:       {500, 500},
	{false, day, orp, ministry, true}:        {250, 250},
	{false, week, ministry, ministry, false}: {500, 0},
	{false, week, ministry, ministry, true}:  {300, 0},
	{false, week, orp, ministry, false}:      {250, 250},
	{false, week, orp, ministry, true}:       {200, 100},
	{false, week, orp, orp, false}:           {500, 0},
	{false, week, orp, orp, true}:            {300, 0},
	// Passports, seed 004.
	{true, day, ministry, ministry, false}:  {6000, 0},
	{true, day, ministry, ministry, true}:   {2000, 0},
	{true, day, orp, ministry, false}:       {4000, 2000},
	{true, day, orp, ministry, true}:        {1500, 500},
	{true, week, ministry, ministry, false}: {3000, 0},
	{true, week, ministry, ministry, true}:  {1000, 0},
	{true, week, orp, ministry, false}:      {2000, 1000},
	{true, week, orp, ministry, true}:       {500, 500},
	{true, week, orp, orp, false}:           {3000, 0},
	{true, week, orp, orp, true}:            {1000, 0},
}

// fastTrack prices a card or passport issued within 24 hours on working days
// or within 5 working days (seeds 002, 004).
func fastTrack(a Application, r route) (Fee, error) {
	passport := a.Document == domain.Passport
	what, seed, whatCS := "a card", "seed 002", "občanský průkaz"
	if passport {
		what, seed, whatCS = "a passport", "seed 004", "cestovní pas"
	}
	switch {
	case r.from == domain.Embassy:
		return Fee{}, fmt.Errorf("%w: embassies offer no fast tracks (seeds 002, 004)", ErrNotOffered)
	case r.from != orp && r.from != ministry:
		return Fee{}, fmt.Errorf("%w: %s %s is applied for at an ORP or at the ministry, not at %s (%s)", ErrNotOffered, what, within(a.Track), place(r.from), seed)
	case a.Track == day && r.to != ministry:
		return Fee{}, fmt.Errorf("%w: %s %s is collected only at the ministry, not at %s (%s)", ErrNotOffered, what, within(a.Track), place(r.to), seed)
	case r.to != orp && r.to != ministry:
		return Fee{}, fmt.Errorf("%w: %s %s is collected at an ORP or at the ministry, not at %s (%s)", ErrNotOffered, what, within(a.Track), place(r.to), seed)
	case r.from == ministry && r.to == orp && passport:
		return Fee{}, fmt.Errorf("%w: a passport applied for at the ministry %s is collected at the ministry (seed 004)", ErrNotOffered, within(a.Track))
	case r.from == ministry && r.to == orp:
		return Fee{}, fmt.Errorf("%w: seed 002 lets a card applied for at the ministry %s be collected at an ORP, but gives no fee for it", ErrFeeNotStated, within(a.Track))
	case passport && r.to == orp && r.elsewhere:
		return Fee{}, fmt.Errorf("%w: a passport %s is collected at the ORP where it was applied for or at the ministry, not at another ORP (seed 004)", ErrNotOffered, within(a.Track))
	}
	s := fastTrackFees[fastKey{passport, a.Track, r.from, r.to, a.under15()}]
	who, whoCS := "a citizen of 15 or more", "občana od 15 let"
	if a.under15() {
		who, whoCS = "a citizen under 15", "občana mladšího 15 let"
	}
	var where, whereCS string
	switch {
	case r.from != r.to:
		where, whereCS = "applied for at an ORP and collected at the ministry", "žádost na úřadu obce s rozšířenou působností, převzetí na ministerstvu vnitra"
	case r.elsewhere:
		where, whereCS = "applied for at an ORP and collected at another ORP", "žádost i převzetí na různých úřadech obcí s rozšířenou působností"
	default:
		where = fmt.Sprintf("applied for and collected at %s", place(r.from))
		whereCS = "žádost i převzetí " + placeCS(r.from)
	}
	head := fmt.Sprintf("%s %s for %s, %s", what, within(a.Track), who, where)
	headCS := fmt.Sprintf("%s %s pro %s, %s", whatCS, withinCS(a.Track), whoCS, whereCS)
	var f Fee
	if s.collection == 0 {
		f.add(PartFiling, s.filing, fmt.Sprintf("%s: %d Kč, paid at filing (%s)", head, s.filing, seed),
			fmt.Sprintf("%s: %d Kč, platí se při podání žádosti", headCS, s.filing))
		return f, nil
	}
	f.add(PartFiling, s.filing, fmt.Sprintf("%s: first part %d Kč, paid at filing (%s)", head, s.filing, seed),
		fmt.Sprintf("%s: první část %d Kč, platí se při podání žádosti", headCS, s.filing))
	f.add(PartCollection, s.collection, fmt.Sprintf("%s: second part %d Kč, paid at collection (%s)", head, s.collection, seed),
		fmt.Sprintf("%s: druhá část %d Kč, platí se při převzetí", headCS, s.collection))
	return f, nil
}

// withinCS is within in Czech.
func withinCS(t domain.Track) string {
	if t == day {
		return "do 24 hodin v pracovní dny"
	}
	return "do 5 pracovních dnů"
}

// within says how fast a fast track is.
func within(t domain.Track) string {
	if t == day {
		return "within 24 hours on working days"
	}
	return "within 5 working days"
}
