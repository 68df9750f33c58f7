package money_test

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/money"
)

func TestNovaVesIsBuiltIn(t *testing.T) {
	o, ok := money.Builtin().Office("nova-ves")
	if !ok || o.Name != "Obecní úřad Nová Ves" || o.Account.String() != "460043319/0800" || o.FineDueDays != 30 || o.Transfer != nil {
		t.Fatalf("nova-ves: %+v", o)
	}
	if _, ok := o.Schedules.For(calendar.NewDate(2022, 12, 31)); ok {
		t.Error("a schedule before 2023, which seed 004 does not describe")
	}
	s, ok := o.Schedules.For(calendar.NewDate(2026, 3, 1))
	if !ok || s.Municipality != "Nová Ves" || s.Account.IBAN() != "CZ6308000000000460043319" {
		t.Fatalf("schedule: %+v", s)
	}
	waste, _ := s.Rule(money.Waste)
	dog, _ := s.Rule(money.Dog)
	if waste.RateCZK != 1200 || waste.DueMonth != time.February || waste.DueDay != 28 || waste.DueAfterArisingDays != 30 ||
		len(waste.Categories) != 6 || len(waste.Exemptions) != 8 {
		t.Errorf("waste: %+v", waste)
	}
	if dog.FirstCZK != 200 || dog.FurtherCZK != 300 || *dog.FreeOlderThan != 65 || dog.DueAfterArisingDays != 0 {
		t.Errorf("dog: %+v", dog)
	}
	for part, vs := range map[string]string{"Nová Ves": "1541", "Nové Ouholice": "1542", "Staré Ouholice": "1543", "Vepřek": "1544", "Miřejovice": "1545"} {
		got, err := s.VariableSymbolOf(money.Payer{HouseNumber: "154", VillagePart: part})
		if err != nil || got != vs {
			t.Errorf("house 154 in %s: %q, %v; want %s", part, got, err, vs)
		}
	}
	if _, err := s.VariableSymbolOf(money.Payer{HouseNumber: "154", VillagePart: "Praha"}); err == nil {
		t.Error("an unknown part gives a symbol")
	}
	if m := s.MessageOf(money.Payer{FullName: " Jana  Nováková "}); m != "Nováková" {
		t.Errorf("message %q, want the surname", m)
	}
	if got := money.Builtin().Codes(); len(got) != 1 || got[0] != "nova-ves" {
		t.Errorf("codes %v", got)
	}
	if _, err := money.BuiltinSchedule("brno"); err == nil {
		t.Error("an unknown built-in schedule")
	}
	var none *money.Offices
	if _, ok := none.Office("nova-ves"); ok {
		t.Error("nil offices know an office")
	}
}

func TestClipFitsQRPlatba(t *testing.T) {
	if got := money.Clip("a*b " + strings.Repeat("ž", 70)); got != "ab "+strings.Repeat("ž", 57) {
		t.Errorf("got %q", got)
	}
}

const good = `# a schedule
[schedule]
municipality = Hora
valid_from = 2024-01-01
account = 19-2000145399/0800
variable_symbol = {house_number}{village_part}
message = {surname}
proration = statutory

[village_parts]
1 = Hora

[fee waste]
title = odpad
rate = 1000
due = 02-28
category.resident = resident
`

