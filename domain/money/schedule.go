package money

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/payment"
)

// Fee is a kind of local fee (docs/LAW.md §9).
type Fee string

// Local fees of the schedules.
const (
	Waste Fee = "waste" // poplatek za komunální odpad
	Dog   Fee = "dog"   // poplatek ze psů
)

// Fees lists the local fees a schedule may set.
var Fees = []Fee{Waste, Dog}

// Statutory is the one proration a schedule may state for the waste and dog
// fees: the statute decides it, not the bylaw (docs/LAW.md §9.1: the dog fee
// by started months, zákon 565/1990 Sb. § 2; the waste fee by month ends,
// § 10h). A schedule may leave it out.
const Statutory = "statutory"

// Entry is a payer category or an exemption reason: a code the events use
// and the bylaw's words.
type Entry struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// Part is a part of the municipality and the digit its variable symbols end with.
type Part struct {
	Digit string `json:"digit"`
	Name  string `json:"name"`
}

// Rule is what one local fee costs and when it is due.
type Rule struct {
	Fee   Fee
	Title string
	// RateCZK is the yearly amount per payer; for a fee per animal it is 0
	// and FirstCZK and FurtherCZK are set.
	RateCZK              int
	FirstCZK, FurtherCZK int
	// FreeOlderThan, if not nil, is the age in whole years above which
	// the payer owes nothing (dogs: 65, seed 004).
	FreeOlderThan *int
	// DueMonth and DueDay are the yearly due date (28 February).
	DueMonth time.Month
	DueDay   int
	// DueAfterArisingDays, if positive, is the due date of a duty that
	// arises after the yearly due date: that many calendar days after it
	// arises, moved off non-working days; 0 means the schedule states none.
	DueAfterArisingDays int
	Categories          []Entry
	Exemptions          []Entry
}

// PerAnimal reports whether the fee is counted per animal (first, further).
func (r *Rule) PerAnimal() bool { return r.RateCZK == 0 && (r.FirstCZK > 0 || r.FurtherCZK > 0) }

// Category returns the payer category of that code.
func (r *Rule) Category(code string) (Entry, bool) { return find(r.Categories, code) }

// Exemption returns the exemption reason of that code.
func (r *Rule) Exemption(code string) (Entry, bool) { return find(r.Exemptions, code) }

func find(entries []Entry, code string) (Entry, bool) {
	for _, e := range entries {
		if e.Code == code {
			return e, true
		}
	}
	return Entry{}, false
}

// Codes lists the codes of entries, for error messages.
func Codes(entries []Entry) string {
	codes := make([]string, len(entries))
	for i, e := range entries {
		codes[i] = e.Code
	}
	return strings.Join(codes, ", ")
}

// Amount is the year's amount and how it was reached.
type Amount struct {
	CZK    int
	Reason string
}

// Month is what the statute counts of one calendar month of a fee year.
type Month struct {
	// Units is, for a fee per payer, 1 when the payer owes the month (the
	// waste fee: liable at the month's end) and 0 when not; for a fee per
	// animal, how many animals are liable in the month.
	Units int
	// Exempt: an exemption frees the payer of the month.
	Exempt bool
	// Free: the payer is older than FreeOlderThan for the whole month.
	Free bool
}

// Owes reports whether the month is charged at all.
func (m Month) Owes() bool { return m.Units > 0 && !m.Exempt && !m.Free }

// twelfths is the month's share of the fee, in twelfths of a Kč: a month
// is charged at the year's rate ÷ 12, and for a fee per animal the first
// animal at the first rate and every other liable one at the further rate
// (docs/LAW.md §9.1: the count of each month decides first and further).
func (r *Rule) twelfths(m Month) int {
	switch {
	case !m.Owes():
		return 0
	case r.PerAnimal():
		return r.FirstCZK + (m.Units-1)*r.FurtherCZK
	default:
		return r.RateCZK
	}
}

