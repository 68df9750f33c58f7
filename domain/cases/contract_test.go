package cases

import (
	"reflect"
	"slices"
	"testing"
)

// TestContract: every event a situation takes is described, from the same
// struct tags the decoder reads.
func TestContract(t *testing.T) {
	for _, s := range Situations() {
		for _, e := range EventTypes(s) {
			if fields, _, ok := Contract(string(e)); !ok || (len(fields) == 0 && e != CaseClosedType) {
				t.Errorf("%s: %s has no contract (%v)", s, e, fields)
			}
		}
	}
	fields, officer, _ := Contract("IncidentReported")
	want := []Field{{Name: "kind", Kind: "line", Required: true, Enum: []string{"lost", "stolen", "damaged", "destroyed", "certificate_misuse"}},
		{Name: "reported_on", Kind: "date", Required: true, Past: true},
		{Name: "discovered_on", Kind: "date", Past: true},
		{Name: "reported_to", Kind: "line", Required: true, Enum: []string{"municipal_office", "registry_office", "police", "embassy", "ministry"}}}
	if officer || !reflect.DeepEqual(fields, want) {
		t.Errorf("IncidentReported: officer %v, fields %+v", officer, fields)
	}
	if _, officer, _ := Contract("FlagReviewed"); !officer {
		t.Error("FlagReviewed is an officer's decision")
	}
	fields, _, _ = Contract("MaritalStatusChanged")
	if i := slices.IndexFunc(fields, func(f Field) bool { return f.Name == "card_shows_marital_status" }); i < 0 || fields[i].Kind != "bool" {
		t.Errorf("MaritalStatusChanged: %+v", fields)
	}
	stored, _ := Stored(IncidentReportedType)
	if last := stored[len(stored)-1]; len(stored) != len(want)+1 || last.Name != "review_threshold_working_days" || !last.Server || last.Kind != "number" {
		t.Errorf("IncidentReported as stored: %+v", stored)
	}
	opened, ok := Stored(CaseOpenedType)
	if i := slices.IndexFunc(opened, func(f Field) bool { return f.Name == "citizen" }); !ok || i < 0 || opened[i].Object != "Citizen" {
		t.Errorf("CaseOpened as stored: %+v", opened)
	}
	if i := slices.IndexFunc(opened, func(f Field) bool { return f.Name == "situation" }); i < 0 || !slices.Equal(opened[i].Enum, values(Situations()...)) {
		t.Errorf("CaseOpened's situation is not the closed set of situations: %+v", opened)
	}
	if _, _, ok := Contract(string(CaseOpenedType)); ok {
		t.Error("CaseOpened is Open's, not an event to record")
	}
	if _, _, ok := Contract("NoSuchEvent"); ok {
		t.Error("an unknown event has a contract")
	}
}

// What the event feed leaves out where personal data may not go.
func TestPersonalFields(t *testing.T) {
	for typ, want := range map[EventType][]string{
		CaseOpenedType:               {"citizen"},
		IncidentReportedType:         nil,
		CitizenTurned15Type:          {"birthday_on"},
		ObligationExcusedType:        {"reason"},
		CaseClosedType:               {"reason"},
		ApplicationFiledType:         {"consent_obstacle"},
		LocalFeeLiabilityAroseType:   {"house_number", "village_part"},
		LocalFeeExemptionGrantedType: {"reason"},
		PaymentReceivedType:          {"variable_symbol"},
	} {
		if got := PersonalFields(typ); !slices.Equal(got, want) {
			t.Errorf("%s: personal fields %v, want %v", typ, got, want)
		}
	}
}

// The e-mail of a consent is personal data: the feed leaves it out.
func TestContactConsentIsPersonal(t *testing.T) {
	if got := PersonalFields(ContactConsentGivenType); !slices.Equal(got, []string{"email"}) {
		t.Errorf("ContactConsentGiven personal fields: %v", got)
	}
	for _, s := range Situations() {
		if !slices.Contains(EventTypes(s), ContactConsentGivenType) || !slices.Contains(EventTypes(s), ContactConsentWithdrawnType) {
			t.Errorf("%s does not take the consent events", s)
		}
	}
}

// TestEveryStoredFieldIsMarked: each field an event stores says whether it
// is personal (encrypted with the citizen's key, forgotten with it) or
// public (statistics, deadlines and positions read it without a key). A new
// field without a marking fails here.
func TestEveryStoredFieldIsMarked(t *testing.T) {
	for _, typ := range AllEventTypes() {
		fields, ok := StoredFields(typ)
		if !ok || len(fields) == 0 && typ != CaseClosedType {
			t.Errorf("%s: no stored fields", typ)
		}
		for _, f := range fields {
			if f.Marking == Unmarked {
				t.Errorf("%s.%s is neither fact:\"personal\" nor fact:\"public\"", typ, f.Path)
			}
		}
	}
	want := []string{"citizen.id", "citizen.birth_date", "citizen.full_name", "citizen.birth_number"}
	if got := PersonalPaths(CaseOpenedType); !slices.Equal(got, want) {
		t.Errorf("CaseOpened personal paths %v, want %v", got, want)
	}
	if got := PersonalPaths(PaymentReceivedType); !slices.Equal(got, []string{"variable_symbol"}) {
		t.Errorf("PaymentReceived personal paths %v", got)
	}
}

// A forgotten citizen's case still folds: the name reads [zapomenuto], the
// birth date reads as no date.
func TestForgottenCitizenFolds(t *testing.T) {
	var c Case
	err := c.Replay(Event{Type: CaseOpenedType, Version: 1, Data: []byte(`{"situation":"id_card_incident","office":"X",
		"citizen":{"id":"[zapomenuto]","birth_date":"[zapomenuto]","full_name":"[zapomenuto]"},"opened_on":"2026-04-01"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if c.Citizen.FullName != Forgotten || !c.Citizen.BirthDate.IsZero() || c.Office != "X" {
		t.Errorf("folded %+v", c.Citizen)
	}
}
