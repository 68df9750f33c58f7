// Package rulebook says what the law demands of a citizen and an office, and
// which law that is.
//
// Czech identity cards were governed by zákon 328/1999 Sb. o občanských
// průkazech until zákon 269/2021 Sb. replaced it from 2 August 2021. A rule is
// chosen by the date of the fact that triggers it (For), so a card lost on
// 1 August 2021 is judged under the old law even when the case is decided
// years later. Each rule below is a small function or table entry named after
// what it means, and its comment names the seed page (the municipal web pages
// the rules were taken from, listed in docs/decisions.md) or
// statute it comes from. Where the sources do not state a figure (the fine
// caps under 269/2021, the section that creates a duty) nothing is guessed:
// the value is nil or the stated enforcing section is cited instead.
//
// Deadlines for an act roll off weekends and holidays (package calendar);
// validity periods of documents do not.
package rulebook
