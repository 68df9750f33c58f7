// Package camt reads bank statements in ISO 20022 camt.053 (BankToCustomer
// Statement), the XML Czech banks export, for recording incoming payments.
//
// Only what matching a payment needs is read: the statement's account and,
// of each booked credit entry, its amount in CZK, the booking date, the
// bank's reference, the variable symbol and the counter-party's name. The
// variable symbol is taken, in this order, from the structured creditor
// reference (RmtInf/Strd/CdtrRefInf/Ref), from the end-to-end id in the
// Czech form "/VS1541/SS.../KS..." or "VS1541", or from an unstructured
// remittance text holding "/VS/1541" or "VS:1541"; a credit without one is
// still returned, with an empty symbol, for the report of unmatched payments.
//
// Parse reads the whole statement before returning anything: a malformed
// file, a credit without an amount, date or reference, an amount that is not
// whole Kč from 1 to MaxAmountCZK, a statement of an account or an entry in
// another currency than CZK, or a file over MaxSize fails as a whole with an
// error naming the entry, so that nothing of it is recorded.
package camt

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/money"
)

// ErrMalformed means the file is not a camt.053 statement lhuta can read.
var ErrMalformed = errors.New("malformed bank statement")

// ErrNotCZK means the statement's account, or an entry, is in another
// currency than CZK: fees and fines are owed in Kč, and converting money is
// not the office's to guess.
var ErrNotCZK = errors.New("bank statement not in CZK")

// ErrTooLarge means the file is larger than MaxSize.
var ErrTooLarge = errors.New("bank statement too large")

// MaxSize bounds a statement file: a month of a municipality's account is
// a few MiB (about 2 KiB an entry), and the whole file is held in memory
// while it is checked.
const MaxSize = 50 << 20

// MaxAmountCZK is the largest amount of one entry, in whole Kč: the bound of
// every amount lhuta takes (money.MaxCZK); a larger one is a bank's or a
// forger's error, refused before any sum could overflow.
const MaxAmountCZK = money.MaxCZK

// Statement is a bank statement's account and its credits.
type Statement struct {
	ID string
	// IBAN is the statement's account, "" where the file gives none.
	IBAN    string
	Credits []Credit
}

// Credit is one incoming payment.
type Credit struct {
	// Entry is the entry's place in the statement, from 1, for messages.
	Entry     int
	AmountCZK int
	BookedOn  calendar.Date
	// Reference is the bank's own reference of the payment, unique at the bank.
	Reference      string
	VariableSymbol string
	CounterParty   string
	// Message is the payer's message for the recipient (RmtInf/Ustrd), where
	// the fee schedules ask for the payer's surname.
	Message string
}

type document struct {
	XMLName xml.Name `xml:"Document"`
	Stmts   []stmt   `xml:"BkToCstmrStmt>Stmt"`
}

type stmt struct {
	ID   string `xml:"Id"`
	IBAN string `xml:"Acct>Id>IBAN"`
	Ccy  string `xml:"Acct>Ccy"`
	Ntry []ntry `xml:"Ntry"`
}

type ntry struct {
	Amt struct {
		Value string `xml:",chardata"`
		Ccy   string `xml:"Ccy,attr"`
	} `xml:"Amt"`
	CdtDbtInd string `xml:"CdtDbtInd"`
	// Sts is text in camt.053.001.02, a code inside Cd from version .08 on.
	Sts struct {
		Text string `xml:",chardata"`
		Cd   string `xml:"Cd"`
	} `xml:"Sts"`
	BookgDt     string `xml:"BookgDt>Dt"`
	BookgDtTm   string `xml:"BookgDt>DtTm"`
	AcctSvcrRef string `xml:"AcctSvcrRef"`
	// AddtlNtryInf is the entry's own text; some banks put the payer's message there.
	AddtlNtryInf string `xml:"AddtlNtryInf"`
	TxDtls       []struct {
		AcctSvcrRef string   `xml:"Refs>AcctSvcrRef"`
		EndToEndID  string   `xml:"Refs>EndToEndId"`
		StrdRef     []string `xml:"RmtInf>Strd>CdtrRefInf>Ref"`
		Ustrd       []string `xml:"RmtInf>Ustrd"`
		DbtrNm      string   `xml:"RltdPties>Dbtr>Nm"`
		DbtrPtyNm   string   `xml:"RltdPties>Dbtr>Pty>Nm"`
	} `xml:"NtryDtls>TxDtls"`
}

