package cases

import "github.com/lhuta/lhuta/domain/birthnumber"

// checkBirthNumber refuses a birth number that fails its check (docs/LAW.md
// §10) or names another birth date than the citizen's.
func checkBirthNumber(chk *check, c Citizen) {
	bn, err := birthnumber.Parse(c.BirthNumber)
	switch {
	case err != nil:
		chk.bad("birth_number", "%v", err)
	case bn.BirthDate() != c.BirthDate:
		chk.refuse("birth_number", "encodes the birth date %s, not %s", bn.BirthDate(), c.BirthDate)
	}
}
