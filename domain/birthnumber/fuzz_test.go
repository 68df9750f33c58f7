package birthnumber_test

import (
	"testing"

	"github.com/lhuta/lhuta/domain/birthnumber"
)

// Parse takes any text without panicking; a number it accepts has a birth
// date, and its canonical form reads back as the same number.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"800517/0019", "8005170019", "530101/123", "045517/0013", "800517/0018", "", "//////////", "80051７/0019"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bn, err := birthnumber.Parse(s)
		if err != nil {
			return
		}
		if bn.BirthDate().IsZero() {
			t.Fatalf("Parse(%q) has no birth date", s)
		}
		again, err := birthnumber.Parse(bn.String())
		if err != nil || again != bn {
			t.Fatalf("Parse(%q) = %s, which reads back as %v (%v)", s, bn, again, err)
		}
	})
}
