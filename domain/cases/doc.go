// Package cases models each citizen's life situation as an aggregate: one
// case is one event stream. A case decides whether a fact a clerk records is
// allowed (Case.Record), and folds the recorded facts into its state
// (Case.Replay): the obligations they create, with deadlines from the
// rulebook in force on the day of the triggering fact.
//
// The package is pure: today's date and the recording actor come in a
// Context; nothing here reads a clock or a database.
package cases
