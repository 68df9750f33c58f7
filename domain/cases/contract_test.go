package cases

import (
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
	want := []Field{{"kind", "line", true, false, false}, {"reported_on", "date", true, true, false},
		{"discovered_on", "date", false, true, false}, {"reported_to", "line", true, false, false}}
	if officer || !slices.Equal(fields, want) {
		t.Errorf("IncidentReported: officer %v, fields %+v", officer, fields)
	}
	if _, officer, _ := Contract("FlagReviewed"); !officer {
		t.Error("FlagReviewed is an officer's decision")
	}
	fields, _, _ = Contract("MaritalStatusChanged")
	if i := slices.IndexFunc(fields, func(f Field) bool { return f.Name == "card_shows_marital_status" }); i < 0 || fields[i].Kind != "bool" {
		t.Errorf("MaritalStatusChanged: %+v", fields)
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
