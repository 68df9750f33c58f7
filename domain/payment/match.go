package payment

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Candidate is a case a bank credit may pay: one that has a payment
// obligation with the credit's variable symbol (docs/LAW.md §9.1, shared
// variable symbols: in Nová Ves everyone in house 154 pays with VS 1541).
type Candidate struct {
	// ID names the case.
	ID string
	// Payer is the payer's full name; the surname is its last word, as in
	// the message the schedule asks for.
	Payer string
	// OwedCZK are what the case's obligations with the variable symbol
	// still owe, each above 0.
	OwedCZK []int
}

// owes reports whether amount is what the candidate owes: what one of its
// obligations with the symbol still owes, or all of them together (a payer
// who pays the waste and the dog fee in one transfer).
func (c Candidate) owes(amount int) bool {
	for _, o := range c.OwedCZK {
		if o == amount {
			return true
		}
	}
	total := 0
	for _, o := range c.OwedCZK {
		if total > amount-o {
			return false // past the amount, and so never past what an int holds
		}
		total += o
	}
	return len(c.OwedCZK) > 1 && total == amount
}

// Match is the outcome of matching one credit: the case it pays, or why no
// single case could be found.
type Match struct {
	// CaseID is the case the credit pays, "" when it is an unmatched credit.
	CaseID string
	// Reason says why the credit pays CaseID, or why it is unmatched.
	Reason string
}

// Matched reports whether the credit was matched to a case.
func (m Match) Matched() bool { return m.CaseID != "" }

// MatchCredit finds the one case a statement credit pays among the
// candidates with its variable symbol (docs/LAW.md §9.1, shared variable
// symbols). The variable symbol alone never decides: the credit pays the
// one candidate whose payer's surname the message names (accents and case
// ignored); failing that, the one candidate that owes exactly the amount.
// Where the message names several of them, only those are weighed by the
// amount: a credit that names Novák is never put on Svoboda's case. Where
// neither singles out one case, the credit is unmatched, for the fee
// department to assign: nothing is lost and nothing guessed.
func MatchCredit(message string, amountCZK int, candidates []Candidate) Match {
	if len(candidates) == 0 {
		return Match{Reason: "no case of the office has a payment obligation with this variable symbol"}
	}
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(Fold(message), func(r rune) bool { return !unicode.IsLetter(r) }) {
		words[w] = true
	}
	var named []Candidate
	for _, c := range candidates {
		if s := surname(c.Payer); s != "" && words[s] {
			named = append(named, c)
		}
	}
	if len(named) == 1 {
		return Match{CaseID: named[0].ID, Reason: "the variable symbol and the payer's surname in the message"}
	}
	weighed, among := candidates, "the cases with this variable symbol"
	if len(named) > 1 {
		weighed, among = named, "the cases whose payers the message names"
	}
	var owing []Candidate
	for _, c := range weighed {
		if c.owes(amountCZK) {
			owing = append(owing, c)
		}
	}
	switch {
	case len(owing) == 1:
		return Match{CaseID: owing[0].ID, Reason: "the variable symbol and the amount, which only this case owes"}
	case len(owing) > 1:
		return Match{Reason: "the variable symbol is shared and " + strconv.Itoa(len(owing)) + " of " + among + " owe this amount; the message names none of their payers alone"}
	case len(named) > 1:
		return Match{Reason: "the message names " + strconv.Itoa(len(named)) + " payers with this variable symbol and none of them owes this amount"}
	case len(candidates) == 1:
		return Match{Reason: "the message does not name the payer of the case with this variable symbol and the amount is not what it owes"}
	}
	return Match{Reason: "the variable symbol is shared by " + strconv.Itoa(len(candidates)) + " cases; the message names none of their payers and the amount is not what exactly one of them owes"}
}

func surname(full string) string {
	names := strings.Fields(Fold(full))
	if len(names) == 0 {
		return ""
	}
	return names[len(names)-1]
}

// Fold makes text comparable the way a person reads a name: lower case,
// accents left out ("Nováková" and "NOVAKOVA" are the same surname; Czech
// banks often drop diacritics from messages).
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		folded = s // only invalid UTF-8 fails, and it then compares as it is
	}
	return strings.ToLower(folded)
}
