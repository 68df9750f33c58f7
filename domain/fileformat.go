package domain

import "fmt"

// FormatError is an office's data file (fee schedules, offices, retention
// rules) that does not follow its format, with the line (1-based; 0 for the
// file as a whole) where the problem is, so that the office can fix it.
type FormatError struct {
	File string
	Line int
	Msg  string
}

func (e *FormatError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}
