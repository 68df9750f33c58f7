package cases

import "fmt"

// Event is one stored event of a case's stream, as Replay reads it.
type Event struct {
	Type    EventType
	Version int64
	Data    []byte
}

// Replay folds a case's stored events, in version order, into its state: the
// one fold of lhuta, used by the write side, the projections and the tests.
// Events the case already holds (version at or below c.Version) are
// skipped, so replaying from a snapshot or replaying twice changes nothing;
// a gap in the versions is an error, never a silent skip.
func (c *Case) Replay(events ...Event) error {
	for _, e := range events {
		if e.Version <= c.Version {
			continue
		}
		if e.Version != c.Version+1 {
			return fmt.Errorf("case %s: event version %d follows version %d", c.ID, e.Version, c.Version)
		}
		if err := c.applyEvent(e.Type, e.Version, e.Data); err != nil {
			return fmt.Errorf("case %s version %d: %w", c.ID, e.Version, err)
		}
	}
	return nil
}
