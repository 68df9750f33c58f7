package domain_test

import (
	"testing"

	"github.com/lhuta/lhuta/domain"
)

// The vocabulary of docs/LAW.md §2 and §6 knows its words and nothing else.
func TestVocabulary(t *testing.T) {
	for _, tc := range []struct {
		word  string
		valid bool
		card  bool
	}{
		{"id_card", true, true}, {"id_card_chip", true, true}, {"id_card_temporary", true, true},
		{"passport", true, false}, {"driving_licence", false, false}, {"", false, false},
	} {
		if d := domain.Document(tc.word); d.Valid() != tc.valid || d.IsIDCard() != tc.card {
			t.Errorf("document %q: valid %v, identity card %v; want %v, %v", tc.word, d.Valid(), d.IsIDCard(), tc.valid, tc.card)
		}
	}
	for _, tc := range []struct {
		word  string
		valid bool
	}{{"standard", true}, {"five_working_days", true}, {"twenty_four_hours", true}, {"embassy", true}, {"express", false}, {"", false}} {
		if domain.Track(tc.word).Valid() != tc.valid {
			t.Errorf("track %q: valid %v", tc.word, !tc.valid)
		}
	}
	for _, tc := range []struct {
		word  string
		valid bool
	}{{"municipal_office", true}, {"registry_office", true}, {"registration_office", true}, {"police", true},
		{"embassy", true}, {"ministry", true}, {"post_office", false}, {"", false}} {
		if domain.OfficeKind(tc.word).Valid() != tc.valid {
			t.Errorf("office kind %q: valid %v", tc.word, !tc.valid)
		}
	}
}
