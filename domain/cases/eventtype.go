package cases

// EventType names a kind of event on a case's stream; the names are the
// public contract of the API (docs/LAW.md §5). Code names an event type only
// through its constant, declared beside the event's struct in the file of its
// situation or group (docs/events.md), so that a misspelt one does not compile.
type EventType string

// CaseOpenedType is the first event of every case (CaseOpened, case.go).
const CaseOpenedType EventType = "CaseOpened"
