package rulebook

import "github.com/lhuta/lhuta/domain/calendar"

// Offence is a misdemeanor (přestupek) the law attaches to a breached duty.
type Offence struct {
	// Code is a stable machine id: "16a1c" under 328/1999, "65-late_application" under 269/2021.
	Code string
	// Letter is the letter of § 16a odst. 1 of 328/1999; empty where the sources state none.
	Letter string
	// LegalBasis names statute and section, e.g. "zákon 328/1999 Sb., § 16a odst. 1 písm. c)".
	LegalBasis string
	// MaxFineCZK is the highest fine in Kč, or nil where the cap is not known: never guessed.
	MaxFineCZK *int
	// Description says in Czech what the citizen did or failed to do, after seed 003 or 004.
	Description string
	// ReviewOnly marks a hint for the officer rather than a finding (§ 16a(1)(e)).
	ReviewOnly bool
}

// IsZero reports whether o is no offence at all, as on a duty the sources
// attach no misdemeanor letter to.
func (o Offence) IsZero() bool { return o.Code == "" }

// offenceRule is one entry of a catalogue; capCZK 0 means the cap is unknown.
type offenceRule struct {
	code, letter, basis, description string
	capCZK                           int
	reviewOnly                       bool
}

func (e offenceRule) offence() Offence {
	o := Offence{Code: e.code, Letter: e.letter, LegalBasis: e.basis, Description: e.description, ReviewOnly: e.reviewOnly}
	if e.capCZK > 0 {
		fine := e.capCZK // a fresh copy, so no caller can change the catalogue
		o.MaxFineCZK = &fine
	}
	return o
}

// Fine caps of zákon 328/1999 Sb., § 16a, as seed 003 (section 17) states them.
const (
	capAandN = 15000  // písm. a) and n)
	capBtoM  = 10000  // písm. b) to m)
	capOandP = 100000 // písm. o) and p)
)

// letter328 is one letter of zákon 328/1999 Sb., § 16a odst. 1.
func letter328(letter string, capCZK int, description string) offenceRule {
	return offenceRule{
		code:        "16a1" + letter,
		letter:      letter,
		basis:       "zákon 328/1999 Sb., § 16a odst. 1 písm. " + letter + ")",
		description: description,
		capCZK:      capCZK,
	}
}

// catalogue328 is § 16a odst. 1 of zákon 328/1999 Sb. letter by letter, in the
// words of seed 003 (section 17, "Jaké sankce mohou být uplatněny").
var catalogue328 = []offenceRule{
	letter328("a", capAandN, "poruší povinnost mít občanský průkaz"),
	letter328("b", capBtoM, "poruší povinnost chránit občanský průkaz před ztrátou, odcizením, poškozením, zničením nebo zneužitím"),
	letter328("c", capBtoM, "nepožádá o vydání nového občanského průkazu do 15 pracovních dnů po skončení jeho platnosti "+
		"(uplynutím doby nebo ohlášením ztráty, odcizení, poškození či zničení), po změně rodinného stavu nebo partnerství, "+
		"po změně jména, příjmení nebo rodného čísla, po ohlášení změny místa trvalého pobytu "+
		"nebo po zrušení údaje o místu trvalého pobytu"),
	letter328("d", capBtoM, "ani po opakované výzvě nepřevezme osobně občanský průkaz"),
	withReviewOnly(letter328("e", capBtoM, "neprodleně neohlásí poškození, zničení, ztrátu, odcizení nebo zneužití občanského průkazu")),
	letter328("f", capBtoM, "poruší zákaz provádět zápisy, změny nebo opravy v občanském průkazu, v potvrzení o občanském průkazu, "+
		"v potvrzení o změně místa trvalého pobytu nebo v potvrzení o změně údajů zapisovaných do občanského průkazu"),
	letter328("g", capBtoM, "ani po opakované výzvě se nedostaví k provedení úkonů souvisejících s vydáním občanského průkazu "+
		"nebo tyto úkony neprovede"),
	letter328("h", capBtoM, "v zákonem stanovené lhůtě nesplní povinnost provést výměnu svého občanského průkazu "+
		"bez strojově čitelných údajů"),
	letter328("i", capBtoM, "úmyslně zničí, poškodí, odcizí nebo zneužije občanský průkaz nebo potvrzení o občanském průkazu"),
	letter328("j", capBtoM, "požaduje nebo přijme občanský průkaz jako zástavu nebo odebere občanský průkaz při vstupu do objektu "+
		"nebo na pozemek"),
	letter328("k", capBtoM, "pořídí kopii občanského průkazu a neprokáže souhlas občana"),
	letter328("l", capBtoM, "nepožádá o vydání prvního občanského průkazu do 30 dnů ode dne, kdy dosáhl věku 15 let"),
	letter328("m", capBtoM, "neoprávněně požádá o vydání občanského průkazu pro jinou osobu"),
	letter328("n", capAandN, "prokazuje údaje občanským průkazem, jehož ztrátu, odcizení nebo zničení ohlásil"),
	letter328("o", capOandP, "neoprávněně pozmění, předá, zveřejní, zablokuje, zlikviduje nebo jinak neoprávněně zpracovává "+
		"strojově čitelné údaje vedené v občanském průkazu"),
	letter328("p", capOandP, "neoprávněně zapíše, předá, zveřejní, zablokuje, zlikviduje nebo jinak neoprávněně zpracovává "+
		"údaje vedené v kontaktním elektronickém čipu"),
}

