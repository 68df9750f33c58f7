package projections

import (
	"encoding/json"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/domain/reminder"
	"github.com/lhuta/lhuta/eventstore"
)

// reminderTable holds the reminders each case's facts plan (domain/reminder,
// docs/LAW.md §5.4), planned or cancelled by a fact. Whether one was sent is
// not here: the service keeps that in reminder_sent, a table of its own
// that no rebuild drops, so a rebuild never sends a reminder again. A
// planned reminder whose days passed unsent is cancelled by the reader,
// which knows today. The partial index finds the reminders due on a day:
// send_on from that day less reminder.MaxWindowDays up to the day.
var reminderTable = table{
	name: "reminder_view",
	columns: []string{"reminder_id TEXT NOT NULL", "case_id TEXT NOT NULL", "citizen_id TEXT NOT NULL",
		"office TEXT NOT NULL", "kind TEXT NOT NULL", "subject TEXT NOT NULL", "due_on %DATE% NOT NULL",
		"send_on %DATE% NOT NULL", "last_on %DATE% NOT NULL", "status TEXT NOT NULL", "reason TEXT NOT NULL"},
	key: []string{"reminder_id"},
	indexes: []string{
		"(send_on, office, citizen_id) WHERE status = 'planned'",
		"(case_id)",
		"(citizen_id)",
	},
}

// consentTable holds each citizen's consent to reminders at each office:
// the latest ContactConsentGiven or ContactConsentWithdrawn of any of their
// cases there, by position in the log (email NULL when withdrawn).
var consentTable = table{
	name: "consent_view",
	columns: []string{"office TEXT NOT NULL", "citizen_id TEXT NOT NULL", "email TEXT",
		"status TEXT NOT NULL", "changed_on %DATE% NOT NULL", "position BIGINT NOT NULL"},
	key: []string{"office", "citizen_id"},
}

// Consent statuses in consent_view.
const (
	ConsentGiven     = "given"
	ConsentWithdrawn = "withdrawn"
)

// planYears is how many years after a case's latest event its payments are
// planned: a local fee that goes on arises every 1 January without an
// event, and the read model cannot know today. A case with no event for
// longer gets its later years' reminders with its next event or rebuild.
const planYears = 3

// horizon is the day a case's payments are planned as of: the end of the
// planYears-th year after its latest event was recorded. It depends on the
// events alone, so the live projection and a rebuild store the same rows.
func horizon(last time.Time) calendar.Date {
	return calendar.NewDate(calendar.Today(last).Year()+planYears, 12, 31)
}

// reminderRows are the rows of a case's reminders.
func reminderRows(c *cases.Case, last time.Time, offices *money.Offices) []row {
	var rows []row
	for _, r := range reminder.Facts(c, horizon(last), offices) {
		rows = append(rows, row{r.ID, c.ID, c.Citizen.ID, c.Office, string(r.Kind), r.Subject, r.DueOn,
			r.SendOn, r.LastOn, string(r.Status), r.Reason})
	}
	return rows
}

// consentRows returns the consent rows the consent events among events give,
// the latest per office and citizen; c is the case after them.
func consentRows(c *cases.Case, events []eventstore.Event, into map[[2]string]row) error {
	if c.Citizen.ID == cases.Forgotten {
		// A forgotten citizen consents to nothing: their consent is gone
		// with them, and "[zapomenuto]" is nobody's key.
		return nil
	}
	for _, e := range events {
		var r row
		switch cases.EventType(e.Type) {
		case cases.ContactConsentGivenType:
			var given cases.ContactConsentGiven
			if err := json.Unmarshal(e.Data, &given); err != nil {
				return err
			}
			r = row{c.Office, c.Citizen.ID, given.Email, ConsentGiven, calendar.Today(e.RecordedAt), e.Position}
		case cases.ContactConsentWithdrawnType:
			r = row{c.Office, c.Citizen.ID, nil, ConsentWithdrawn, calendar.Today(e.RecordedAt), e.Position}
		default:
			continue
		}
		k := [2]string{c.Office, c.Citizen.ID}
		if old, ok := into[k]; !ok || old[5].(int64) < e.Position {
			into[k] = r
		}
	}
	return nil
}
