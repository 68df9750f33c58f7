// Package projections turns the event log into read models: each case's
// state and view, its obligations, flags and office deadlines, and the
// dashboard aggregates.
//
// The Pipeline reads pages of the log through the event store's log reader
// (commit-safe order) and folds each page in one transaction that also moves
// the consumer group's offset; each case continues from the state stored
// with its row, and only changed rows are written. Rebuild builds a new
// generation of the tables beside the live one and switches the views over
// in one short transaction (see docs/decisions.md).
//
// The queries of the read models (Reader, the view types, ViewOf) are the
// package projections/views, which does not depend on the event store.
package projections
