package cases

import "github.com/lhuta/lhuta/domain/calendar"

// PaymentsFixedFrom returns, for a day until, the first day from which the
// case's payment obligations, as of any day from it to until within that
// day's year, are the same but for one thing: an obligation with nothing paid is unpaid up to
// its due date and overdue after it (and its QR Platba string, which names
// the day asked about). It is the latest day any fact the obligations are
// computed from takes effect on up to until (a fact dated later has not
// happened as of any day before it): a liability arising (or a dog becoming 3
// months old), an increase or a fine decided, a payment received, an
// application filed. From 1 January of the next year a liability still
// running owes a new year, and the payments are spread over it too.
//
// The read models store each year's obligations as of
// max(PaymentsFixedFrom(31 December), 1 January) (see
// projections.paymentTable); a day before that is computed from the case.
func (c *Case) PaymentsFixedFrom(until calendar.Date) calendar.Date {
	var last calendar.Date
	see := func(d calendar.Date) {
		if d.After(last) && !d.After(until) {
			last = d
		}
	}
	for _, l := range c.LocalFees {
		see(l.AroseOn)
		see(l.from())
	}
	for _, in := range c.Increases {
		see(in.DecidedOn)
	}
	for _, p := range c.Payments {
		see(p.PaidOn)
	}
	for _, f := range c.Flags {
		if f.Decision == Fined {
			see(f.DecidedOn)
		}
	}
	if c.application != nil {
		see(c.application.filedOn)
	}
	return last
}
