package cases

import (
	"encoding/json"
	"errors"
	"slices"

	"github.com/lhuta/lhuta/domain"
	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/fees"
	"github.com/lhuta/lhuta/domain/rulebook"
)

// SnapshotFormat is the version of the snapshot encoding: a snapshot of
// another format is not read (ErrSnapshotFormat), and the case is replayed
// from its events instead. Bump it whenever the state of a Case changes shape.
const SnapshotFormat = 5

// ErrSnapshotFormat is returned for a snapshot written by another format.
var ErrSnapshotFormat = errors.New("snapshot of another format")

// snapshot is everything a Case holds, private state included, for storage.
type snapshot struct {
	Format               int                         `json:"format"`
	Case                 *Case                       `json:"case"`
	ObligationFlags      []string                    `json:"obligation_flags,omitempty"`
	Seen                 map[EventType]calendar.Date `json:"seen,omitempty"`
	FeeReason            fees.Reason                 `json:"fee_reason,omitempty"`
	Incident             IncidentKind                `json:"incident,omitempty"`
	NoPermanentResidence bool                        `json:"no_permanent_residence,omitempty"`
	Application          *applicationSnapshot        `json:"application,omitempty"`
	CardAppliedOn        calendar.Date               `json:"card_applied_on,omitzero"`
	FlagsRaised          int                         `json:"flags_raised,omitempty"`
}

type applicationSnapshot struct {
	Document         domain.Document  `json:"document"`
	FiledOn          calendar.Date    `json:"filed_on"`
	ReadyOn          calendar.Date    `json:"ready_on,omitzero"`
	CollectedOn      calendar.Date    `json:"collected_on,omitzero"`
	Reminders        int              `json:"reminders,omitempty"`
	LastCollectBy    calendar.Date    `json:"last_collect_by,omitzero"`
	NotCollectedFlag string           `json:"not_collected_flag,omitempty"`
	SLA              int              `json:"sla"`
	Priced           fees.Application `json:"priced"`
}

// MarshalSnapshot encodes the whole state of the case, so that a case can
// continue from it instead of replaying its stream from the first event.
// It is meant only for storage: RestoreSnapshot is its one reader.
func (c *Case) MarshalSnapshot() ([]byte, error) {
	// Offences are kept by their code: the catalogue holds the rest.
	stored := *c
	stored.Obligations = slices.Clone(c.Obligations)
	for i := range stored.Obligations {
		stored.Obligations[i].Offence = rulebook.Offence{Code: c.Obligations[i].Offence.Code}
	}
	stored.Flags = slices.Clone(c.Flags)
	for i := range stored.Flags {
		stored.Flags[i].Offence = rulebook.Offence{Code: c.Flags[i].Offence.Code}
	}
	s := snapshot{Format: SnapshotFormat, Case: &stored, Seen: c.seen, FeeReason: c.feeReason, Incident: c.incident,
		NoPermanentResidence: c.noPermanentResidence, CardAppliedOn: c.cardAppliedOn, FlagsRaised: c.flagsRaised}
	for i, o := range c.Obligations {
		if o.flag != "" {
			if s.ObligationFlags == nil {
				s.ObligationFlags = make([]string, len(c.Obligations))
			}
			s.ObligationFlags[i] = o.flag
		}
	}
	if a := c.application; a != nil {
		s.Application = &applicationSnapshot{a.document, a.filedOn, a.readyOn, a.collectedOn, a.reminders,
			a.lastCollectBy, a.notCollectedFlag, a.sla, a.priced}
	}
	return json.Marshal(s)
}

// RestoreSnapshot decodes a snapshot written by MarshalSnapshot.
func RestoreSnapshot(b []byte) (*Case, error) {
	var s snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	if s.Format != SnapshotFormat || s.Case == nil {
		return nil, ErrSnapshotFormat
	}
	c := s.Case
	for i := range c.Obligations {
		if !offence(&c.Obligations[i].Offence) {
			return nil, ErrSnapshotFormat
		}
	}
	for i := range c.Flags {
		if !offence(&c.Flags[i].Offence) {
			return nil, ErrSnapshotFormat
		}
	}
	c.seen, c.feeReason, c.incident = s.Seen, s.FeeReason, s.Incident
	c.noPermanentResidence, c.cardAppliedOn, c.flagsRaised = s.NoPermanentResidence, s.CardAppliedOn, s.FlagsRaised
	for i := range c.Obligations {
		if i < len(s.ObligationFlags) {
			c.Obligations[i].flag = s.ObligationFlags[i]
		}
	}
	if a := s.Application; a != nil {
		c.application = &application{a.Document, a.FiledOn, a.ReadyOn, a.CollectedOn, a.Reminders,
			a.LastCollectBy, a.NotCollectedFlag, a.SLA, a.Priced}
	}
	return c, nil
}

// offence fills in a stored offence from its code; false if the catalogue
// no longer has it.
func offence(o *rulebook.Offence) bool {
	if o.Code == "" {
		return true
	}
	full, ok := rulebook.OffenceByCode(o.Code)
	*o = full
	return ok
}
