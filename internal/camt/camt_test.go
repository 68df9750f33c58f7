package camt_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/internal/camt"
)

// sample is a bank's statement of Nová Ves's account.
func sample(t testing.TB) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/statement.xml")
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// parse reads a statement that must be read.
func parse(t *testing.T, src []byte) camt.Statement {
	t.Helper()
	st, err := camt.Parse(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("%v in\n%s", err, src)
	}
	return st
}

func TestSampleStatement(t *testing.T) {
	st := parse(t, sample(t))
	want := []camt.Credit{
		{1, 1200, calendar.NewDate(2026, 2, 20), "260220-0000001", "1541", "PLATCE A", ""},
		{2, 500, calendar.NewDate(2026, 2, 23), "260223-0000002", "1244", "PLATCE B", "poplatek ze psu"},
		{4, 700, calendar.NewDate(2026, 2, 25), "260225-0000004", "9999", "PLATCE C", "/VS/9999/ odpad"},
		{5, 300, calendar.NewDate(2026, 2, 26), "260226-0000005", "", "PLATCE D", "za psa"},
	}
	if st.IBAN != "CZ6308000000000460043319" || st.ID != "0460043319-2026-02" || len(st.Credits) != len(want) {
		t.Fatalf("got %+v", st)
	}
	for i, c := range st.Credits {
		if c != want[i] {
			t.Errorf("credit %d: %+v, want %+v", i, c, want[i])
		}
	}
}

func TestMalformedStatementsNameTheProblem(t *testing.T) {
	entry := func(body string) string {
		return `<Document><BkToCstmrStmt><Stmt><Id>s</Id><Ntry>` + body + `</Ntry></Stmt></BkToCstmrStmt></Document>`
	}
	ok := `<Amt Ccy="CZK">100</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-01-05</Dt></BookgDt><AcctSvcrRef>R1</AcctSvcrRef>`
	if st, err := camt.Parse(strings.NewReader(entry(ok))); err != nil || len(st.Credits) != 1 || st.Credits[0].VariableSymbol != "" {
		t.Fatalf("a minimal credit: %+v, %v", st, err)
	}
	tests := []struct {
		name, xml, says string
		is              error
	}{
		{"not XML", "<Document><BkToCstmrStmt>", "not well-formed", camt.ErrMalformed},
		{"not a statement", "<Document></Document>", "no BkToCstmrStmt", camt.ErrMalformed},
		{"two statements", "<Document><BkToCstmrStmt><Stmt/><Stmt/></BkToCstmrStmt></Document>", "2 statements", camt.ErrMalformed},
		{"euro", entry(strings.Replace(ok, "CZK", "EUR", 1)), `entry 1: amount in "EUR", not CZK`, camt.ErrNotCZK},
		{"halers", entry(strings.Replace(ok, ">100<", ">100.50<", 1)), "whole number of Kč", camt.ErrMalformed},
		{"no amount", entry(strings.Replace(ok, ">100<", "><", 1)), "amount", camt.ErrMalformed},
		{"zero", entry(strings.Replace(ok, ">100<", ">0.00<", 1)), "zero", camt.ErrMalformed},
		{"bad date", entry(strings.Replace(ok, "2026-01-05", "2026-02-30", 1)), "booking date", camt.ErrMalformed},
		{"no reference", entry(strings.Replace(ok, "<AcctSvcrRef>R1</AcctSvcrRef>", "", 1)), "no bank reference", camt.ErrMalformed},
		{"account in euro", strings.Replace(entry(ok), "<Id>s</Id>", "<Id>s</Id><Acct><Ccy>EUR</Ccy></Acct>", 1), `account's currency (Stmt/Acct/Ccy) is "EUR"`, camt.ErrNotCZK},
		{"the largest int64 in Kč", entry(strings.Replace(ok, ">100<", ">9223372036854775807.00<", 1)), "entry 1: amount 9223372036854775807 Kč is over the largest amount lhuta takes, 100000000 Kč", camt.ErrMalformed},
		{"past int64", entry(strings.Replace(ok, ">100<", ">99999999999999999999<", 1)), "entry 1: amount 99999999999999999999 Kč is over", camt.ErrMalformed},
		{"a Kč over the bound", entry(strings.Replace(ok, ">100<", ">100000001<", 1)), "over the largest amount", camt.ErrMalformed},
		{"negative", entry(strings.Replace(ok, ">100<", ">-100<", 1)), "not a whole number", camt.ErrMalformed},
		{"bad indicator", entry(strings.Replace(ok, "CRDT", "CREDIT", 1)), "CdtDbtInd", camt.ErrMalformed},
		{"same reference twice", `<Document><BkToCstmrStmt><Stmt><Ntry>` + ok + `</Ntry><Ntry>` + ok + `</Ntry></Stmt></BkToCstmrStmt></Document>`, "same reference", camt.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := camt.Parse(strings.NewReader(tt.xml))
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("got %v, want %v saying %q", err, tt.is, tt.says)
			}
		})
	}
}

