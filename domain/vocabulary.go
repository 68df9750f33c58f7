package domain

import "slices"

// Document is a kind of document a citizen applies for (docs/LAW.md §2).
type Document string

// Documents a citizen can apply for.
const (
	IDCard          Document = "id_card"           // card with machine-readable zone
	IDCardChip      Document = "id_card_chip"      // card with contact chip
	IDCardTemporary Document = "id_card_temporary" // temporary card without MRZ ("Blesk")
	Passport        Document = "passport"
)

// Valid reports whether d is one of the known documents.
func (d Document) Valid() bool {
	return slices.Contains([]Document{IDCard, IDCardChip, IDCardTemporary, Passport}, d)
}

// IsIDCard reports whether d is any kind of identity card.
func (d Document) IsIDCard() bool { return d == IDCard || d == IDCardChip || d == IDCardTemporary }

// Track is how fast an application is processed (docs/LAW.md §6).
type Track string

// Processing tracks.
const (
	Standard        Track = "standard"
	FiveWorkingDays Track = "five_working_days"
	TwentyFourHours Track = "twenty_four_hours"
	EmbassyTrack    Track = "embassy"
)

// Valid reports whether t is one of the known tracks.
func (t Track) Valid() bool {
	return slices.Contains([]Track{Standard, FiveWorkingDays, TwentyFourHours, EmbassyTrack}, t)
}

// OfficeKind is the kind of authority a citizen deals with (docs/LAW.md §2).
type OfficeKind string

// Kinds of office.
const (
	MunicipalOffice    OfficeKind = "municipal_office"    // ORP office
	RegistryOffice     OfficeKind = "registry_office"     // matriční úřad
	RegistrationOffice OfficeKind = "registration_office" // ohlašovna
	Police             OfficeKind = "police"
	Embassy            OfficeKind = "embassy"
	Ministry           OfficeKind = "ministry"
)

// Valid reports whether k is one of the known kinds of office.
func (k OfficeKind) Valid() bool {
	return slices.Contains([]OfficeKind{MunicipalOffice, RegistryOffice, RegistrationOffice, Police, Embassy, Ministry}, k)
}