// Parse reads a camt.053 statement.
func Parse(r io.Reader) (Statement, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return Statement{}, err
	}
	if len(raw) > MaxSize {
		return Statement{}, fmt.Errorf("%w: more than %d MiB", ErrTooLarge, MaxSize>>20)
	}
	var doc document
	dec := xml.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&doc); err != nil {
		return Statement{}, fmt.Errorf("%w: not well-formed XML of a camt.053 Document: %w", ErrMalformed, err)
	}
	switch {
	case len(doc.Stmts) == 0:
		return Statement{}, fmt.Errorf("%w: no BkToCstmrStmt/Stmt element (is it a camt.053 statement?)", ErrMalformed)
	case len(doc.Stmts) > 1:
		return Statement{}, fmt.Errorf("%w: %d statements in one file; import them one by one", ErrMalformed, len(doc.Stmts))
	}
	st := doc.Stmts[0]
	if ccy := strings.TrimSpace(st.Ccy); ccy != "" && ccy != "CZK" {
		return Statement{}, fmt.Errorf("%w: the account's currency (Stmt/Acct/Ccy) is %q", ErrNotCZK, ccy)
	}
	out := Statement{ID: strings.TrimSpace(st.ID), IBAN: strings.TrimSpace(st.IBAN)}
	for i, e := range st.Ntry {
		n := i + 1
		if strings.TrimSpace(e.CdtDbtInd) == "DBIT" {
			continue
		}
		if ind := strings.TrimSpace(e.CdtDbtInd); ind != "CRDT" {
			return Statement{}, fmt.Errorf("%w: entry %d: CdtDbtInd %q is neither CRDT nor DBIT", ErrMalformed, n, ind)
		}
		if status := strings.TrimSpace(e.Sts.Text + e.Sts.Cd); status != "" && status != "BOOK" {
			continue // pending entries are not money received yet
		}
		if ccy := strings.TrimSpace(e.Amt.Ccy); ccy != "CZK" {
			return Statement{}, fmt.Errorf("%w: entry %d: amount in %q, not CZK", ErrNotCZK, n, ccy)
		}
		c, err := credit(n, e)
		if err != nil {
			return Statement{}, fmt.Errorf("%w: entry %d: %w", ErrMalformed, n, err)
		}
		out.Credits = append(out.Credits, c)
	}
	seen := map[string]int{}
	for _, c := range out.Credits {
		if first, dup := seen[c.Reference]; dup {
			return Statement{}, fmt.Errorf("%w: entries %d and %d have the same reference %q", ErrMalformed, first, c.Entry, c.Reference)
		}
		seen[c.Reference] = c.Entry
	}
	return out, nil
}

func credit(n int, e ntry) (Credit, error) {
	c := Credit{Entry: n}
	amount := strings.TrimSpace(e.Amt.Value)
	whole, frac, _ := strings.Cut(amount, ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0") != "" || len(frac) > 2 {
		return c, fmt.Errorf("amount %q is not a whole number of Kč (fees and fines are in whole Kč)", amount)
	}
	// Digits only: a number too long for an int is over the bound as well.
	kc, err := strconv.Atoi(whole)
	switch {
	case err != nil || kc > MaxAmountCZK:
		return c, fmt.Errorf("amount %s Kč is over the largest amount lhuta takes, %d Kč", whole, MaxAmountCZK)
	case kc == 0:
		return c, fmt.Errorf("amount is zero")
	}
	c.AmountCZK = kc
	date := strings.TrimSpace(e.BookgDt)
	if date == "" && len(strings.TrimSpace(e.BookgDtTm)) >= 10 {
		date = strings.TrimSpace(e.BookgDtTm)[:10]
	}
	if c.BookedOn, err = calendar.ParseDate(date); err != nil {
		return c, fmt.Errorf("booking date %q: %w", date, err)
	}
	c.Reference = strings.TrimSpace(e.AcctSvcrRef)
	for _, tx := range e.TxDtls {
		if c.Reference == "" {
			c.Reference = strings.TrimSpace(tx.AcctSvcrRef)
		}
		if c.CounterParty == "" {
			c.CounterParty = strings.TrimSpace(tx.DbtrNm + tx.DbtrPtyNm)
		}
		if c.VariableSymbol == "" {
			c.VariableSymbol = variableSymbol(tx.StrdRef, tx.EndToEndID, tx.Ustrd)
		}
		for _, u := range tx.Ustrd {
			c.Message = strings.TrimSpace(c.Message + " " + strings.TrimSpace(u))
		}
	}
	if c.Message == "" {
		c.Message = strings.TrimSpace(e.AddtlNtryInf)
	}
	if c.Reference == "" {
		return c, fmt.Errorf("no bank reference (AcctSvcrRef): a payment without one cannot be told from a repeated one")
	}
	return c, nil
}

var (
	digitsOnly = regexp.MustCompile(`^[0-9]{1,10}$`)
	vsInE2E    = regexp.MustCompile(`(?:^|/)VS:?([0-9]{1,10})(?:/|$)`)
	vsInText   = regexp.MustCompile(`(?:/VS/|VS:\s*)([0-9]{1,10})\b`)
)

func variableSymbol(strd []string, e2e string, ustrd []string) string {
	for _, ref := range strd {
		ref = strings.TrimPrefix(strings.TrimSpace(ref), "VS")
		ref = strings.TrimLeft(strings.TrimPrefix(ref, ":"), " ")
		if digitsOnly.MatchString(ref) {
			return strings.TrimLeft(ref, "0")
		}
	}
	if m := vsInE2E.FindStringSubmatch(strings.TrimSpace(e2e)); m != nil {
		return strings.TrimLeft(m[1], "0")
	}
	for _, u := range ustrd {
		if m := vsInText.FindStringSubmatch(u); m != nil {
			return strings.TrimLeft(m[1], "0")
		}
	}
	return ""
}
