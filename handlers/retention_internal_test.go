package handlers

import (
	"encoding/json"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/internal/caserepo"
)

// The citizen's export (GET /v1/me/export) shows a case's retention end
// once the case is scheduled, and says "not yet configured" before.
func TestTheExportShowsTheRetentionEnd(t *testing.T) {
	opened := caserepo.Event{Type: string(cases.CaseOpenedType), Data: json.RawMessage(`{}`)}
	if end := retentionOf("c1", "nova-ves/2026/00001", []caserepo.Event{opened}); end.Retention != retentionNotConfigured || !end.EndsOn.IsZero() {
		t.Errorf("unscheduled: %+v", end)
	}
	data, _ := json.Marshal(cases.RetentionScheduled{Mark: "S", Years: 5, Trigger: "closed",
		TriggerOn: calendar.NewDate(2026, 3, 15), EndsOn: calendar.NewDate(2031, 12, 31)})
	end := retentionOf("c1", "nova-ves/2026/00001", []caserepo.Event{opened, {Type: string(cases.RetentionScheduledType), Data: data}})
	if end.EndsOn != calendar.NewDate(2031, 12, 31) || end.Mark != "S" ||
		end.Retention != "skartační znak S, lhůta 5 let od 1. ledna roku následujícího po 15. 3. 2026: končí 31. 12. 2031" {
		t.Errorf("scheduled: %+v", end)
	}
}
