package gdpr

import (
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/domain/retention"
)

// Office is a controller: each office is its own controller of the
// personal data of its cases (docs/API.md, "Reminders").
type Office struct {
	Code, Name string
}

// Setup is what the record says of one installation: its offices, its
// retention rules and which of the code's recipients it has configured.
type Setup struct {
	// Offices are the configured offices (LHUTA_OFFICES, else the built-in).
	Offices []Office
	// Rules are the offices' retention rules (nil: none configured).
	Rules *retention.Rules
	// SMTP is LHUTA_SMTP_URL set: reminders are sent.
	SMTP bool
	// Feed is LHUTA_NATS_URL set; FeedPersonal is LHUTA_NATS_PERSONAL_DATA.
	Feed, FeedPersonal bool
	// NIA is LHUTA_NIA_METADATA_URL set: citizens sign in with NIA.
	NIA bool
	// TLS is LHUTA_TLS_CERT set: the service speaks HTTPS itself.
	TLS bool
	// Today is the day the record is made (zero: not said).
	Today calendar.Date
}

// Placeholder marks what the office fills in: lhuta does not know it.
const Placeholder = "[DOPLNÍ ÚŘAD]"

// Record is the record of processing activities (záznamy o činnostech
// zpracování, GDPR čl. 30 odst. 1) of one installation.
type Record struct {
	Today       calendar.Date
	Controllers []Office
	Purposes    []Purpose
	Subjects    []string
	// Data are the personal fields of each event type that has any, read
	// from the contract's markings; Stores are the personal data kept
	// outside the event log.
	Data   []EventData
	Stores []string
	// Recipients are those the code sends personal data to.
	Recipients []Recipient
	Transfers  string
	Retention  []Period
	// RulesFile is the name of the rules file the periods come from ("": none).
	RulesFile string
	Measures  []string
}

// EventData is one event type's personal fields (paths such as
// "citizen.full_name"); Text are those of them that are free text.
type EventData struct {
	Type   cases.EventType
	Fields []string
	Text   []string
}

// Recipient is someone lhuta hands personal data to, what and when.
type Recipient struct {
	Name, Data, When string
	// On is whether this installation has it configured.
	On bool
}

// Period is the retention of one situation at one office: the rule of the
// office's rules file, or none.
type Period struct {
	Situation, Office string
	Rule              *retention.Rule
}

// New generates the record of an installation.
func New(s Setup) Record {
	r := Record{Today: s.Today, Controllers: s.Offices, Purposes: Purposes, Subjects: subjects, Stores: stores,
		Transfers: "lhuta sama nic nepředává do třetích zemí ani mezinárodním organizacím. Kde běží poštovní server " +
			"(LHUTA_SMTP_URL), NATS (LHUTA_NATS_URL) a jejich odběratelé, určuje úřad: " + Placeholder + "."}
	if s.Rules != nil {
		r.RulesFile = filepath.Base(s.Rules.File)
	}
	for _, t := range cases.AllEventTypes() {
		paths := cases.PersonalPaths(t)
		if len(paths) == 0 {
			continue
		}
		d := EventData{Type: t, Fields: paths}
		stored, _ := cases.Stored(t)
		for _, f := range stored {
			if f.Kind == "text" && slices.Contains(paths, f.Name) {
				d.Text = append(d.Text, f.Name)
			}
		}
		r.Data = append(r.Data, d)
	}
	r.Recipients = []Recipient{
		{"Poštovní server úřadu (SMTP, LHUTA_SMTP_URL)",
			"e-mailová adresa občana a text připomínky (druh dokladu, povinnosti nebo platby, datum, částka; bez jména a rodného čísla, s odkazem na portál)",
			"jen občanům, kteří dali souhlas (ContactConsentGiven), a jen je-li nastaveno LHUTA_SMTP_URL", s.SMTP},
		{"Odběratelé proudu událostí (NATS JetStream, LHUTA_NATS_URL)",
			"blok občana (id, jméno, datum narození, rodné číslo), osobní pole a volné texty událostí a jméno zaměstnance, který událost zapsal",
			"jen je-li nastaveno LHUTA_NATS_PERSONAL_DATA=true; jinak proud nenese žádný osobní údaj (jen veřejná pole událostí)",
			s.Feed && s.FeedPersonal},
		{"Národní identitní autorita (NIA, SAML 2.0, LHUTA_NIA_METADATA_URL)",
			"žádost o přihlášení bez osobních údajů občana; NIA vrací pseudonym občana (eIDAS PersonIdentifier), který lhuta uloží k jeho účtu na portálu",
			"jen je-li nastaveno LHUTA_NIA_METADATA_URL, při přihlášení občana identitou občana", s.NIA},
	}
	offices := make([]string, 0, len(s.Offices))
	for _, o := range s.Offices {
		offices = append(offices, o.Code)
	}
	for _, sit := range cases.Situations() {
		for _, o := range offices {
			p := Period{Situation: string(sit), Office: o}
			if rule, ok := s.Rules.For(o, string(sit)); ok {
				p.Rule = &rule
			}
			r.Retention = append(r.Retention, p)
		}
	}
	tls := "HTTPS přímo službou (LHUTA_TLS_CERT, LHUTA_TLS_KEY): v této instanci vypnuto, šifrování spojení musí zajistit reverzní proxy před službou (LHUTA_TRUSTED_PROXIES)."
	if s.TLS {
		tls = "HTTPS přímo službou (LHUTA_TLS_CERT, LHUTA_TLS_KEY): v této instanci zapnuto."
	}
	r.Measures = append(slices.Clone(measures), tls, "Organizační opatření úřadu (pověření zaměstnanci, školení, přidělování rolí a tokenů, "+
		"uložení KEK a záloh): "+Placeholder+".")
	return r
}