// Prorate returns the amount of a fee year from its twelve months: the sum
// of the charged months' shares (each the month's yearly rate ÷ 12), summed
// exactly and rounded up to whole Kč once (daňový řád § 146(1), docs/LAW.md
// §9.1). Which months are charged is the statute's: started months for the
// dog fee (§ 2), month ends for the waste fee (§ 10h); the caller counts them.
func (r *Rule) Prorate(months [12]Month) Amount {
	total := 0
	for _, m := range months {
		total += r.twelfths(m)
	}
	czk := (total + 11) / 12
	var runs []string
	for from := 0; from < 12; {
		to := from
		for to+1 < 12 && months[to+1] == months[from] {
			to++
		}
		runs = append(runs, fmt.Sprintf("%s: %s", monthSpan(from, to), r.describe(months[from])))
		from = to + 1
	}
	return Amount{czk, fmt.Sprintf("%s; the months' shares add up to %d/12 Kč, rounded up to %d Kč (daňový řád § 146(1))",
		strings.Join(runs, "; "), total, czk)}
}

// describe says in words what one month is charged.
func (r *Rule) describe(m Month) string {
	switch {
	case m.Units == 0 && r.PerAnimal():
		return "no liable dog, nothing"
	case m.Units == 0:
		return "not liable at the month's end, nothing"
	case m.Exempt:
		return "exempt, nothing"
	case m.Free:
		return fmt.Sprintf("the payer is older than %d, nothing", *r.FreeOlderThan)
	case r.PerAnimal() && m.Units == 1:
		return fmt.Sprintf("1 dog, %d Kč ÷ 12 a month", r.FirstCZK)
	case r.PerAnimal():
		return fmt.Sprintf("%d dogs, the first and %d further, (%d + %d × %d) Kč ÷ 12 a month", m.Units, m.Units-1, r.FirstCZK, m.Units-1, r.FurtherCZK)
	default:
		return fmt.Sprintf("%d Kč ÷ 12 a month", r.RateCZK)
	}
}

var monthNames = [12]string{"January", "February", "March", "April", "May", "June", "July", "August",
	"September", "October", "November", "December"}

func monthSpan(from, to int) string {
	if from == to {
		return monthNames[from]
	}
	return monthNames[from] + "–" + monthNames[to]
}

// FreeFrom returns the first month in which a payer born on born owes
// nothing for being older than FreeOlderThan, and false where the rule has
// no such age. A person has the age from the birthday (docs/LAW.md §3); the
// reduced rate applies from the calendar month after the birthday month, the
// birthday month is charged in full (an interpretation: the statute counts
// the dog fee by started months, docs/LAW.md §9.1).
func (r *Rule) FreeFrom(born calendar.Date) (calendar.Date, bool) {
	if r.FreeOlderThan == nil {
		return calendar.Date{}, false
	}
	birthday := born.AddYears(*r.FreeOlderThan)
	return calendar.NewDate(birthday.Year(), birthday.Month(), 1).AddMonths(1), true
}

// Due returns the due date of the year's fee for a duty that exists from
// arises on (1 January, or the day it arose within the year): the yearly due
// date, or, for a duty arising after it, as many days after it arises as the
// schedule says, or where it says none, the day it arises (pending the
// bylaw: nothing is due before the duty exists). Every due date of a local
// fee that falls on a Saturday, Sunday or public holiday moves to the next
// working day (daňový řád § 33(4), docs/LAW.md §9.1).
func (r *Rule) Due(year int, arises calendar.Date) (calendar.Date, string) {
	fixed := calendar.NewDate(year, r.DueMonth, r.DueDay)
	due, why := fixed, fmt.Sprintf("due %s", fixed)
	switch {
	case arises.After(fixed) && r.DueAfterArisingDays > 0:
		due = arises.AddDays(r.DueAfterArisingDays)
		why = fmt.Sprintf("due %d days after the duty arose on %s, %s", r.DueAfterArisingDays, arises, due)
	case arises.After(fixed):
		due = arises
		why = fmt.Sprintf("due %s, the day the duty arose, pending the bylaw: the schedule states no due date for a duty arising after %s", arises, fixed)
	}
	if moved := calendar.RollForward(due); moved != due {
		why += fmt.Sprintf(", not a working day, so moved to %s (daňový řád § 33(4))", moved)
		due = moved
	}
	return due, why
}

// Schedule is a municipality's fee schedule in force from a day.
type Schedule struct {
	// Name is the schedule file's name, e.g. "nova-ves".
	Name         string
	Municipality string
	ValidFrom    calendar.Date
	Account      payment.Account
	// SpecificSymbol is "" where none is set.
	SpecificSymbol string
	// VariableSymbol and Message are patterns: see Reference.
	VariableSymbol string
	Message        string
	Parts          []Part
	Rules          map[Fee]*Rule
}

