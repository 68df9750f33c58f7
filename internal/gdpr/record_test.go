package gdpr_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/internal/gdpr"
)

// rulesOf parses an office's rules file as the service does.
func rulesOf(t *testing.T, src string) gdpr.Setup {
	t.Helper()
	rules, err := cases.RetentionRules("retention.txt", []byte(src), []string{"nova-ves", "stara-ves"})
	if err != nil {
		t.Fatal(err)
	}
	return gdpr.Setup{Offices: []gdpr.Office{{"nova-ves", "Obecní úřad Nová Ves"}, {"stara-ves", "Obecní úřad Stará Ves"}}, Rules: rules}
}

func documents(t *testing.T, r gdpr.Record) (md string, rows [][]string) {
	t.Helper()
	var m, c bytes.Buffer
	if err := r.Markdown(&m); err != nil {
		t.Fatal(err)
	}
	if err := r.CSV(&c); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not read back: %v\n%s", err, c.String())
	}
	return m.String(), rows
}

// Every personal field of the event contract is in the record, under its
// event type, in both forms: the record reads the contract's markings, so a
// field marked personal tomorrow is in tomorrow's record.
func TestEveryPersonalPathOfTheContractIsInTheRecord(t *testing.T) {
	md, rows := documents(t, gdpr.New(rulesOf(t, "")))
	listed := 0
	for _, typ := range cases.AllEventTypes() {
		paths := cases.PersonalPaths(typ)
		if len(paths) == 0 {
			continue
		}
		line := ""
		for l := range strings.Lines(md) {
			if strings.HasPrefix(l, "| "+string(typ)+" |") {
				line = l
			}
		}
		i := slices.IndexFunc(rows, func(r []string) bool { return r[0] == "personal_data" && r[1] == string(typ) })
		for _, p := range paths {
			listed++
			if !strings.Contains(line, p) {
				t.Errorf("the Markdown record lacks %s.%s (row %q)", typ, p, line)
			}
			if i < 0 || !slices.Contains(strings.Split(strings.Split(rows[i][2], "; ")[0], ", "), p) {
				t.Errorf("the CSV record lacks %s.%s", typ, p)
			}
		}
	}
	// The contract's known personal fields, so that the loop above is not empty.
	for _, want := range []string{"citizen.birth_number", "citizen.full_name", "email", "house_number"} {
		if !strings.Contains(md, want) {
			t.Errorf("the record lacks %s", want)
		}
	}
	if listed < 10 {
		t.Fatalf("only %d personal paths listed: the contract's markings were not read", listed)
	}
	if !strings.Contains(md, "| CaseClosed | reason | reason |") {
		t.Errorf("a free-text reason is not said to be free text:\n%s", md)
	}
}

// The periods of the office's rules file are in the record, per office and
// situation, an office's own rule before the rule for every office; a
// situation with no rule says so.
func TestTheRulesFilePeriodsAreInTheRecord(t *testing.T) {
	md, rows := documents(t, gdpr.New(rulesOf(t, "*  id_card_incident  S  5  closed\nnova-ves  local_fee  V  10  settled\n")))
	for _, want := range []string{
		"| id_card_incident | nova-ves | skartační znak S, 5 let od uzavření případu (closed), od 1. ledna následujícího roku (retention.txt:1) |",
		"| id_card_incident | stara-ves | skartační znak S, 5 let od uzavření případu (closed), od 1. ledna následujícího roku (retention.txt:1) |",
		"| local_fee | nova-ves | skartační znak V, 10 let od vyrovnání poplatku (settled), od 1. ledna následujícího roku (retention.txt:2) |",
		"| local_fee | stara-ves | nenastaveno (případ se nikdy nenaplánuje ke skartaci) |",
		"| passport_application | nova-ves | nenastaveno",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the record lacks %q:\n%s", want, md)
		}
	}
	if !slices.ContainsFunc(rows, func(r []string) bool {
		return r[0] == "retention" && r[1] == "local_fee @ nova-ves" && strings.Contains(r[2], "skartační znak V, 10 let")
	}) {
		t.Errorf("the CSV lacks local_fee's period at nova-ves: %q", rows)
	}
	if strings.Contains(md, "nejsou nastavena") {
		t.Error("the record says no rules are configured")
	}
	none, _ := documents(t, gdpr.New(gdpr.Setup{Offices: []gdpr.Office{{"nova-ves", "Obecní úřad Nová Ves"}}}))
	if !strings.Contains(none, "Skartační pravidla nejsou nastavena") || !strings.Contains(none, "| local_fee | nova-ves | nenastaveno") {
		t.Errorf("without rules:\n%s", none)
	}
}

// The controllers are the configured offices; what lhuta does not know is
// left to the office, marked; the recipients say whether this installation
// sends to them.
func TestTheRecordNamesTheOfficesAndWhatIsConfigured(t *testing.T) {
	s := rulesOf(t, "")
	s.SMTP, s.Feed = true, true
	md, _ := documents(t, gdpr.New(s))
	for _, want := range []string{"| nova-ves | Obecní úřad Nová Ves | " + gdpr.Placeholder, "| stara-ves | Obecní úřad Stará Ves |",
		"| Poštovní server úřadu (SMTP, LHUTA_SMTP_URL) |", "| zapnuto |", "AES-256-GCM", "LHUTA_NATS_PERSONAL_DATA=true",
		gdpr.Purposes[0].LegalBasis, "v této instanci vypnuto"} {
		if !strings.Contains(md, want) {
			t.Errorf("the record lacks %q:\n%s", want, md)
		}
	}
	// The feed without personal data receives none: it is no recipient here.
	for l := range strings.Lines(md) {
		if strings.HasPrefix(l, "| Odběratelé proudu událostí") && !strings.HasSuffix(strings.TrimSpace(l), "| vypnuto |") {
			t.Errorf("the feed without LHUTA_NATS_PERSONAL_DATA is a recipient: %s", l)
		}
	}
}
