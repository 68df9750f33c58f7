package reminders

import (
	"context"

	"github.com/lhuta/lhuta/internal/reminders/listing"
)

// Item is one reminder as GET /v1/reminders shows it (listing.Item).
type Item = listing.Item

// List returns the reminders of one case (caseID) or of all a citizen's
// cases (citizenID) as of the service's today (listing.List).
func (s *Service) List(ctx context.Context, caseID, citizenID string) ([]Item, error) {
	return listing.List(ctx, s.db.SQL, s.cfg.Today(), caseID, citizenID)
}
