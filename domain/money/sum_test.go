package money_test

import (
	"errors"
	"math"
	"testing"

	"github.com/lhuta/lhuta/domain/money"
)

func TestAddIsExactOrAnError(t *testing.T) {
	for _, c := range []struct {
		a, b, want int
		err        bool
	}{
		{1200, 300, 1500, false},
		{-150, 450, 300, false},
		{math.MaxInt - 1, 1, math.MaxInt, false},
		{math.MaxInt, 1, 0, true},
		{math.MaxInt, math.MaxInt, 0, true},
		{math.MinInt + 1, -1, math.MinInt, false},
		{math.MinInt, -1, 0, true},
	} {
		got, err := money.Add(c.a, c.b)
		if c.err != (err != nil) || (err == nil && got != c.want) {
			t.Errorf("Add(%d, %d) = %d, %v; want %d, error %v", c.a, c.b, got, err, c.want, c.err)
		}
		if err != nil && !errors.Is(err, money.ErrUnrepresentable) {
			t.Errorf("Add(%d, %d): %v is not ErrUnrepresentable", c.a, c.b, err)
		}
	}
}

func TestAmountsOfARequestAreOneKčToAHundredMillion(t *testing.T) {
	for czk, want := range map[int]bool{0: false, 1: true, 100_000_000: true, 100_000_001: false, -5: false, math.MaxInt: false} {
		if money.InBounds(czk) != want {
			t.Errorf("InBounds(%d) = %v, want %v", czk, !want, want)
		}
	}
}