var subjects = []string{
	"Občané, jejichž životní situace (doklady, trvalý pobyt, místní poplatky) úřad vede, včetně jejich přístupu na portál občana.",
	"Zaměstnanci úřadu: jméno u každé zapsané události (recorded_by) a v záznamu o čtení osobních údajů (kdo, role, úřad).",
}

var stores = []string{
	"Rejstřík občanů pro vyhledávání (citizens): id občana, datum narození, rodné číslo.",
	"Portál občana: uživatelské jméno a hash hesla (argon2id), relace, hash (SHA-256) aktivačního kódu, pseudonym NIA.",
	"Připomínky: e-mailová adresa a text dopisu ve frontě k odeslání; o odeslaných záznam bez adresy po zapomenutí.",
	"Kredity z bankovních výpisů (lhuta import-statement): jméno a účet plátce, zpráva pro příjemce, variabilní symbol.",
	"Záznam o čtení osobních údajů zaměstnanci: kdy, případ, kdo, role, úřad, cesta a id požadavku.",
	"Záznamy opakovaných požadavků (Idempotency-Key): otisk (SHA-256) požadavku, ne jeho obsah.",
}

var measures = []string{
	"Osobní pole událostí jsou uložena šifrovaně (AES-256-GCM) datovým klíčem občana (32 náhodných bajtů); datové klíče jsou zabalené " +
		"(AES-256-GCM) klíčem KEK (LHUTA_KEK_FILE), který leží mimo databázi a její zálohy; instance s jiným KEK odmítne start.",
	"Zapomenutí (čl. 17): po schválení skartačního návrhu archivem se klíč občana zničí, šifrové texty se přepíší na [zapomenuto], " +
		"osobní údaje zmizí ze všech tabulek, čtecích modelů a proudu událostí; lhuta verify-forgotten to ověří. Obnovená záloha zapomene znovu, než začne sloužit.",
	"Každé čtení osobních údajů zaměstnancem se zaznamená (kdy, případ, kdo, role, úřad); občan tento záznam vidí na portálu (GET /v1/me/reads).",
	"Přístup jen podle rolí (clerk, compliance_officer, records_officer, dashboard, admin) a omezení tokenu nebo skupiny na úřady; " +
		"občan na portálu vidí jen své údaje; nástěnka (dashboard) jen souhrnná čísla.",
	"Hesla portálu jen jako hash argon2id, aktivační kódy jen jako SHA-256; neúspěšná přihlášení jsou omezena; cookies portálu Secure a HttpOnly.",
	"Proud událostí bez LHUTA_NATS_PERSONAL_DATA nenese osobní údaje; log služby nenese osobní hodnoty.",
}

// escapeCell keeps a Markdown table cell in its column.
func escapeCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// ruleText says a retention rule in Czech, with its line in the office's file.
func ruleText(r *retention.Rule, file string) string {
	if r == nil {
		return "nenastaveno (případ se nikdy nenaplánuje ke skartaci)"
	}
	trigger := "od uzavření případu (closed)"
	if r.Trigger == retention.Settled {
		trigger = "od vyrovnání poplatku (settled)"
	}
	return fmt.Sprintf("skartační znak %s, %d let %s, od 1. ledna následujícího roku (%s:%d)", r.Mark, r.Years, trigger, file, r.Line)
}

