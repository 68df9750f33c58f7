package views

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/payment"
)

// paymentRowsUsable reports whether payment_view's rows were computed
// under the reader's terms.
func (r *Reader) paymentRowsUsable(ctx context.Context) (bool, error) {
	var stored string
	err := r.db.QueryRowContext(ctx, `SELECT fingerprint FROM payment_terms`).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r.printOnce.Do(func() { r.print = TermsFingerprint(r.offices) })
	return stored == r.print, nil
}

// staleCases is the condition on payer_view p of the cases that have no
// window of payment rows holding on the day d of parameter $n, but may
// owe on it (see projections' paymentTable): the rows of staleRows, found through
// payment_view's indexes (covers_from, valid_from) and (valid_to) WHERE latest.
func staleCases(n int, d calendar.Date) string {
	return fmt.Sprintf(`p.case_id IN (SELECT case_id FROM payment_view WHERE covers_from = '%s' AND valid_from > $%d
		UNION SELECT case_id FROM payment_view WHERE latest AND valid_to < $%d)`, calendar.NewDate(d.Year(), time.January, 1), n, n)
}

// staleRows is the condition on payment_view of the rows of a window that
// starts after the day d of parameter $n within d's year, or of a case's
// latest window that ended before d.
func staleRows(n int, d calendar.Date) string {
	return fmt.Sprintf(`((covers_from = '%s' AND valid_from > $%d) OR (latest AND valid_to < $%d))`,
		calendar.NewDate(d.Year(), time.January, 1), n, n)
}

// anyStale reports whether some case has rows of staleRows on the day d,
// from two probes of an index each: the earliest end of a latest window
// and the latest start of a window of d's year. (One EXISTS over the OR of
// both is a scan of all of payment_view when no row matches, which is the
// usual answer: 24 ms of a 100 000-case log's 18 700 rows, measured.)
func (r *Reader) anyStale(ctx context.Context, d calendar.Date) (bool, error) {
	var endsFirst, startsLast DBDate
	err := r.db.QueryRowContext(ctx, `SELECT (SELECT MIN(valid_to) FROM payment_view WHERE latest),
		(SELECT MAX(valid_from) FROM payment_view WHERE covers_from = $1)`,
		calendar.NewDate(d.Year(), time.January, 1).String()).Scan(&endsFirst, &startsLast)
	if err != nil {
		return false, err
	}
	return (!endsFirst.IsZero() && endsFirst.Before(d)) || startsLast.After(d), nil
}

// validRows is the condition on payment_view of rows that hold on the day of parameter $n.
func validRows(n int) string { return fmt.Sprintf(`valid_from <= $%d AND valid_to >= $%d`, n, n) }

const paymentColumns = `case_id, obligation, office, kind, fee, year, amount_czk, paid_czk, owed_czk, credit_czk,
	due_on, paid_on, status, iban, account, vs, ss, message, basis`

