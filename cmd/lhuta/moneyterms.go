package main

import "github.com/lhuta/lhuta/projections"

// moneyOptions are the offices' terms and the clock the payment rows of
// the read models are computed with: those lhuta serve reads them with
// (projections.UsingOffices, projections.UsingToday). A rebuild with other
// terms is not wrong, only slow to read: the reader then computes every
// payer's obligations, until lhuta serve rewrites the rows.
func moneyOptions(c config) ([]projections.Option, error) {
	today, err := clock(c.clock)
	if err != nil {
		return nil, err
	}
	offices, err := loadOffices(c.offices)
	if err != nil {
		return nil, err
	}
	return []projections.Option{projections.UsingOffices(offices), projections.UsingToday(today)}, nil
}
