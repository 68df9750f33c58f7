package money

import (
	"errors"
	"fmt"
	"math"
)

// Bounds of every amount a request or a statement entry gives, in whole Kč
// (API.md, Money integrity): nothing an office asks or receives is less than
// a crown or more than a hundred million.
const (
	MinCZK = 1
	MaxCZK = 100_000_000
)

// InBounds reports whether an amount of a request lies within MinCZK and MaxCZK.
func InBounds(czk int) bool { return czk >= MinCZK && czk <= MaxCZK }

// ErrUnrepresentable means a sum of Kč lies beyond what an int holds.
var ErrUnrepresentable = errors.New("the sum cannot be represented")

// Add returns a + b, or ErrUnrepresentable where the sum would wrap around:
// a figure of money is either right or an error, never a wrapped number.
func Add(a, b int) (int, error) {
	if (b > 0 && a > math.MaxInt-b) || (b < 0 && a < math.MinInt-b) {
		return 0, fmt.Errorf("%w: %d Kč + %d Kč", ErrUnrepresentable, a, b)
	}
	return a + b, nil
}
