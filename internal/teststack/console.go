package teststack

import (
	"net/http"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/ui"
)

// Console mounts the staff console on api, srv's routes, as lhuta serve
// does, with the built-in offices; today is its day and now (nil: the real
// time) its clock.
func Console(srv *handlers.Server, api http.Handler, today func() calendar.Date, now func() time.Time) http.Handler {
	return ui.Mount(api, ui.Config{Identify: srv.Identify, Today: today, Log: Quiet(), Offices: money.Builtin(), Now: now})
}
