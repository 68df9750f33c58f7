package calendar

import (
	"fmt"
	"testing"
	"time"
)

// Dates are formatted by hand (appendISO); fmt's zero-padded form is the
// oracle, for short years too.
func TestADateIsWrittenAsYYYYMMDD(t *testing.T) {
	for _, y := range []int{1, 9, 10, 99, 100, 999, 1000, 1962, 2026, 9999} {
		for _, m := range []time.Month{1, 9, 10, 12} {
			for _, day := range []int{1, 9, 10, 31} {
				d := Date{y, m, day}
				want := fmt.Sprintf("%04d-%02d-%02d", y, m, day)
				if got := d.String(); got != want {
					t.Fatalf("String() = %q, want %q", got, want)
				}
				if got, _ := d.MarshalJSON(); string(got) != `"`+want+`"` {
					t.Fatalf("MarshalJSON() = %s, want %q", got, want)
				}
			}
		}
	}
	if got, _ := (Date{}).MarshalJSON(); string(got) != "null" || (Date{}).String() != "" {
		t.Fatalf("the zero date: %s, %q", got, Date{}.String())
	}
}