// Rule returns the schedule's rule for a fee.
func (s *Schedule) Rule(f Fee) (*Rule, bool) {
	r, ok := s.Rules[f]
	return r, ok
}

// Part returns the part of the municipality of that name.
func (s *Schedule) Part(name string) (Part, bool) {
	for _, p := range s.Parts {
		if p.Name == name {
			return p, true
		}
	}
	return Part{}, false
}

// PartNames lists the parts' names, for error messages.
func (s *Schedule) PartNames() string {
	names := make([]string, len(s.Parts))
	for i, p := range s.Parts {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// Payer is what a payment reference is made of.
type Payer struct {
	HouseNumber string
	VillagePart string // a part's name
	FullName    string
	Fee         Fee
	Year        int
}

// Placeholders of the variable-symbol and message patterns.
var (
	vsPlaceholders  = []string{"{house_number}", "{village_part}"}
	msgPlaceholders = []string{"{surname}", "{full_name}", "{fee}", "{year}"}
)

// VariableSymbolOf fills the variable-symbol pattern: house 154 in Nová Ves
// (part 1) gives 1541 with the pattern {house_number}{village_part}.
func (s *Schedule) VariableSymbolOf(p Payer) (string, error) {
	part, ok := s.Part(p.VillagePart)
	if strings.Contains(s.VariableSymbol, "{village_part}") && !ok {
		return "", fmt.Errorf("village_part %q is not a part of %s (%s)", p.VillagePart, s.Municipality, s.PartNames())
	}
	if strings.Contains(s.VariableSymbol, "{house_number}") && !payment.IsDigits(p.HouseNumber, 1, 8) {
		return "", fmt.Errorf("house_number %q is not a house number of 1 to 8 digits", p.HouseNumber)
	}
	vs := strings.NewReplacer("{house_number}", strings.TrimLeft(p.HouseNumber, "0"), "{village_part}", part.Digit).Replace(s.VariableSymbol)
	if !payment.IsDigits(vs, 1, 10) {
		return "", fmt.Errorf("the variable symbol %q is not 1 to 10 digits", vs)
	}
	return vs, nil
}

// MessageOf fills the message pattern; the message is cut to the 60
// characters QR Platba allows, and asterisks (its separator) are left out.
func (s *Schedule) MessageOf(p Payer) string {
	names := strings.Fields(p.FullName)
	surname := ""
	if len(names) > 0 {
		surname = names[len(names)-1]
	}
	m := strings.NewReplacer("{surname}", surname, "{full_name}", strings.Join(names, " "), "{fee}", string(p.Fee),
		"{year}", strconv.Itoa(p.Year)).Replace(s.Message)
	return Clip(m)
}

// Clip makes text fit a QR Platba message: no asterisks, at most 60 characters.
func Clip(m string) string {
	m = strings.ReplaceAll(m, "*", "")
	for utf8.RuneCountInString(m) > 60 {
		_, size := utf8.DecodeLastRuneInString(m)
		m = m[:len(m)-size]
	}
	return strings.TrimSpace(m)
}

// ParseSchedule reads a fee schedule. name is the file's name, used in errors
// and, without its extension, as the schedule's name.
//
//	[schedule]
//	municipality   = Nová Ves               the municipality's name
//	valid_from     = 2023-01-01             first day the schedule is in force
//	account        = 0460043319/0800        Czech account: [prefix-]number/bank
//	specific_symbol = 433                   optional: digits, at most 10
//	variable_symbol = {house_number}{village_part}   digits and these placeholders
//	message        = {surname}              {surname} {full_name} {fee} {year}
//	proration      = statutory              optional; the statute decides it
//
//	[village_parts]                         optional: digit = name of the part
//	1 = Nová Ves
//
//	[fee waste]                             one section per fee: waste, dog
//	title      = poplatek za komunální odpad
//	rate       = 1200                       Kč a year per payer, or instead
//	rate.first = 200                        per animal: the first…
//	rate.further = 300                      …and each further one
//	free_for_payer_older_than = 65          optional: older payers owe 0 Kč
//	due        = 02-28                      MM-DD, the yearly due date
//	due_after_arising_days = 30             optional: a duty arising after the
//	                                        due date is due N days after it arises
//	category.<code> = words of the bylaw    payer categories (one at least)
//	exemption.<code> = words of the bylaw   exemption reasons
func ParseSchedule(name string, src []byte) (*Schedule, error) {
	f, err := parseFile(name, src)
	if err != nil {
		return nil, err
	}
	s := &Schedule{Name: strings.TrimSuffix(name, ".txt"), Rules: map[Fee]*Rule{}}
	var head *section
	for _, sec := range f.sections {
		switch {
		case sec.kind == "schedule" && sec.name == "":
			head = sec
			if err := f.scheduleHead(sec, s); err != nil {
				return nil, err
			}
		case sec.kind == "village_parts" && sec.name == "":
			if err := f.parts(sec, s); err != nil {
				return nil, err
			}
		case sec.kind == "fee":
			if !slices.Contains(Fees, Fee(sec.name)) {
				return nil, f.errorf(sec.line, "%q is not a local fee lhuta knows (waste, dog)", sec.name)
			}
			r, err := f.rule(sec)
			if err != nil {
				return nil, err
			}
			s.Rules[r.Fee] = r
		default:
			return nil, f.errorf(sec.line, "[%s] is not a section of a fee schedule ([schedule], [village_parts], [fee NAME])",
				strings.TrimSpace(sec.kind+" "+sec.name))
		}
		if err := f.unknown(sec); err != nil {
			return nil, err
		}
	}
	switch {
	case head == nil:
		return nil, f.errorf(0, "has no [schedule] section")
	case len(s.Rules) == 0:
		return nil, f.errorf(head.line, "the schedule sets no fee (a [fee waste] or [fee dog] section)")
	case strings.Contains(s.VariableSymbol, "{village_part}") && len(s.Parts) == 0:
		st, _ := head.get("variable_symbol")
		return nil, f.errorf(st.line, "the variable symbol uses {village_part} but there is no [village_parts] section")
	}
	return s, nil
}

func (f *file) required(sec *section, key string) (setting, error) {
	st, ok := sec.get(key)
	if !ok || st.value == "" {
		return st, f.errorf(sec.line, "[%s] needs %s", strings.TrimSpace(sec.kind+" "+sec.name), key)
	}
	return st, nil
}

func (f *file) scheduleHead(sec *section, s *Schedule) error {
	for _, k := range []string{"municipality", "valid_from", "account", "variable_symbol", "message"} {
		if _, err := f.required(sec, k); err != nil {
			return err
		}
	}
	get := func(k string) setting { st, _ := sec.get(k); return st }
	s.Municipality = get("municipality").value
	st := get("valid_from")
	d, err := calendar.ParseDate(st.value)
	if err != nil {
		return f.errorf(st.line, "valid_from %q is not a date YYYY-MM-DD", st.value)
	}
	s.ValidFrom = d
	st = get("account")
	if s.Account, err = payment.ParseAccount(st.value); err != nil {
		return f.errorf(st.line, "account: %v", err)
	}
	if st, ok := sec.get("specific_symbol"); ok && st.value != "" {
		if !payment.IsDigits(st.value, 1, 10) {
			return f.errorf(st.line, "specific_symbol %q is not 1 to 10 digits", st.value)
		}
		s.SpecificSymbol = st.value
	}
	st = get("variable_symbol")
	if rest := strings.NewReplacer(vsPlaceholders[0], "1", vsPlaceholders[1], "1").Replace(st.value); !payment.IsDigits(rest, 1, 10) {
		return f.errorf(st.line, "variable_symbol %q may hold only digits and the placeholders %s", st.value, strings.Join(vsPlaceholders, " "))
	}
	s.VariableSymbol = st.value
	st = get("message")
	if rest := strings.NewReplacer(msgPlaceholders[0], "", msgPlaceholders[1], "", msgPlaceholders[2], "", msgPlaceholders[3], "").Replace(st.value); strings.ContainsAny(rest, "{}*") {
		return f.errorf(st.line, "message %q holds an unknown placeholder or an asterisk; placeholders: %s", st.value, strings.Join(msgPlaceholders, " "))
	}
	s.Message = st.value
	if st, ok := sec.get("proration"); ok && st.value != Statutory {
		return f.errorf(st.line, "proration %q: the statute prorates the waste fee by month ends and the dog fee by started months (zákon 565/1990 Sb. § 10h, § 2); a schedule may only say %s or leave it out",
			st.value, Statutory)
	}
	return nil
}

func (f *file) parts(sec *section, s *Schedule) error {
	for _, st := range sec.withPrefix("") {
		if !payment.IsDigits(st.key, 1, 1) {
			return f.errorf(st.line, "a part of the municipality is one digit = its name, not %q", st.key)
		}
		if st.value == "" {
			return f.errorf(st.line, "part %s has no name", st.key)
		}
		if _, dup := s.Part(st.value); dup {
			return f.errorf(st.line, "part %q is named twice", st.value)
		}
		s.Parts = append(s.Parts, Part{Digit: st.key, Name: st.value})
	}
	return nil
}

func (f *file) amount(st setting) (int, error) {
	n, err := strconv.Atoi(st.value)
	if err != nil || n < 0 || n > 1_000_000 {
		return 0, f.errorf(st.line, "%s %q is not an amount in whole Kč from 0 to 1000000", st.key, st.value)
	}
	return n, nil
}

func (f *file) rule(sec *section) (*Rule, error) {
	r := &Rule{Fee: Fee(sec.name)}
	st, err := f.required(sec, "title")
	if err != nil {
		return nil, err
	}
	r.Title = st.value
	rate, hasRate := sec.get("rate")
	first, hasFirst := sec.get("rate.first")
	further, hasFurther := sec.get("rate.further")
	switch {
	case hasRate && (hasFirst || hasFurther):
		return nil, f.errorf(rate.line, "a fee is either per payer (rate) or per animal (rate.first, rate.further), not both")
	case hasRate:
		if r.RateCZK, err = f.amount(rate); err != nil {
			return nil, err
		}
	case hasFirst && hasFurther:
		if r.FirstCZK, err = f.amount(first); err != nil {
			return nil, err
		}
		if r.FurtherCZK, err = f.amount(further); err != nil {
			return nil, err
		}
	default:
		return nil, f.errorf(sec.line, "[fee %s] needs rate, or rate.first and rate.further", sec.name)
	}
	if r.Fee == Dog && !r.PerAnimal() {
		return nil, f.errorf(sec.line, "the dog fee is counted per dog: rate.first and rate.further")
	}
	if r.Fee == Waste && r.PerAnimal() {
		return nil, f.errorf(sec.line, "the waste fee is per payer: rate")
	}
	if st, ok := sec.get("free_for_payer_older_than"); ok {
		age, err := strconv.Atoi(st.value)
		if err != nil || age < 0 || age > 150 {
			return nil, f.errorf(st.line, "free_for_payer_older_than %q is not an age in years", st.value)
		}
		r.FreeOlderThan = &age
	}
	if st, err = f.required(sec, "due"); err != nil {
		return nil, err
	}
	due, err := time.Parse("01-02", st.value)
	if err != nil || len(st.value) != 5 || (due.Month() == time.February && due.Day() == 29) {
		return nil, f.errorf(st.line, "due %q is not a day of every year MM-DD (28 February is 02-28)", st.value)
	}
	r.DueMonth, r.DueDay = due.Month(), due.Day()
	if st, ok := sec.get("due_after_arising_days"); ok {
		n, err := strconv.Atoi(st.value)
		if err != nil || n < 1 || n > 366 {
			return nil, f.errorf(st.line, "due_after_arising_days %q is not a number of days from 1 to 366", st.value)
		}
		r.DueAfterArisingDays = n
	}
	for _, list := range []struct {
		prefix string
		into   *[]Entry
	}{{"category.", &r.Categories}, {"exemption.", &r.Exemptions}} {
		for _, st := range sec.withPrefix(list.prefix) {
			code := strings.TrimPrefix(st.key, list.prefix)
			if code == "" || strings.Contains(code, ".") || st.value == "" {
				return nil, f.errorf(st.line, "%s needs a code without dots and the bylaw's words: %s<code> = <words>", list.prefix, list.prefix)
			}
			*list.into = append(*list.into, Entry{Code: code, Description: st.value})
		}
	}
	if len(r.Categories) == 0 {
		return nil, f.errorf(sec.line, "[fee %s] names no payer category (category.<code> = …)", sec.name)
	}
	return r, nil
}

// Book is the schedules of one municipality, each in force from its
// ValidFrom until the next one's.
type Book []*Schedule

// For returns the schedule in force on a day.
func (b Book) For(d calendar.Date) (*Schedule, bool) {
	var in *Schedule
	for _, s := range b {
		if !s.ValidFrom.After(d) && (in == nil || s.ValidFrom.After(in.ValidFrom)) {
			in = s
		}
	}
	return in, in != nil
}