func TestScheduleErrorsNameTheLine(t *testing.T) {
	if _, err := money.ParseSchedule("hora.txt", []byte(good)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new string
		line           int
		says           string
	}{
		{"unknown setting", "rate = 1000", "rate = 1000\nrates = 5", 16, "rates is not a setting"},
		{"bad account", "19-2000145399/0800", "19-2000145398/0800", 5, "mod-11"},
		{"bad date", "2024-01-01", "2024-02-30", 4, "valid_from"},
		{"proration none", "proration = statutory", "proration = none", 8, "the statute prorates"},
		{"proration monthly", "proration = statutory", "proration = monthly", 8, "the statute prorates"},
		{"bad due", "due = 02-28", "due = 02-29", 16, "due"},
		{"bad amount", "rate = 1000", "rate = lots", 15, "whole Kč"},
		{"both rates", "rate = 1000", "rate = 1000\nrate.first = 1\nrate.further = 1", 15, "not both"},
		{"no rate", "rate = 1000\n", "", 13, "needs rate"},
		{"waste per animal", "rate = 1000", "rate.first = 1\nrate.further = 1", 13, "per payer"},
		{"unknown fee", "[fee waste]", "[fee parking]", 13, "parking"},
		{"unknown section", "[village_parts]", "[parts]", 10, "not a section"},
		{"header", "[village_parts]", "[village_parts", 10, "does not end"},
		{"header words", "[village_parts]", "[a b c]", 10, "[kind name]"},
		{"not key value", "title = odpad", "title odpad", 14, "neither"},
		{"bad key", "title = odpad", "Title = odpad", 14, "not a key"},
		{"twice", "title = odpad", "title = odpad\ntitle = x", 15, "twice"},
		{"section twice", "[village_parts]", "[fee waste]\ntitle = a\n[village_parts]", 15, "twice"},
		{"missing municipality", "municipality = Hora\n", "", 2, "needs municipality"},
		{"bad vs", "{house_number}{village_part}", "VS{house_number}", 6, "variable_symbol"},
		{"bad message", "message = {surname}", "message = {name}", 7, "placeholder"},
		{"bad ss", "proration = statutory", "proration = statutory\nspecific_symbol = x1", 9, "specific_symbol"},
		{"part not a digit", "1 = Hora", "x = Hora", 11, "one digit"},
		{"part twice", "1 = Hora", "1 = Hora\n2 = Hora", 12, "named twice"},
		{"no category", "category.resident = resident", "", 13, "no payer category"},
		{"bad category", "category.resident = resident", "category. = resident", 17, "code"},
		{"bad age", "due = 02-28", "due = 02-28\nfree_for_payer_older_than = old", 17, "age"},
		{"bad after", "due = 02-28", "due = 02-28\ndue_after_arising_days = 0", 17, "days"},
		{"no parts for the pattern", "[village_parts]\n1 = Hora\n", "", 6, "[village_parts]"},
		{"before a section", "# a schedule", "x = 1", 1, "before any"},
		{"control character", "title = odpad", "title = od\x01pad", 14, "control"},
		{"no title", "title = odpad", "title =", 13, "needs title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(good, tt.old, tt.new, 1)
			_, err := money.ParseSchedule("hora.txt", []byte(src))
			var fe *money.FormatError
			if !errors.As(err, &fe) || fe.Line != tt.line || !strings.Contains(err.Error(), tt.says) || !strings.HasPrefix(err.Error(), "hora.txt:") {
				t.Fatalf("got %v, want hora.txt:%d … %s", err, tt.line, tt.says)
			}
		})
	}
	for _, src := range []string{"", "[village_parts]\n1 = A\n", "\xff", "[schedule]\nmunicipality = A\nvalid_from = 2024-01-01\naccount = 123/0100\nvariable_symbol = 1\nmessage = x\nproration = none\n"} {
		if _, err := money.ParseSchedule("x.txt", []byte(src)); err == nil {
			t.Errorf("%q accepted", src)
		}
	}
}