// The bound itself is taken; a file one byte over MaxSize is refused as too
// large, not read as a truncated (malformed) statement.
func TestBounds(t *testing.T) {
	top := `<Document><BkToCstmrStmt><Stmt><Id>s</Id><Ntry><Amt Ccy="CZK">100000000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>` +
		`<BookgDt><Dt>2026-01-05</Dt></BookgDt><AcctSvcrRef>R1</AcctSvcrRef></Ntry></Stmt></BkToCstmrStmt></Document>`
	if st, err := camt.Parse(strings.NewReader(top)); err != nil || st.Credits[0].AmountCZK != camt.MaxAmountCZK {
		t.Fatalf("100 000 000 Kč: %+v, %v", st, err)
	}
	padded := top + strings.Repeat(" ", camt.MaxSize+1-len(top))
	if _, err := camt.Parse(strings.NewReader(padded)); !errors.Is(err, camt.ErrTooLarge) {
		t.Errorf("a file of MaxSize+1 bytes: %v", err)
	}
	if _, err := camt.Parse(strings.NewReader(padded[:camt.MaxSize])); err != nil {
		t.Errorf("a file of MaxSize bytes: %v", err)
	}
}

func TestVariableSymbolForms(t *testing.T) {
	for _, tt := range []struct{ details, vs string }{
		{`<RmtInf><Strd><CdtrRefInf><Ref>VS:0001541</Ref></CdtrRefInf></Strd></RmtInf>`, "1541"},
		{`<Refs><EndToEndId>VS1541</EndToEndId></Refs>`, "1541"},
		{`<Refs><EndToEndId>/VS1541/SS123</EndToEndId></Refs>`, "1541"},
		{`<RmtInf><Ustrd>platba VS: 1541 odpad</Ustrd></RmtInf>`, "1541"},
		{`<RmtInf><Ustrd>1541</Ustrd></RmtInf>`, ""},
		{`<Refs><EndToEndId>INV1541</EndToEndId></Refs>`, ""},
	} {
		xml := `<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy="CZK">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><DtTm>2026-01-05T10:00:00</DtTm></BookgDt>` +
			`<NtryDtls><TxDtls><Refs><AcctSvcrRef>R</AcctSvcrRef></Refs></TxDtls><TxDtls>` + tt.details + `<RltdPties><Dbtr><Pty><Nm>X</Nm></Pty></Dbtr></RltdPties></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>`
		if c := parse(t, []byte(xml)).Credits[0]; c.VariableSymbol != tt.vs || c.Reference != "R" || c.CounterParty != "X" || c.BookedOn != calendar.NewDate(2026, 1, 5) {
			t.Errorf("%s: %+v, want VS %q", tt.details, c, tt.vs)
		}
	}
}

// Any input is read or refused as malformed, never a panic.
func FuzzParse(f *testing.F) {
	f.Add(sample(f))
	f.Add([]byte(`<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy="CZK">1</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry></Stmt></BkToCstmrStmt></Document>`))
	f.Fuzz(func(t *testing.T, src []byte) {
		st, err := camt.Parse(bytes.NewReader(src))
		if err != nil && !errors.Is(err, camt.ErrMalformed) && !errors.Is(err, camt.ErrNotCZK) {
			t.Fatal(err)
		}
		for _, c := range st.Credits {
			if c.AmountCZK <= 0 || c.AmountCZK > camt.MaxAmountCZK || c.Reference == "" {
				t.Fatalf("credit %+v", c)
			}
		}
	})
}
