package cases

import (
	"encoding/json"
	"fmt"
	"slices"
)

// An event's data changes shape only forward: the store keeps every event as
// it was written and never rewrites it, and a former shape stays readable
// through an upcaster that turns it into the next shape when it is read,
// before the fold (docs/events.md, "Event schema changes and upcasts").
// Versions count from 1, the shape an event type was introduced with.

// upcastKey names the shape an upcaster reads: an event type and the
// version of its data.
type upcastKey struct {
	Type EventType
	From int
}

// upcaster turns data of one version into the next.
type upcaster struct {
	// written recognises data of the From version. The store keeps no
	// version beside an event's data, so each former shape is told by its
	// fields; a shape that is already newer does not match.
	written func(fields map[string]json.RawMessage) bool
	// up rewrites the fields in the shape of version From+1.
	up func(fields map[string]json.RawMessage) error
	// lacks names the fields that version From+1 requires of a request but
	// that data of version From cannot give: an event read in the current
	// shape may be without them (Stored).
	lacks []string
}

// upcasters holds every upcaster by the shape it reads. The fold applies
// those of an event's type in version order, each to data it recognises,
// so that data of any former version arrives in the current shape.
var upcasters = map[upcastKey]upcaster{
	// Version 1 of LocalFeeIncreased gave the year's new total in
	// amount_czk and no due date or reasons; version 2 gives increase_czk,
	// due_on and reason (docs/LAW.md §9.3). The increase is the total less
	// the year's fee, which only the case's state knows: the upcast carries
	// the total as former_total_czk, resolved where the fee is computed
	// (Case.increases). The former contract raised the year's amount, owed
	// at once, so the increase is due the day it was decided.
	{LocalFeeIncreasedType, 1}: {
		written: func(f map[string]json.RawMessage) bool {
			_, total := f["amount_czk"]
			_, increase := f["increase_czk"]
			return total && !increase
		},
		up: func(f map[string]json.RawMessage) error {
			f["former_total_czk"], f["due_on"] = f["amount_czk"], f["decided_on"]
			delete(f, "amount_czk")
			return nil
		},
		lacks: []string{"increase_czk", "reason"},
	},
}

// lacking reports whether an event of that type, read in its current shape,
// may be without the field: an upcaster of the type lacks it.
func lacking(eventType EventType, field string) bool {
	for k, u := range upcasters {
		if k.Type == eventType && slices.Contains(u.lacks, field) {
			return true
		}
	}
	return false
}

// upcast returns stored data of an event type in its current shape; data
// already in it is returned as it is.
func upcast(eventType EventType, data []byte) ([]byte, error) {
	var fields map[string]json.RawMessage
	changed := false
	for v := 1; ; v++ {
		u, ok := upcasters[upcastKey{eventType, v}]
		if !ok {
			break
		}
		if fields == nil {
			if err := json.Unmarshal(data, &fields); err != nil {
				return nil, fmt.Errorf("read %s: %w", eventType, err)
			}
		}
		if !u.written(fields) {
			continue
		}
		if err := u.up(fields); err != nil {
			return nil, fmt.Errorf("upcast %s from version %d: %w", eventType, v, err)
		}
		changed = true
	}
	if !changed {
		return data, nil
	}
	return json.Marshal(fields)
}
