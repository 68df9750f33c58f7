package ui

import "github.com/lhuta/lhuta/domain/cases"

// The console's Czech words for the API's names. Legal terms follow the
// glossary of the domain rules (docs/LAW.md §2). These are labels only: what a
// value means and whether it is allowed is decided by the domain behind the
// API, and a name without a label is shown as the API spells it. The names of
// situations and event types are the domain's, declared with each situation
// (cases.SituationLabel, cases.Label); labels holds the rest.
var labels = map[string]string{
	// Fields.
	"situation":                     "Životní situace",
	"office":                        "Úřad",
	"citizen.id":                    "Identifikátor občana",
	"citizen.full_name":             "Jméno a příjmení",
	"full_name":                     "Jméno a příjmení",
	"birth_date":                    "Datum narození",
	"birth_number":                  "Rodné číslo",
	"note":                          "Poznámka (nepovinná)",
	"citizen.birth_date":            "Datum narození",
	"citizen.birth_number":          "Rodné číslo (nepovinné)",
	"kind":                          "Co se stalo",
	"reported_on":                   "Datum ohlášení",
	"discovered_on":                 "Datum zjištění",
	"reported_to":                   "Ohlášeno u",
	"found_on":                      "Datum nalezení",
	"surrendered_on":                "Datum odevzdání",
	"used_on":                       "Datum použití",
	"registration_office":           "Ohlašovna",
	"decision_effective_on":         "Datum nabytí právní moci rozhodnutí",
	"notified_on":                   "Datum oznámení",
	"change":                        "Změna",
	"document_received_on":          "Datum převzetí dokladu o změně",
	"card_shows_marital_status":     "OP uvádí rodinný stav",
	"surname_changed":               "Změnilo se příjmení",
	"surname_changed_on":            "Datum změny příjmení",
	"birthday_on":                   "Datum 15. narozenin",
	"permanent_residence_in_cz":     "Trvalý pobyt v ČR",
	"expired_on":                    "Datum skončení platnosti",
	"document":                      "Doklad",
	"filed_on":                      "Datum podání",
	"track":                         "Lhůta vyřízení",
	"filing_office":                 "Úřad podání",
	"pickup_office":                 "Úřad převzetí",
	"applicant_age":                 "Věk žadatele (let)",
	"consent_attached":              "Souhlas zákonného zástupce přiložen",
	"consent_obstacle":              "Překážka souhlasu zákonného zástupce",
	"ready_on":                      "Datum připravení",
	"sent_on":                       "Datum odeslání výzvy",
	"collect_by":                    "Převzít do",
	"collected_on":                  "Datum převzetí",
	"obligation":                    "Povinnost",
	"reason":                        "Důvod",
	"excused_on":                    "Datum prominutí",
	"obstacle_from":                 "Překážka od",
	"email":                         "E-mail pro upomínky",
	"withdrawn_on":                  "Datum odvolání souhlasu",
	"flag":                          "Podezření z přestupku",
	"decision":                      "Rozhodnutí",
	"fine_czk":                      "Pokuta (Kč)",
	"decided_on":                    "Datum rozhodnutí",
	"closed_on":                     "Datum uzavření",
	"review_threshold_working_days": "Práh pro pozdní ohlášení (pracovní dny)",
	"fee":                           "Poplatek",
	"arose_on":                      "Datum vzniku povinnosti",
	"basis":                         "Kategorie poplatníka (podle vyhlášky)",
	"house_number":                  "Číslo popisné",
	"village_part":                  "Část obce",
	"dogs":                          "Počet psů",
	"dog_born_on":                   "Datum narození psa",
	"placed_on":                     "Datum pozastavení skartace",
	"released_on":                   "Datum zrušení pozastavení",
	"mark":                          "Skartační znak",
	"years":                         "Skartační lhůta (let)",
	"trigger":                       "Spouštěcí událost",
	"trigger_on":                    "Datum spouštěcí události",
	"ends_on":                       "Konec skartační lhůty",
	"disposal_id":                   "Skartační návrh",
	"archive_decision":              "Rozhodnutí archivu (číslo jednací)",
	"disposition":                   "Naložení se spisem",
	"ended_on":                      "Datum zániku povinnosti",
	"from":                          "Od",
	"to":                            "Do (nepovinné)",
	"year":                          "Rok",
	"amount_czk":                    "Částka (Kč)",
	"increase_czk":                  "Zvýšení poplatku (Kč)",
	"due_on":                        "Datum splatnosti",
	"paid_on":                       "Datum platby",
	"variable_symbol":               "Variabilní symbol (VS)",
	"bank_reference":                "Identifikace platby v bance (nepovinné)",

	// Values.
	"lost":                   "ztráta",
	"stolen":                 "odcizení",
	"damaged":                "poškození",
	"destroyed":              "zničení",
	"certificate_misuse":     "zneužití potvrzení o OP",
	"municipal_office":       "obecní úřad obce s rozšířenou působností (ORP)",
	"registry_office":        "matriční úřad",
	"registration_office_v":  "ohlašovna",
	"police":                 "Policie ČR",
	"embassy":                "zastupitelský úřad (ZÚ)",
	"ministry":               "Ministerstvo vnitra (MV)",
	"id_card":                "OP se strojově čitelnými údaji",
	"id_card_chip":           "OP s kontaktním čipem",
	"id_card_temporary":      "OP bez strojově čitelných údajů",
	"passport":               "cestovní pas",
	"standard":               "běžná",
	"five_working_days":      "do 5 pracovních dnů",
	"twenty_four_hours":      "do 24 hodin",
	"embassy_track":          "zastupitelský úřad",
	"marriage":               "uzavření manželství",
	"divorce":                "rozvod",
	"partnership_registered": "vznik registrovaného partnerství",
	"partnership_dissolved":  "zrušení registrovaného partnerství",
	"widowed":                "ovdovění",
	"marriage_void":          "neplatnost manželství",
	"partnership_void":       "neplatnost partnerství",
	"spouse_declared_dead":   "prohlášení manžela za mrtvého",
	"dismissed":              "odloženo",
	"proceedings_opened":     "zahájeno řízení",
	"fined":                  "uložena pokuta",
	"raised":                 "k posouzení",
	"waste":                  "poplatek za komunální odpad",
	"dog":                    "poplatek ze psů",

	// Obligations and statuses.
	"apply_for_id_card":    "Požádat o nový OP",
	"surrender_id_card":    "Odevzdat OP",
	"surrender_found_card": "Odevzdat nalezený OP",
	"open":                 "běží",
	"overdue":              "po lhůtě",
	"met":                  "splněno včas",
	"met_late":             "splněno pozdě",
	"excused":              "prominuto",
	"judged":               "rozhodnuto",
	"closed":               "uzavřen",
	"due_soon":             "lhůta se blíží",
	"breached":             "překročena",
	// Payment statuses and kinds.
	"unpaid":             "nezaplaceno (před splatností)",
	"partially_paid":     "zaplaceno částečně",
	"paid":               "zaplaceno",
	"paid_late":          "zaplaceno po splatnosti",
	"blocking":           "brání úkonu (nezaplaceno)",
	"fine":               "pokuta",
	"administrative_fee": "správní poplatek",

	// Roles.
	"clerk":              "referent",
	"compliance_officer": "kontrolor",
	"dashboard":          "přehledy",
	"admin":              "správce",
	"records_officer":    "pracovník spisové služby",

	"loss_certificate": "Potvrzení o občanském průkazu",

	// Fee parts.
	"filing":     "při podání",
	"collection": "při převzetí",
}

