package birthnumber_test

import (
	"fmt"

	"github.com/lhuta/lhuta/domain/birthnumber"
)

func ExampleParse() {
	for _, s := range []string{"9057164567", "850716/1235"} {
		b, err := birthnumber.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(b, b.BirthDate(), b.Sex())
	}
	// Output:
	// 905716/4567 1990-07-16 female
	// birth number: a 10-digit birth number must be divisible by 11, and this one is not
}