// scanPayments reads rows of paymentColumns as items as of a day.
func scanPayments(rows *sql.Rows, asOf calendar.Date) ([]PaymentItem, error) {
	defer rows.Close()
	var items []PaymentItem
	for rows.Next() {
		var (
			it                   PaymentItem
			kind, fee, status    string
			year                 int
			amount, paid, owed   int64
			creditCZK            int64
			due, paidOn          DBDate
			iban, account, vs, s string
			message, basis       string
			obligation           string
		)
		if err := rows.Scan(&it.CaseID, &obligation, &it.Office, &kind, &fee, &year, &amount, &paid, &owed, &creditCZK,
			&due, &paidOn, &status, &iban, &account, &vs, &s, &message, &basis); err != nil {
			return nil, err
		}
		it.ID = PaymentItemID(it.CaseID, obligation)
		it.Kind = cases.PaymentKind(kind)
		if fee != "" {
			it.Fee, it.Year = &fee, &year
		}
		it.AmountCZK, it.PaidCZK, it.OwedCZK, it.CreditCZK = int(amount), int(paid), int(owed), int(creditCZK)
		it.DueOn, it.PaidOn = due.Date, paidOn.Date
		it.Status = cases.PaymentStatus(status)
		if status == StatusOpen {
			it.Status = cases.PaymentUnpaid
			if asOf.After(it.DueOn) {
				it.Status = cases.PaymentOverdue
			}
		}
		it.IBAN, it.Account, it.VS, it.SS, it.Message, it.Basis = iban, account, vs, s, message, basis
		if it.OwedCZK > 0 && it.IBAN != "" {
			qr, err := payment.SPAYD(payment.Payment{IBAN: it.IBAN, AmountCZK: it.OwedCZK, Due: it.DueOn, AsOf: asOf,
				VariableSymbol: it.VS, SpecificSymbol: it.SS, Message: it.Message})
			if err == nil {
				it.SPAYD = qr
			}
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

// statusCond is the condition on payment_view of a status as of the day of
// parameter $n (the stored status is "open" for unpaid and overdue).
func statusCond(s cases.PaymentStatus, n int, args []any) (string, []any) {
	switch s {
	case cases.PaymentOverdue:
		return fmt.Sprintf(`status = 'open' AND due_on < $%d`, n), args
	case cases.PaymentUnpaid:
		return fmt.Sprintf(`status = 'open' AND due_on >= $%d`, n), args
	}
	args = append(args, string(s))
	return fmt.Sprintf(`status = $%d`, len(args)), args
}

// Payments lists payment obligations as of a day, by case and within a
// case oldest due first, a page at a time: from payment_view for the cases
// whose rows hold on the day, computed from the money state for the others.
func (r *Reader) Payments(ctx context.Context, f PaymentFilter) ([]PaymentItem, string, error) {
	usable, err := r.paymentRowsUsable(ctx)
	if err != nil {
		return nil, "", err
	}
	if !usable {
		return r.paymentsFold(ctx, f, nil)
	}
	afterCase, afterItem := "", ""
	if f.After != "" {
		kind, caseID, item, err := decodeCursor(f.After)
		if err != nil || kind != "p" {
			return nil, "", ErrBadCursor
		}
		afterCase, afterItem = caseID, item
	}
	args := []any{f.AsOf.String(), afterCase, afterItem}
	conds := []string{validRows(1),
		`(case_id > $2 OR (case_id = $2 AND seq > COALESCE((SELECT seq FROM payment_view a WHERE a.case_id = $2 AND a.obligation = $3
			AND a.valid_from <= $1 AND a.valid_to >= $1), 1000000000)))`}
	if f.Status != "" {
		var c string
		c, args = statusCond(f.Status, 1, args)
		conds = append(conds, c)
	}
	if f.Kind != "" {
		args = append(args, string(f.Kind))
		conds = append(conds, fmt.Sprintf(`kind = $%d`, len(args)))
	}
	if f.Office != "" {
		args = append(args, f.Office)
		conds = append(conds, fmt.Sprintf(`office = $%d`, len(args)))
	}
	if f.Scope != nil {
		var c string
		c, args = scopeCond("office", f.Scope, args)
		conds = append(conds, c)
	}
	q := `SELECT ` + paymentColumns + ` FROM payment_view WHERE ` + strings.Join(conds, " AND ") + ` ORDER BY case_id, valid_from, seq`
	if f.Limit > 0 {
		args = append(args, f.Limit+1)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	rows, err := r.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	items, err := scanPayments(rows, f.AsOf)
	if err != nil {
		return nil, "", err
	}
	stale, err := r.anyStale(ctx, f.AsOf)
	if err != nil {
		return nil, "", err
	}
	if stale {
		folded, err := r.foldItems(ctx, f, func(n int) string { return staleCases(n, f.AsOf) })
		if err != nil {
			return nil, "", err
		}
		// Both lists are in case order and their cases differ.
		items = append(items, folded...)
		slices.SortStableFunc(items, func(a, b PaymentItem) int { return strings.Compare(a.CaseID, b.CaseID) })
	}
	items, next := pagePayments(items, f.Limit)
	return items, next, r.nameItems(ctx, items)
}

// scopeCond is the condition that keeps the rows of col among the offices
// of a scope (none for an empty one), its parameters appended to args.
func scopeCond(col string, scope []string, args []any) (string, []any) {
	if len(scope) == 0 {
		return "1 = 0", args
	}
	marks := make([]string, len(scope))
	for i, o := range scope {
		args = append(args, o)
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	return col + " IN (" + strings.Join(marks, ", ") + ")", args
}

// nameItems gives payment items their case's reference and the payer's
// name from case_view (the payment rows hold neither).
func (r *Reader) nameItems(ctx context.Context, items []PaymentItem) error {
	ids := map[string]bool{}
	var args []any
	var marks []string
	for _, it := range items {
		if !ids[it.CaseID] {
			ids[it.CaseID] = true
			args = append(args, it.CaseID)
			marks = append(marks, fmt.Sprintf("$%d", len(args)))
		}
	}
	if len(args) == 0 {
		return nil
	}
	rows, err := r.db.QueryContext(ctx, `SELECT case_id, reference, full_name FROM case_view WHERE case_id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type named struct{ reference, name string }
	byCase := map[string]named{}
	for rows.Next() {
		var id string
		var n named
		if err := rows.Scan(&id, &n.reference, &n.name); err != nil {
			return err
		}
		byCase[id] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range items {
		if n, ok := byCase[items[i].CaseID]; ok {
			items[i].Reference, items[i].FullName = n.reference, n.name
		}
	}
	return nil
}

// CitizenPayments lists one citizen's payment obligations as of a day at
// the offices of scope (nil: all), for the counter.
func (r *Reader) CitizenPayments(ctx context.Context, citizenID string, asOf calendar.Date, scope []string) ([]PaymentItem, error) {
	items, err := r.citizenPayments(ctx, citizenID, asOf)
	if err != nil || scope == nil {
		return items, errors.Join(err, r.nameItems(ctx, items))
	}
	mine := []PaymentItem{}
	for _, it := range items {
		if slices.Contains(scope, it.Office) {
			mine = append(mine, it)
		}
	}
	return mine, r.nameItems(ctx, mine)
}

func (r *Reader) citizenPayments(ctx context.Context, citizenID string, asOf calendar.Date) ([]PaymentItem, error) {
	usable, err := r.paymentRowsUsable(ctx)
	if err != nil {
		return nil, err
	}
	if !usable {
		return r.citizenPaymentsFold(ctx, citizenID, asOf, "")
	}
	rows, err := r.db.QueryContext(ctx, `SELECT `+paymentColumns+` FROM payment_view WHERE citizen_id = $1 AND `+validRows(2)+
		` ORDER BY case_id, valid_from, seq`, citizenID, asOf.String())
	if err != nil {
		return nil, err
	}
	items, err := scanPayments(rows, asOf)
	if err != nil {
		return nil, err
	}
	folded, err := r.citizenPaymentsFold(ctx, citizenID, asOf, `p.case_id IN (SELECT case_id FROM payment_view WHERE citizen_id = p.citizen_id AND `+
		strings.ReplaceAll(staleRows(0, asOf), "$0", "$%[1]d")+`)`)
	if err != nil {
		return nil, err
	}
	items = append(items, folded...)
	slices.SortStableFunc(items, func(a, b PaymentItem) int { return strings.Compare(a.CaseID, b.CaseID) })
	if items == nil {
		items = []PaymentItem{}
	}
	return items, nil
}

// citizenPaymentsFold computes a citizen's payment obligations from the
// money state of the cases, of those meeting cond (with %d for the day's
// parameter) if cond is not "".
func (r *Reader) citizenPaymentsFold(ctx context.Context, citizenID string, asOf calendar.Date, cond string) ([]PaymentItem, error) {
	items := []PaymentItem{}
	from, args := r.payers(2, []any{citizenID})
	q := `SELECT p.case_id, p.money` + from + ` AND p.citizen_id = $1`
	if cond != "" {
		args = append(args, asOf.String())
		q += ` AND ` + fmt.Sprintf(cond, len(args))
	}
	err := r.eachPayer(ctx, q+` ORDER BY p.case_id`, args, func(c *cases.Case) bool {
		for _, p := range c.PaymentObligations(asOf, r.terms()) {
			items = append(items, paymentItem(c, p))
		}
		return true
	})
	return items, err
}

// paymentsFold lists payment obligations computed from every payer's
// money state, a page at a time.
func (r *Reader) paymentsFold(ctx context.Context, f PaymentFilter, only func(n int) string) ([]PaymentItem, string, error) {
	items, err := r.foldItems(ctx, f, only)
	if err != nil {
		return nil, "", err
	}
	items, next := pagePayments(items, f.Limit)
	return items, next, r.nameItems(ctx, items)
}

// pagePayments cuts a page of limit items (0: all) and gives the cursor of the next one.
func pagePayments(items []PaymentItem, limit int) ([]PaymentItem, string) {
	if items == nil {
		items = []PaymentItem{}
	}
	if limit <= 0 || len(items) <= limit {
		return items, ""
	}
	lastItem := items[limit-1]
	_, obligation, _ := strings.Cut(lastItem.ID, ".")
	return items[:limit], encodeCursor("p", lastItem.CaseID, obligation)
}

// foldItems computes the payment obligations after f's cursor from the
// money state of the payers (of those meeting only(n), $n being the as-of
// day, if only is not nil), in case order, up to one more than f.Limit.
func (r *Reader) foldItems(ctx context.Context, f PaymentFilter, only func(n int) string) ([]PaymentItem, error) {
	afterCase, afterItem := "", ""
	if f.After != "" {
		kind, caseID, item, err := decodeCursor(f.After)
		if err != nil || kind != "p" {
			return nil, ErrBadCursor
		}
		afterCase, afterItem = caseID, item
	}
	items := []PaymentItem{}
	from, op := afterCase, ">="
	for {
		src, args := r.payers(3, []any{from, f.AsOf.String()})
		q := `SELECT p.case_id, p.money` + src + ` AND p.case_id ` + op + ` $1 AND p.arises_from <= $2`
		if only != nil {
			q += ` AND ` + only(2)
		}
		if f.Office != "" {
			args = append(args, f.Office)
			q += fmt.Sprintf(` AND p.office = $%d`, len(args))
		}
		if f.Scope != nil {
			var c string
			c, args = scopeCond("p.office", f.Scope, args)
			q += " AND " + c
		}
		args = append(args, payersPage)
		q += fmt.Sprintf(` ORDER BY p.case_id LIMIT $%d`, len(args))
		n := 0
		last := ""
		err := r.eachPayer(ctx, q, args, func(c *cases.Case) bool {
			n++
			last = c.ID
			skipping := c.ID == afterCase && afterItem != ""
			for _, p := range c.PaymentObligations(f.AsOf, r.terms()) {
				if skipping {
					skipping = p.ID != afterItem
					continue
				}
				if f.keep(p) {
					items = append(items, paymentItem(c, p))
				}
			}
			return f.Limit <= 0 || len(items) <= f.Limit
		})
		if err != nil {
			return nil, err
		}
		if n < payersPage || (f.Limit > 0 && len(items) > f.Limit) {
			return items, nil
		}
		from, op = last, ">"
	}
}

// paymentTotals sums the payment obligations due from f.From to f.To as
// they stand on f.To: for all offices from payment_day, for one office
// from its rows of payment_view; the cases whose rows do not hold on f.To
// are taken out of those sums and computed from their money state.
func (r *Reader) paymentTotals(ctx context.Context, f StatsFilter) (PaymentTotals, error) {
	t := PaymentTotals{ByStatus: map[cases.PaymentStatus]int{}, ByKind: map[cases.PaymentKind]Totals{}, ByMonth: map[string]Totals{}}
	if f.Nothing {
		return t, nil
	}
	usable, err := r.paymentRowsUsable(ctx)
	if err != nil {
		return t, err
	}
	if !usable {
		return t, r.paymentTotalsFold(ctx, f, &t, nil)
	}
	from, to := f.From.String(), f.To.String()
	addSums := func(due calendar.Date, kind, status string, n, dueCZK, paid, owed int64, sign int) error {
		s := cases.PaymentStatus(status)
		if status == StatusOpen {
			s = cases.PaymentUnpaid
			if f.To.After(due) {
				s = cases.PaymentOverdue
			}
		}
		sum := Totals{Obligations: sign * int(n), DueCZK: sign * int(dueCZK), PaidCZK: sign * int(paid), OwedCZK: sign * int(owed)}
		if f.To.After(due) {
			sum.OverdueCZK = sum.OwedCZK
		}
		t.ByStatus[s] += sum.Obligations
		kinds, month := t.ByKind[cases.PaymentKind(kind)], due.String()[:7]
		months := t.ByMonth[month]
		if err := errors.Join(t.plus(sum), kinds.plus(sum), months.plus(sum)); err != nil {
			return fmt.Errorf("payment totals of office %q from %s to %s: %w", f.Office, f.From, f.To, err)
		}
		t.ByKind[cases.PaymentKind(kind)], t.ByMonth[month] = kinds, months
		return nil
	}
	scan := func(q string, args []any, sign int) error {
		return eachRow(ctx, r.db, q, args, func(rows *sql.Rows) error {
			var (
				due                      DBDate
				kind, status             string
				n, dueCZK, paid, owedCZK int64
			)
			if err := rows.Scan(&due, &kind, &status, &n, &dueCZK, &paid, &owedCZK); err != nil {
				return err
			}
			return addSums(due.Date, kind, status, n, dueCZK, paid, owedCZK, sign)
		})
	}
	// One row's share of payment_day.
	const share = `due_on, kind, status, COUNT(*),
		SUM(CASE WHEN status = 'excused' THEN 0 ELSE amount_czk END),
		SUM(CASE WHEN status = 'excused' THEN 0 ELSE paid_czk - credit_czk END),
		SUM(CASE WHEN status = 'excused' THEN 0 ELSE owed_czk END)`
	switch {
	case f.Office == "" && f.Offices != "":
		// The offices of a token's scope, from their rows.
		c, args := scopeCond("office", strings.Split(f.Offices, ","), []any{from, to})
		if err := scan(`SELECT `+share+` FROM payment_view WHERE due_on >= $1 AND due_on <= $2
			AND `+validRows(2)+` AND `+c+` GROUP BY due_on, kind, status`, args, 1); err != nil {
			return t, err
		}
	case f.Office == "":
		if err := scan(`SELECT due_on, kind, status, n, due_czk, paid_czk, owed_czk FROM payment_day
			WHERE due_on >= $1 AND due_on <= $2 AND from_year <= $3 AND to_year >= $3 AND n <> 0`, []any{from, to, f.To.Year()}, 1); err != nil {
			return t, err
		}
		// The rows of windows that start later in f.To's year are in
		// payment_day's sums of the year: take them out.
		if err := scan(`SELECT `+share+` FROM payment_view WHERE due_on >= $1 AND due_on <= $2
			AND covers_from = $3 AND valid_from > $2 GROUP BY due_on, kind, status`,
			[]any{from, to, calendar.NewDate(f.To.Year(), time.January, 1).String()}, -1); err != nil {
			return t, err
		}
	default:
		if err := scan(`SELECT `+share+` FROM payment_view WHERE office = $1 AND due_on >= $2 AND due_on <= $3
			AND `+validRows(3)+` GROUP BY due_on, kind, status`, []any{f.Office, from, to}, 1); err != nil {
			return t, err
		}
	}
	for _, m := range []map[cases.PaymentStatus]int{t.ByStatus} {
		for k, n := range m {
			if n == 0 {
				delete(m, k)
			}
		}
	}
	for k, v := range t.ByKind {
		if v == (Totals{}) {
			delete(t.ByKind, k)
		}
	}
	for k, v := range t.ByMonth {
		if v == (Totals{}) {
			delete(t.ByMonth, k)
		}
	}
	if stale, err := r.anyStale(ctx, f.To); err != nil || !stale {
		return t, err
	}
	return t, r.paymentTotalsFold(ctx, f, &t, func(n int) string { return staleCases(n, f.To) })
}

// plus adds o to t with checked sums (ErrOverflow).
func (t *Totals) plus(o Totals) error {
	t.Obligations += o.Obligations
	return errors.Join(addCZK(&t.DueCZK, o.DueCZK), addCZK(&t.PaidCZK, o.PaidCZK),
		addCZK(&t.OwedCZK, o.OwedCZK), addCZK(&t.OverdueCZK, o.OverdueCZK))
}

// paymentTotalsFold adds to t the payment obligations computed from the
// money state of the payers of the period (of those meeting only(n), $n
// being f.To, if only is not nil).
func (r *Reader) paymentTotalsFold(ctx context.Context, f StatsFilter, t *PaymentTotals, only func(n int) string) error {
	// An obligation is due at most a year or so after it arises (a fine's
	// fine_due_days is at most 366, moved off a few non-working days).
	from, args := r.payers(3, []any{f.To.String(), f.From.AddDays(-380).String()})
	q := `SELECT p.case_id, p.money` + from + ` AND p.arises_from <= $1 AND (p.arises_until IS NULL OR p.arises_until >= $2)`
	if only != nil {
		q += ` AND ` + only(1)
	}
	if f.Office != "" {
		args = append(args, f.Office)
		q += fmt.Sprintf(` AND p.office = $%d`, len(args))
	}
	if f.Offices != "" {
		var c string
		c, args = scopeCond("p.office", strings.Split(f.Offices, ","), args)
		q += " AND " + c
	}
	var sumErr error
	err := r.eachPayer(ctx, q, args, func(c *cases.Case) bool {
		for _, p := range c.PaymentAmounts(f.To, r.terms()) {
			if p.DueOn.Before(f.From) || p.DueOn.After(f.To) {
				continue
			}
			t.ByStatus[p.Status]++
			k, m := t.ByKind[p.Kind], t.ByMonth[p.DueOn.String()[:7]]
			if sumErr = errors.Join(t.add(p, f.To), k.add(p, f.To), m.add(p, f.To)); sumErr != nil {
				sumErr = fmt.Errorf("payment totals of office %q from %s to %s, case %s: %w", f.Office, f.From, f.To, c.ID, sumErr)
				return false
			}
			t.ByKind[p.Kind], t.ByMonth[p.DueOn.String()[:7]] = k, m
		}
		return true
	})
	if err == nil {
		err = sumErr
	}
	return err
}