func withReviewOnly(e offenceRule) offenceRule {
	e.reviewOnly = true
	return e
}

// section65 is an offence of zákon 269/2021 Sb., § 65 (docs/LAW.md §4). The
// sources state neither its letter nor its fine cap, so the code names its
// meaning and the cap stays unknown.
func section65(meaning, description string) offenceRule {
	return offenceRule{code: "65-" + meaning, basis: "zákon 269/2021 Sb., § 65", description: description}
}

// catalogue269 holds only the offences the service derives (docs/LAW.md §7),
// since the sources do not give the rest of § 65 of zákon 269/2021 Sb.
var catalogue269 = []offenceRule{
	section65("late_application", "nepožádá o vydání nového občanského průkazu ve stanovené lhůtě"),
	section65("not_collected", "ani po opakované výzvě nepřevezme osobně občanský průkaz"),
	withReviewOnly(section65("loss_not_reported", "neprodleně neohlásí poškození, zničení, ztrátu, odcizení nebo zneužití občanského průkazu")),
	section65("first_card", "nepožádá o vydání prvního občanského průkazu do 30 dnů ode dne, kdy dosáhl věku 15 let"),
	section65("lost_card_used", "prokazuje údaje občanským průkazem, jehož ztrátu, odcizení nebo zničení ohlásil"),
}

// passportOffences are the misdemeanors of zákon 329/1999 Sb. o cestovních
// dokladech, § 34a, with the caps seed 004 ("Sankce") states. That act was not
// replaced in 2021, so both rulebooks share them.
var passportOffences = []offenceRule{
	{code: "34a", basis: "zákon 329/1999 Sb., § 34a", capCZK: 10000,
		description: "nesplní povinnost nebo poruší zákaz stanovený zákonem o cestovních dokladech, " +
			"např. nechrání cestovní doklad nebo neodevzdá neplatný cestovní doklad"},
	{code: "34a-biometric", basis: "zákon 329/1999 Sb., § 34a", capCZK: 1000000,
		description: "neoprávněně zpracovává údaje v nosiči dat s biometrickými údaji"},
}

func (r Rulebook) catalogue() []offenceRule {
	if r.modern {
		return catalogue269
	}
	return catalogue328
}

// Offences returns the rulebook's catalogue of identity-card offences followed
// by the passport offences: all of § 16a odst. 1 under 328/1999, only the
// offences the service derives under 269/2021.
func (r Rulebook) Offences() []Offence {
	var all []Offence
	for _, e := range r.catalogue() {
		all = append(all, e.offence())
	}
	for _, e := range passportOffences {
		all = append(all, e.offence())
	}
	return all
}

