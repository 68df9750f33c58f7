package cases

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/retention"
)

// testRules are made up for the tests: lhuta ships no retention figures
// (docs/RETENTION.md); an office supplies its own.
const testRules = `# an example for the tests, not law
*         id_card_incident       S  5   closed
*         residence_change       S  10  closed
*         marital_status_change  V  10  closed
*         first_id_card          S  5   closed
*         id_card_expiry         S  5   closed   # a comment after a rule
*         name_change            A  50  closed
*         passport_application   S  1   closed
nova-ves  local_fee              V  10  settled
ostrava   id_card_incident       V  3   closed
`

func rulesForTest(t *testing.T) *retention.Rules {
	t.Helper()
	r, err := RetentionRules("retention.txt", []byte(testRules), nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func recordsOn(today calendar.Date) Context {
	return Context{Today: today, Actor: "rita", Role: RecordsOfficer}
}

func closedCase(t *testing.T, s Situation, office string, closedOn calendar.Date) *Case {
	t.Helper()
	c := feeCase(day(1980, 5, 17))
	c.ID, c.Situation, c.Office, c.OpenedOn = "c-"+string(s), s, office, day(2020, 1, 2)
	must(t, c, clerkOn(closedOn.AddDays(3)), CaseClosedType, fmt.Sprintf(`{"closed_on":%q}`, closedOn))
	return c
}

// Every situation's rule of testRules, its retention end computed by hand:
// the period runs from 1 January after the trigger and ends on 31 December
// of the trigger's year + years; the case is disposable from the next day.
func TestRetentionEndsHandComputedForEverySituationsRule(t *testing.T) {
	rules := rulesForTest(t)
	for _, tt := range []struct {
		situation Situation
		office    string
		trigger   calendar.Date
		mark      retention.Mark
		years     int
		endsOn    calendar.Date
	}{
		{IDCardIncident, "nova-ves", day(2026, 3, 15), "S", 5, day(2031, 12, 31)},
		{IDCardIncident, "ostrava", day(2026, 3, 15), "V", 3, day(2029, 12, 31)}, // the office's own rule beats "*"
		{ResidenceChange, "nova-ves", day(2026, 12, 31), "S", 10, day(2036, 12, 31)},
		{MaritalStatusChange, "nova-ves", day(2026, 1, 1), "V", 10, day(2036, 12, 31)},
		{FirstIDCard, "nova-ves", day(2027, 6, 30), "S", 5, day(2032, 12, 31)},
		{IDCardExpiry, "nova-ves", day(2028, 2, 29), "S", 5, day(2033, 12, 31)},
		{NameChange, "nova-ves", day(2026, 7, 1), "A", 50, day(2076, 12, 31)},
		{PassportApplication, "nova-ves", day(2026, 11, 2), "S", 1, day(2027, 12, 31)},
	} {
		t.Run(string(tt.situation)+"/"+tt.office, func(t *testing.T) {
			c := closedCase(t, tt.situation, tt.office, tt.trigger)
			rec, ok := c.DueRetention(rules, tt.trigger.AddDays(3), nil)
			if !ok {
				t.Fatal("no retention due for a closed case with a rule")
			}
			got := *rec.Data.(*RetentionScheduled)
			want := RetentionScheduled{Mark: tt.mark, Years: tt.years, Trigger: retention.Closed, TriggerOn: tt.trigger, EndsOn: tt.endsOn}
			if got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
			fold(t, c, rec)
			if _, again := c.DueRetention(rules, tt.trigger.AddDays(4), nil); again {
				t.Error("a scheduled case is due again")
			}
			if c.Disposable(tt.endsOn, nil) {
				t.Errorf("disposable on %s, its period's last day", tt.endsOn)
			}
			if !c.Disposable(tt.endsOn.AddDays(1), nil) {
				t.Errorf("not disposable on %s, the day after its period", tt.endsOn.AddDays(1))
			}
		})
	}
}

// A local-fee case settles once its liability ended and its fee is paid:
// liability ended 30 June 2025, the 2025 fee paid on 2 March 2026, so it
// settled on 2 March 2026; 10 years run from 1 January 2027 to 31 December 2036.
func TestALocalFeeCaseIsScheduledWhenItSettles(t *testing.T) {
	rules := rulesForTest(t)
	c := feeCase(day(1980, 5, 17))
	ctx := clerkOn(day(2026, 3, 5))
	must(t, c, ctx, LocalFeeLiabilityAroseType, arose("2025-01-10"))
	must(t, c, ctx, LocalFeeLiabilityEndedType, `{"fee":"waste","ended_on":"2025-06-30"}`)
	if _, ok := c.DueRetention(rules, day(2026, 3, 1), nil); ok {
		t.Fatal("scheduled while the fee is owed")
	}
	owed := only(t, c, day(2026, 3, 1))
	must(t, c, ctx, PaymentReceivedType, fmt.Sprintf(`{"amount_czk":%d,"paid_on":"2026-03-02","variable_symbol":%q}`, owed.AmountCZK, owed.VariableSymbol))
	if _, ok := c.DueRetention(rules, day(2026, 3, 1), nil); ok {
		t.Fatal("scheduled as of a day before the payment")
	}
	rec, ok := c.DueRetention(rules, day(2026, 3, 5), nil)
	if !ok {
		t.Fatalf("not scheduled once settled: %+v", c.PaymentObligations(day(2026, 3, 5), nil))
	}
	got := *rec.Data.(*RetentionScheduled)
	want := RetentionScheduled{Mark: "V", Years: 10, Trigger: retention.Settled, TriggerOn: day(2026, 3, 2), EndsOn: day(2036, 12, 31)}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	fold(t, c, rec)
	if !c.Disposable(day(2037, 1, 1), nil) {
		t.Fatal("not disposable once its period ended")
	}
	// The payer moves back and owes again: the schedule no longer holds.
	must(t, c, clerkOn(day(2027, 2, 1)), LocalFeeLiabilityAroseType, arose("2027-02-01"))
	if c.Disposable(day(2037, 1, 1), nil) {
		t.Error("a case that owes again is disposable under its old schedule")
	}
	approval := DisposalApproval{DisposalID: "d1", ArchiveDecision: "SOA 1/2037", DecidedOn: day(2037, 1, 2)}
	refused(t, errOf(c.Dispose(approval, day(2037, 1, 2), recordsOn(day(2037, 1, 2)))), "case")
	if _, ok := c.DueRetention(rules, day(2037, 1, 1), nil); ok {
		t.Error("a case that owes is scheduled anew")
	}
}

func TestNoRuleNoSchedule(t *testing.T) {
	rules, err := RetentionRules("r.txt", []byte("ostrava name_change A 10 closed\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := closedCase(t, NameChange, "nova-ves", day(2026, 3, 15))
	if _, ok := c.DueRetention(rules, day(2026, 4, 1), nil); ok {
		t.Error("a rule of another office applied")
	}
	if _, ok := c.DueRetention(nil, day(2026, 4, 1), nil); ok {
		t.Error("scheduled without rules")
	}
	open := feeCase(day(1980, 1, 1))
	open.Situation = NameChange
	if _, ok := open.DueRetention(rulesForTest(t), day(2026, 4, 1), nil); ok {
		t.Error("an open case was scheduled")
	}
}

func TestRulesFileErrorsNameTheLine(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"* id_card_incident S 5\n", "r.txt:1: has 4 columns"},
		{"# c\n\n* nothing S 5 closed\n", "r.txt:3: unknown situation \"nothing\""},
		{"* name_change X 5 closed\n", "r.txt:1: mark \"X\" is not A, V or S"},
		{"* name_change S 0 closed\n", "r.txt:1: years \"0\""},
		{"* name_change S five closed\n", "r.txt:1: years \"five\""},
		{"* name_change S 5 opened\n", "r.txt:1: trigger \"opened\""},
		{"* name_change S 5 closed\n* name_change V 5 closed\n", "r.txt:2: a second rule for office * and situation name_change (the first is on line 1)"},
		{"* name_change S 5 settled\n", "r.txt:1: trigger settled is for local_fee cases only"},
		{"praha name_change S 5 closed\n", "r.txt:1: office \"praha\" is not configured"},
		{"\xff", "r.txt: is not UTF-8"},
	} {
		_, err := RetentionRules("r.txt", []byte(tt.src), []string{"nova-ves"})
		var fe *retention.FormatError
		if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want %s…", tt.src, err, tt.want)
		}
	}
}

func TestHoldsAreTheRecordsOfficersAndStopADisposal(t *testing.T) {
	rules := rulesForTest(t)
	c := closedCase(t, IDCardIncident, "nova-ves", day(2020, 3, 15))
	rec, _ := c.DueRetention(rules, day(2020, 4, 1), nil)
	fold(t, c, rec)
	today := day(2026, 2, 1)
	hold := `{"reason":"probíhá spor"}`
	for _, ctx := range []Context{clerkOn(today), officerOn(today)} {
		var forbidden *ForbiddenError
		if err := do(t, c, ctx, RetentionHoldPlacedType, hold); !errors.As(err, &forbidden) {
			t.Errorf("%s placed a hold: %v", ctx.Role, err)
		}
	}
	var forbidden *ForbiddenError
	if err := do(t, c, recordsOn(today), CaseAssignedType, `{"to":"x"}`); !errors.As(err, &forbidden) {
		t.Errorf("a records officer assigned a case: %v", err)
	}
	other := recordsOn(today)
	other.Scope = []string{"ostrava"}
	if err := do(t, c, other, RetentionHoldPlacedType, hold); !errors.As(err, &forbidden) {
		t.Errorf("another office's records officer placed a hold: %v", err)
	}
	must(t, c, recordsOn(today), RetentionHoldPlacedType, hold) // on a closed case
	if !c.Held() || c.HeldSince != today {
		t.Fatalf("held since %s", c.HeldSince)
	}
	refused(t, do(t, c, recordsOn(today), RetentionHoldPlacedType, hold), "data")
	if c.Disposable(today, nil) {
		t.Error("a held case is disposable")
	}
	approval := DisposalApproval{DisposalID: "d1", ArchiveDecision: "SOA 12/2026", DecidedOn: today}
	refused(t, errOf(c.Dispose(approval, today, recordsOn(today))), "case")
	must(t, c, recordsOn(today), RetentionHoldReleasedType, `{}`)
	refused(t, do(t, c, recordsOn(today), RetentionHoldReleasedType, `{}`), "data")
	if _, err := c.Dispose(approval, today, clerkOn(today)); !errors.As(err, &forbidden) {
		t.Errorf("a clerk disposed: %v", err)
	}
	rec, err := c.Dispose(approval, today, recordsOn(today))
	if err != nil {
		t.Fatal(err)
	}
	fold(t, c, rec)
	if c.Disposal == nil || c.Disposal.Disposition != DisposedDestroyed || c.Disposal.ArchiveDecision != "SOA 12/2026" {
		t.Fatalf("disposal %+v", c.Disposal)
	}
	if _, err := c.Dispose(approval, today, recordsOn(today)); !errors.Is(err, ErrNothingToRecord) {
		t.Errorf("disposed twice by one disposal: %v", err)
	}
	refused(t, errOf(c.Dispose(DisposalApproval{DisposalID: "d2"}, today, recordsOn(today))), "case")
	refused(t, do(t, c, recordsOn(today), RetentionHoldPlacedType, hold), "type")
}

func TestAnArchiveCaseIsTransferredAndNothingIsDisposedBeforeItsEnd(t *testing.T) {
	c := closedCase(t, NameChange, "nova-ves", day(2020, 7, 1))
	approval := DisposalApproval{DisposalID: "d1", ArchiveDecision: "SOA 1/2071", DecidedOn: day(2071, 1, 2)}
	refused(t, errOf(c.Dispose(approval, day(2071, 1, 2), recordsOn(day(2071, 1, 2)))), "case") // never scheduled
	rec, _ := c.DueRetention(rulesForTest(t), day(2020, 7, 2), nil)
	fold(t, c, rec) // A, 50 years: ends 31 December 2070
	refused(t, errOf(c.Dispose(approval, day(2070, 12, 31), recordsOn(day(2070, 12, 31)))), "case")
	rec, err := c.Dispose(approval, day(2071, 1, 1), recordsOn(day(2071, 1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if d := rec.Data.(*CaseDisposed).Disposition; d != DisposedTransferred {
		t.Errorf("an A case is %s", d)
	}
}

func errOf(_ Recorded, err error) error { return err }
