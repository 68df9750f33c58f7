package cases_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
)

// record decides a fact on c and folds the resulting event into it, as the
// repository does.
func record(t *testing.T, c *cases.Case, ctx cases.Context, typ, data string) error {
	t.Helper()
	rec, err := c.Record(typ, []byte(data), ctx)
	if err != nil {
		return err
	}
	b, err := json.Marshal(rec.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(rec.Type, c.Version+1, b); err != nil {
		t.Fatal(err)
	}
	return nil
}

func incidentCase() *cases.Case {
	return &cases.Case{ID: "c", Situation: cases.IDCardIncident, Version: 1,
		Citizen: cases.Citizen{ID: "1", BirthDate: calendar.NewDate(1980, 5, 17), FullName: "Jana Nováková"}}
}

// Lost on Wednesday 1 Apr 2026, reported on Thursday 9 Apr 2026: four
// working days later (Good Friday and Easter Monday do not count). That is
// past the default threshold of 3 working days but within an office's 5.
func TestLossReportReviewThresholdIsConfigurable(t *testing.T) {
	const report = `{"kind":"lost","reported_on":"2026-04-09","discovered_on":"2026-04-01","reported_to":"police"}`
	today := calendar.NewDate(2026, 4, 10)
	for _, c := range []struct {
		threshold int
		flags     int
	}{{0, 1}, {3, 1}, {4, 0}, {5, 0}} {
		kase := incidentCase()
		ctx := cases.Context{Today: today, Actor: "alice", Role: cases.Clerk, LossReportThreshold: c.threshold}
		if err := record(t, kase, ctx, "IncidentReported", report); err != nil {
			t.Fatal(err)
		}
		hints := 0
		for _, f := range kase.Flags {
			if f.Offence.ReviewOnly {
				hints++
				if f.RaisedOn != calendar.NewDate(2026, 4, 9) {
					t.Errorf("threshold %d: hint raised on %s, want on the report", c.threshold, f.RaisedOn)
				}
			}
		}
		if hints != c.flags {
			t.Errorf("threshold %d: %d review hints, want %d", c.threshold, hints, c.flags)
		}
	}
}

func TestServiceFieldsCannotBeSentByClients(t *testing.T) {
	kase := incidentCase()
	ctx := cases.Context{Today: calendar.NewDate(2026, 4, 10), Role: cases.Clerk}
	err := record(t, kase, ctx, "IncidentReported",
		`{"kind":"lost","reported_on":"2026-04-09","reported_to":"police","review_threshold_working_days":99}`)
	var invalid *cases.InvalidError
	if !errors.As(err, &invalid) || invalid.Errors[0].Field != "data.review_threshold_working_days" {
		t.Fatalf("got %v", err)
	}
}