// Markdown writes the record as a Markdown document.
func (r Record) Markdown(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Záznamy o činnostech zpracování (čl. 30 odst. 1 GDPR)\n\n")
	p("Vygenerováno službou lhuta z označení polí smlouvy událostí (fact:\"personal\", fact:\"text\") a ze skartačních pravidel úřadu")
	if !r.Today.IsZero() {
		p(", stav ke dni %s", r.Today.Czech())
	}
	p(". Údaje, které lhuta nezná, jsou označeny %s: doplní je úřad.\n\n", Placeholder)
	p("## 1. Správce\n\nKaždý úřad je samostatným správcem osobních údajů svých případů.\n\n| Kód | Úřad | Adresa, IČO, kontakt | Pověřenec pro ochranu osobních údajů |\n|---|---|---|---|\n")
	for _, o := range r.Controllers {
		p("| %s | %s | %s | %s |\n", escapeCell(o.Code), escapeCell(o.Name), Placeholder, Placeholder)
	}
	p("\n## 2. Účely zpracování a právní základy\n\n| Účel | Právní základ |\n|---|---|\n")
	for _, pu := range r.Purposes {
		p("| %s | %s |\n", escapeCell(pu.Purpose), escapeCell(pu.LegalBasis))
	}
	p("\n## 3. Kategorie subjektů údajů\n\n")
	for _, s := range r.Subjects {
		p("- %s\n", s)
	}
	p("\n## 4. Kategorie osobních údajů\n\n### Události případů (šifrovány klíčem občana)\n\n| Událost | Osobní pole | Z toho volný text |\n|---|---|---|\n")
	for _, d := range r.Data {
		p("| %s | %s | %s |\n", d.Type, strings.Join(d.Fields, ", "), strings.Join(d.Text, ", "))
	}
	p("\n### Mimo záznam událostí\n\n")
	for _, s := range r.Stores {
		p("- %s\n", s)
	}
	p("\n## 5. Příjemci\n\n| Příjemce | Co dostává | Kdy | V této instanci |\n|---|---|---|---|\n")
	for _, rc := range r.Recipients {
		p("| %s | %s | %s | %s |\n", escapeCell(rc.Name), escapeCell(rc.Data), escapeCell(rc.When), onOff(rc.On))
	}
	p("\n## 6. Předání do třetích zemí\n\n%s\n", r.Transfers)
	p("\n## 7. Lhůty pro výmaz (skartační lhůty)\n\n")
	if r.RulesFile == "" {
		p("Skartační pravidla nejsou nastavena (LHUTA_RETENTION_FILE): žádný případ se nenaplánuje ke skartaci a nic se nezapomene.\n\n")
	}
	p("| Situace | Úřad | Lhůta |\n|---|---|---|\n")
	for _, pe := range r.Retention {
		p("| %s | %s | %s |\n", pe.Situation, escapeCell(pe.Office), escapeCell(ruleText(pe.Rule, r.RulesFile)))
	}
	p("\n## 8. Technická a organizační opatření (čl. 32)\n\n")
	for _, m := range r.Measures {
		p("- %s\n", m)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func onOff(on bool) string {
	if on {
		return "zapnuto"
	}
	return "vypnuto"
}

// CSVHeader is the header row of the record as CSV.
var CSVHeader = []string{"section", "item", "detail"}

// CSV writes the record as CSV: one row per statement, in the sections of
// the Markdown document.
func (r Record) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rows := [][]string{CSVHeader}
	add := func(section, item, detail string) { rows = append(rows, []string{section, inert(item), inert(detail)}) }
	for _, o := range r.Controllers {
		add("controller", o.Code, o.Name+"; adresa, IČO, kontakt a pověřenec: "+Placeholder)
	}
	for _, pu := range r.Purposes {
		add("purpose", pu.Purpose, pu.LegalBasis)
	}
	for _, s := range r.Subjects {
		add("data_subjects", s, "")
	}
	for _, d := range r.Data {
		detail := strings.Join(d.Fields, ", ")
		if len(d.Text) > 0 {
			detail += "; volný text: " + strings.Join(d.Text, ", ")
		}
		add("personal_data", string(d.Type), detail)
	}
	for _, s := range r.Stores {
		add("personal_data", "mimo záznam událostí", s)
	}
	for _, rc := range r.Recipients {
		add("recipient", rc.Name, rc.Data+"; "+rc.When+"; v této instanci: "+onOff(rc.On))
	}
	add("transfers", "třetí země", r.Transfers)
	for _, pe := range r.Retention {
		add("retention", pe.Situation+" @ "+pe.Office, ruleText(pe.Rule, r.RulesFile))
	}
	for _, m := range r.Measures {
		add("measure", m, "")
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// inert keeps a cell from being read as a formula by a spreadsheet.
func inert(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// OfficesOf lists the offices of an offices file as controllers (nil: the
// built-in offices).
func OfficesOf(o *money.Offices) []Office {
	if o == nil {
		o = money.Builtin()
	}
	var out []Office
	for _, code := range o.Codes() {
		of, _ := o.Office(code)
		out = append(out, Office{Code: code, Name: of.Name})
	}
	return out
}