// Offence looks an offence up by its Code within this rulebook.
func (r Rulebook) Offence(code string) (Offence, bool) {
	for _, rules := range [][]offenceRule{r.catalogue(), passportOffences} {
		for _, e := range rules {
			if e.code == code {
				return e.offence(), true
			}
		}
	}
	return Offence{}, false
}

// OffenceByCode looks an offence up by its Code in either rulebook: codes
// are unique across both (16a1… under 328/1999, 65-… under 269/2021, 34a…
// for passports).
func OffenceByCode(code string) (Offence, bool) {
	for _, r := range []Rulebook{{}, {modern: true}} {
		if o, ok := r.Offence(code); ok {
			return o, true
		}
	}
	return Offence{}, false
}

// derived returns one of the five offences the service derives under both
// laws, named by its letter under 328/1999 and its meaning under 269/2021.
func (r Rulebook) derived(letter328, meaning269 string) Offence {
	code := "16a1" + letter328
	if r.modern {
		code = "65-" + meaning269
	}
	o, _ := r.Offence(code)
	return o
}

// LateApplication is the offence of not applying for a new card within the
// deadline: § 16a(1)(c) under 328/1999 (seed 003), § 65 under 269/2021.
func (r Rulebook) LateApplication() Offence { return r.derived("c", "late_application") }

// NotCollectedAfterReminders is the offence of not collecting the card even
// after repeated reminders: § 16a(1)(d) under 328/1999 (seed 003), § 65 under
// 269/2021.
func (r Rulebook) NotCollectedAfterReminders() Offence { return r.derived("d", "not_collected") }

// LossNotReportedWithoutDelay is the offence of not reporting a loss, theft,
// damage or misuse without undue delay: § 16a(1)(e) under 328/1999 (seed
// 003), § 65 under 269/2021. It is review only: "without undue delay" has no
// fixed length, so the service can only hint.
func (r Rulebook) LossNotReportedWithoutDelay() Offence { return r.derived("e", "loss_not_reported") }

// FirstCardNotAppliedFor is the offence of not applying for a first card
// within 30 days of turning 15: § 16a(1)(l) under 328/1999 (seed 003), § 65
// under 269/2021.
func (r Rulebook) FirstCardNotAppliedFor() Offence { return r.derived("l", "first_card") }

// LostCardUsed is the offence of proving one's identity with a card one has
// reported lost, stolen or destroyed: § 16a(1)(n) under 328/1999 (seed 003),
// § 65 under 269/2021.
func (r Rulebook) LostCardUsed() Offence { return r.derived("n", "lost_card_used") }

// PassportOffence is the general misdemeanor of zákon 329/1999 Sb., § 34a
// (seed 004), up to 10 000 Kč.
func (r Rulebook) PassportOffence() Offence {
	o, _ := r.Offence("34a")
	return o
}

// DefaultLossReportThreshold is how many working days after discovering a
// loss a report may come before the officer is asked to review § 16a(1)(e).
// The law says only "neprodleně" (without undue delay); 3 working days is the
// service's default (docs/LAW.md §5.1), configurable by the office.
const DefaultLossReportThreshold = 3

// LateLossReport reports whether a loss reported on reportedOn, discovered on
// discoveredOn, came later than thresholdWorkingDays working days after the
// discovery, and so deserves a review for § 16a(1)(e). A threshold of zero or
// less allows no delay beyond the first day the office is open.
func LateLossReport(discoveredOn, reportedOn calendar.Date, thresholdWorkingDays int) bool {
	return reportedOn.After(calendar.WorkingDaysAfter(discoveredOn, thresholdWorkingDays))
}

// AgeOfLiability is the age from which a person is liable for a
// misdemeanor: nobody who was under 15 on the day of the act is (zákon
// 250/2016 Sb. § 5).
const AgeOfLiability = 15

// LiabilityBasis is the legal basis of AgeOfLiability.
const LiabilityBasis = "zákon 250/2016 Sb., § 5"

// Liable reports whether someone born on birth is liable for a misdemeanor
// committed on actOn: whether they were 15 or older that day.
func Liable(birth, actOn calendar.Date) bool { return actOn.YearsSince(birth) >= AgeOfLiability }
