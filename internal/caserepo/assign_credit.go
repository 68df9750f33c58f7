package caserepo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/internal/credits"
)

// errOnCase says, inside an Update, that the case holds the credit's payment already.
var errOnCase = errors.New("the payment is on the case already")

// AssignCredit records an unmatched credit (docs/LAW.md §9.1) as one
// PaymentReceived on the case the fee department chose, and marks the
// credit assigned. The credit is taken for the case in the ledger first,
// so that two people assigning it at once cannot put it on two cases; the
// payment is then recorded unless the case holds its bank reference
// already. Assigning it again to the same case records nothing more and
// answers the same event (it also completes an assignment whose recording
// was cut short); to another case it is credits.ErrDecided. Where the case
// refuses the payment the credit is open again and nothing is recorded.
// The payment carries the credit's variable symbol, or vs where the fee
// department names the obligation the money pays because the credit's own
// symbol names none of the case's (a credit without a symbol: nothing lost).
// An actor bound to an office (dctx.Office) sees only its office's credits.
func (r *Repository) AssignCredit(ctx context.Context, ledger *credits.Ledger, creditID, caseID, vs string, req Request,
	dctx cases.Context) (Event, credits.Credit, error) {
	cr, err := ledger.Get(ctx, creditID)
	if err == nil && dctx.Office != "" && cr.Office != dctx.Office {
		err = credits.ErrNotFound
	}
	if err != nil {
		return Event{}, cr, err
	}
	if cr, err = ledger.Assign(ctx, creditID, caseID, req.Actor, req.RecordedAt); err != nil {
		return Event{}, cr, err
	}
	// Plain strings, numbers and a date: Marshal cannot fail.
	if vs == "" {
		vs = cr.VariableSymbol
	}
	data, _ := json.Marshal(map[string]any{"amount_czk": cr.AmountCZK, "paid_on": cr.BookedOn, "variable_symbol": vs,
		"bank_reference": cr.BankReference})
	e, err := r.Update(ctx, caseID, Any, req, func(c *cases.Case) (cases.Recorded, error) {
		if c.Office != cr.Office {
			return cases.Recorded{}, &cases.RuleError{Errors: []cases.FieldError{{Field: "case_id",
				Message: fmt.Sprintf("is a case of office %s; the credit came to an account of office %s", c.Office, cr.Office)}}}
		}
		for _, p := range c.Payments {
			if p.BankReference == cr.BankReference {
				return cases.Recorded{}, errOnCase
			}
		}
		return c.Record(cases.PaymentReceivedType, data, dctx)
	})
	if errors.Is(err, errOnCase) {
		e, err = r.paymentEvent(ctx, caseID, cr.BankReference)
	}
	if errors.Is(err, cases.ErrNotFound) {
		err = &cases.RuleError{Errors: []cases.FieldError{{Field: "case_id", Message: "no such case"}}}
	}
	var (
		rule      *cases.RuleError
		invalid   *cases.InvalidError
		forbidden *cases.ForbiddenError
	)
	if errors.As(err, &rule) || errors.As(err, &invalid) || errors.As(err, &forbidden) {
		// Nothing was recorded: the credit waits for another decision.
		if rerr := ledger.Reopen(ctx, creditID, caseID); rerr != nil {
			return Event{}, cr, errors.Join(err, rerr)
		}
		cr, _ = ledger.Get(ctx, creditID)
	}
	return e, cr, err
}

// paymentEvent finds the PaymentReceived of a bank reference in a case's history.
func (r *Repository) paymentEvent(ctx context.Context, caseID, reference string) (Event, error) {
	events, err := r.Events(ctx, caseID)
	if err != nil {
		return Event{}, err
	}
	for _, e := range events {
		var p struct {
			BankReference string `json:"bank_reference"`
		}
		if e.Type == string(cases.PaymentReceivedType) && json.Unmarshal(e.Data, &p) == nil && p.BankReference == reference {
			return e, nil
		}
	}
	return Event{}, fmt.Errorf("case %s holds payment %s but no PaymentReceived of it", caseID, reference)
}