// eventLabels are the labels of fields that mean something else in one
// event than elsewhere, by "<event type>.<field>".
var eventLabels = map[string]string{
	"CaseAssigned.to":   "Komu (přihlašovací jméno pracovníka)",
	"CaseAssigned.note": "Poznámka k přidělení (nepovinná)",
}

// fieldLabel is the label of an event's field.
func fieldLabel(eventType, field string) string {
	if l, ok := eventLabels[eventType+"."+field]; ok {
		return l
	}
	return label(field)
}

// label returns the Czech label of an API name, or the name itself: a
// situation's or event type's from the domain's declarations, any other
// from labels.
func label(name string) string {
	if l, ok := labels[name]; ok {
		return l
	}
	if l := cases.SituationLabel(cases.Situation(name)); l != "" {
		return l
	}
	if l := cases.Label(cases.EventType(name)); l != "" {
		return l
	}
	return name
}

// valueLabel labels a field's value: a few values mean different things
// in different fields.
func valueLabel(field, value string) string {
	switch {
	case field == "track" && value == "embassy":
		return labels["embassy_track"]
	case value == "registration_office":
		return labels["registration_office_v"]
	}
	return label(value)
}

var czechMonths = []string{"leden", "únor", "březen", "duben", "květen", "červen", "červenec", "srpen",
	"září", "říjen", "listopad", "prosinec"}
