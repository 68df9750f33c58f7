// Package domain holds the vocabulary shared by lhuta's rules: the documents a
// citizen applies for, the tracks an application can take and the offices
// involved. The rules themselves live in its sub-packages: calendar (working
// days and deadline arithmetic), rulebook (which law applies and what it
// demands), fees, payment, birthnumber and cases (the life situations).
//
// Everything under domain is pure: no I/O, no clock reads, no SQL. Today's date
// and the rulebook are always passed in.
package domain