// novaVes is the built-in schedule of Nová Ves (seed 004).
func novaVes(t *testing.T) *money.Schedule {
	t.Helper()
	s, err := money.BuiltinSchedule("nova-ves")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCategoriesExemptionsAndParts(t *testing.T) {
	s := novaVes(t)
	waste, _ := s.Rule(money.Waste)
	if _, ok := waste.Category("permanent_residence"); !ok {
		t.Error("category")
	}
	if _, ok := waste.Exemption("prison"); !ok {
		t.Error("exemption")
	}
	if money.Codes(waste.Categories)[:19] != "permanent_residence" {
		t.Error("codes")
	}
	if s.PartNames() != "Nová Ves, Nové Ouholice, Staré Ouholice, Vepřek, Miřejovice" {
		t.Errorf("parts %q", s.PartNames())
	}
}

const offices = `[office hora]
name = Obecní úřad Hora
account = 19-2000145399/0800
fine_due_days = 15
schedules = hora-2024.txt builtin:nova-ves
transfer.account = 3711-8920071/0710
transfer.variable_symbol_prefix = 1111
transfer.specific_symbol = 433
`

func TestOffices(t *testing.T) {
	load := func(name string) ([]byte, error) {
		if name == "hora-2024.txt" {
			return []byte(good), nil
		}
		return nil, errors.New("no such file")
	}
	o, err := money.ParseOffices("offices.txt", []byte(offices), load)
	if err != nil {
		t.Fatal(err)
	}
	hora, _ := o.Office("hora")
	if hora.FineDueDays != 15 || hora.Transfer.VSPrefix != "1111" || hora.Transfer.SpecificSymbol != "433" || len(hora.Schedules) != 2 {
		t.Fatalf("%+v", hora)
	}
	if s, _ := hora.Schedules.For(calendar.NewDate(2023, 6, 1)); s.Municipality != "Nová Ves" {
		t.Errorf("2023: %s", s.Municipality)
	}
	if s, _ := hora.Schedules.For(calendar.NewDate(2025, 6, 1)); s.Municipality != "Hora" {
		t.Errorf("2025: %s", s.Municipality)
	}
	tests := []struct {
		name, old, new string
		line           int
	}{
		{"missing file", "hora-2024.txt", "brno.txt", 5},
		{"bad schedule", "builtin:nova-ves", "builtin:brno", 5},
		{"same day", "builtin:nova-ves", "hora-2024.txt", 5},
		{"bad account", "account = 19-2000145399/0800", "account = 1/0800", 3},
		{"bad days", "fine_due_days = 15", "fine_due_days = 0", 4},
		{"no name", "name = Obecní úřad Hora", "name =", 1},
		{"bad transfer account", "3711-8920071/0710", "3711-8920072/0710", 6},
		{"bad prefix", "prefix = 1111", "prefix = 11a", 7},
		{"bad transfer ss", "specific_symbol = 433", "specific_symbol = x", 8},
		{"unknown transfer setting", "transfer.specific_symbol = 433", "transfer.ks = 1", 8},
		{"transfer without prefix", "transfer.variable_symbol_prefix = 1111\n", "", 1},
		{"unknown setting", "fine_due_days = 15", "fine_days = 15", 4},
		{"not an office", "[office hora]", "[office]", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := money.ParseOffices("offices.txt", []byte(strings.Replace(offices, tt.old, tt.new, 1)), load)
			var fe *money.FormatError
			if !errors.As(err, &fe) || fe.Line != tt.line {
				t.Fatalf("got %v, want a problem on line %d", err, tt.line)
			}
		})
	}
	if _, err := money.ParseOffices("offices.txt", []byte(offices), nil); err == nil || !strings.Contains(err.Error(), "only built-in") {
		t.Errorf("a file schedule without a loader: %v", err)
	}
	if _, err := money.ParseOffices("offices.txt", []byte("# nothing\n"), nil); err == nil {
		t.Error("an empty offices file")
	}
	if _, err := money.ParseOffices("offices.txt", []byte("\xff"), nil); err == nil {
		t.Error("not UTF-8")
	}
}

// README's example offices file and schedule are valid.
func TestREADMEExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```ini\n(.*?)```").FindAllSubmatch(readme, -1)
	if len(blocks) != 2 {
		t.Fatalf("README has %d ini blocks, want the offices file and a schedule", len(blocks))
	}
	s, err := money.ParseSchedule("hora-2024.txt", blocks[1][1])
	if err != nil {
		t.Fatal(err)
	}
	if s.SpecificSymbol != "1340" || s.Account.String() != "19-2000145399/0800" || len(s.Rules) != 2 {
		t.Errorf("schedule: %+v", s)
	}
	o, err := money.ParseOffices("offices.txt", blocks[0][1], func(name string) ([]byte, error) {
		return bytes.Replace(blocks[1][1], []byte("2024-01-01"), []byte(name[5:9]+"-01-01"), 1), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	hora, _ := o.Office("hora")
	if hora.FineDueDays != 30 || len(hora.Schedules) != 2 || hora.Transfer != nil || hora.Account == nil {
		t.Errorf("office: %+v", hora)
	}
}

// Any file is parsed or refused with a line within it, never a panic.
func FuzzParseSchedule(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("[schedule]\nx = 1 # c\n[fee dog]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		_, err := money.ParseSchedule("f.txt", src)
		var fe *money.FormatError
		if err != nil && (!errors.As(err, &fe) || fe.Line < 0 || fe.Line > bytes.Count(src, []byte("\n"))+1) {
			t.Fatalf("%v", err)
		}
	})
}
