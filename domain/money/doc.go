// Package money holds what an office needs to ask citizens for money: the
// municipalities' fee schedules (local fees under zákon 565/1990 Sb.,
// docs/LAW.md §9) and the offices' payment terms (their account, how long a
// fine may wait, whether administrative fees are accepted by transfer).
//
// Both are data, not code. A fee schedule is a text file in the format
// described in format.go, one per municipality and period, chosen by the
// date like a rulebook (Book.For); the offices file names each office's
// schedules. Nová Ves's schedule (seed 004) and an offices file that uses it
// for the office code "nova-ves" are built in (Builtin); an office supplies
// its own by configuration (ParseOffices). A file that does not follow the
// format is refused with an error naming its line.
//
// The package is pure: it parses bytes it is given and computes amounts,
// due dates and payment references; reading the files is the caller's.
package money
