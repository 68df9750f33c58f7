// Package projections turns the event log into read models: each case's
// current view and its obligations with their deadlines.
//
// Events reach the read models through Watermill's SQL subscriber
// (watermill-sql) reading the events table directly, on both backends, with
// adapters in this package (see docs/decisions.md). Each message is handled
// in the subscriber's transaction, so a read-model update and the consumer's
// offset commit together; the update is also idempotent (keyed by the case's
// version), because a nack does not undo what a handler wrote.
package projections
