package cases_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
)

// A case restored from a snapshot goes on exactly as the case it was taken
// from: every later fact gives the same state, private state included.
func TestACaseRestoredFromASnapshotGoesOnAsTheOriginal(t *testing.T) {
	ctx := cases.Context{Today: calendar.NewDate(2026, 7, 1), Actor: "alice", Role: cases.Clerk}
	officer := cases.Context{Today: ctx.Today, Actor: "bob", Role: cases.ComplianceOfficer}
	steps := []struct {
		ctx  cases.Context
		typ  cases.EventType
		data string
	}{
		{ctx, "IncidentReported", `{"kind":"lost","reported_on":"2026-04-09","discovered_on":"2026-04-01","reported_to":"police"}`},
		{ctx, "ApplicationFiled", `{"document":"id_card_chip","filed_on":"2026-05-20","track":"standard","filing_office":"municipal_office"}`},
		{ctx, "DocumentReady", `{"ready_on":"2026-06-01"}`},
		{ctx, "CollectionReminderSent", `{"sent_on":"2026-06-02","collect_by":"2026-06-09"}`},
		{ctx, "CollectionReminderSent", `{"sent_on":"2026-06-10","collect_by":"2026-06-17"}`},
		{ctx, "DocumentCollected", `{"collected_on":"2026-06-20"}`},
	}
	original := incidentCase()
	for i, s := range steps {
		restored := cases.Restored(t, original.MarshalSnapshot, cases.RestoreSnapshot)
		for _, c := range []*cases.Case{original, restored} {
			if err := record(t, c, s.ctx, s.typ, s.data); err != nil {
				t.Fatalf("step %d %s: %v", i, s.typ, err)
			}
		}
		a, _ := original.MarshalSnapshot()
		b, _ := restored.MarshalSnapshot()
		if !bytes.Equal(a, b) || !reflect.DeepEqual(original.Flags, restored.Flags) ||
			!reflect.DeepEqual(original.Obligations, restored.Obligations) {
			t.Fatalf("after %s the restored case differs:\noriginal %s %+v\nrestored %s %+v", s.typ, a, original.Flags, b, restored.Flags)
		}
	}
	flags := original.Flags
	if len(flags) == 0 {
		t.Fatal("the scenario raised no flag; it should exercise flags")
	}
	review := `{"flag":"` + flags[0].ID + `","decision":"dismissed","decided_on":"2026-06-30"}`
	if err := record(t, original, officer, "FlagReviewed", review); err != nil {
		t.Fatal(err)
	}
}

func TestASnapshotOfAnotherFormatIsNotRead(t *testing.T) {
	snap, _ := json.Marshal(map[string]any{"format": cases.SnapshotFormat + 1, "case": map[string]any{}})
	if _, err := cases.RestoreSnapshot(snap); err != cases.ErrSnapshotFormat {
		t.Fatalf("a snapshot of another format gave %v, want ErrSnapshotFormat", err)
	}
}

// A child's obligation keeps, through a snapshot, why it raises no flag.
func TestASnapshotKeepsWhyAChildIsNotFlagged(t *testing.T) {
	c := law{born: "2015-01-10", given: []fact{movedOn1April}}.run(t, cases.ResidenceChange)
	restored := cases.Restored(t, c.MarshalSnapshot, cases.RestoreSnapshot)
	if restored.Obligations[0].NoFlag == "" || restored.Obligations[0].NoFlag != c.Obligations[0].NoFlag || restored.Fee.Total() != 0 {
		t.Fatalf("restored %+v, fee %+v; want %q", restored.Obligations, restored.Fee, c.Obligations[0].NoFlag)
	}
}
