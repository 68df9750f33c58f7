// Package gdpr holds what lhuta says about its processing of personal data
// (GDPR): the purposes and their legal bases, which the citizen's export
// (GET /v1/me/export, čl. 15) and the record of processing activities
// (čl. 30, lhuta processing-record and GET /v1/processing-record) both
// read, and the record itself, generated from the event contract's field
// markings (cases.PersonalPaths) and the office's retention rules.
package gdpr

// Purpose is why lhuta holds a citizen's data and on what legal basis
// (GDPR čl. 13, 15 odst. 1 písm. a), c), d), 30 odst. 1 písm. b)).
type Purpose struct {
	Purpose    string `json:"purpose"`
	LegalBasis string `json:"legal_basis"`
	Retention  string `json:"retention"`
}

// RetentionNotConfigured is said where a retention rule would stand: none
// is configured (docs/API.md, "Retention and erasure").
const RetentionNotConfigured = "retention rules: not yet configured"

// Purposes are lhuta's purposes of processing, the one list the export and
// the record read.
var Purposes = []Purpose{
	{"Evidence životních situací občana a povinností z nich plynoucích (občanské průkazy, cestovní pasy, trvalý pobyt)",
		"čl. 6 odst. 1 písm. c) a e) GDPR; zákon 269/2021 Sb., o občanských průkazech; zákon 329/1999 Sb., o cestovních dokladech; zákon 133/2000 Sb., o evidenci obyvatel",
		RetentionNotConfigured},
	{"Správa místních poplatků, pokut a správních poplatků a jejich plateb",
		"čl. 6 odst. 1 písm. c) a e) GDPR; zákon 565/1990 Sb., o místních poplatcích; zákon 280/2009 Sb., daňový řád; zákon 634/2004 Sb., o správních poplatcích",
		RetentionNotConfigured},
	{"Přístup občana na portál (přihlašovací údaje, propojení s identitou občana) a záznam o tom, kdo nahlížel do údajů",
		"čl. 6 odst. 1 písm. e) GDPR; zákon 250/2017 Sb., o elektronické identifikaci; čl. 32 GDPR (záznamy o přístupu)",
		RetentionNotConfigured},
	{"Zasílání připomínek e-mailem (konec platnosti dokladu, lhůty a splatnosti plateb), jen se souhlasem občana (ContactConsentGiven), do jeho odvolání",
		"čl. 6 odst. 1 písm. a) GDPR (souhlas, odvolatelný kdykoli: ContactConsentWithdrawn)",
		RetentionNotConfigured},
}
