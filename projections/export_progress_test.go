package projections

import "time"

// WriteProgressEvery makes rebuilds write their progress at most every d,
// until the returned function puts the interval back.
func WriteProgressEvery(d time.Duration) (restore func()) {
	old := progressEvery
	progressEvery = d
	return func() { progressEvery = old }
}
