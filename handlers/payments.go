package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/internal/caseport"
	"github.com/lhuta/lhuta/projections/views"
)

// listPayments answers GET /v1/payments: payment obligations (docs/LAW.md §9)
// as of a day, filtered by status, kind and office; a compliance officer's
// overdue list of fines is ?status=overdue&kind=fine.
func (s *Server) listPayments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := views.PaymentFilter{Scope: scope(r), Status: cases.PaymentStatus(q.Get("status")), Kind: cases.PaymentKind(q.Get("kind")),
		Office: q.Get("office"), After: q.Get("cursor")}
	var ok bool
	if f.AsOf, ok = s.asOfParam(w, r); !ok {
		return
	}
	if f.Status != "" && !views.ValidPaymentStatus(string(f.Status)) {
		badRequest(w, "status", "must be one of "+views.PaymentStatusNames())
		return
	}
	if !oneOf(w, "kind", f.Kind, cases.PaymentKinds) {
		return
	}
	// Payments are listed by case (each case's in due order): no other sort.
	if _, f.Limit, ok = s.pageParams(w, r, nil); !ok {
		return
	}
	// An item names its payer: each case listed is a read of personal data.
	serveList(s, w, r, f.After, f.Limit, func(ctx context.Context, after string, limit int) ([]views.PaymentItem, string, error) {
		f.After, f.Limit = after, limit
		return s.reader.Payments(ctx, f)
	}, func(items []views.PaymentItem) {
		s.audit(r, caseIDs(items, paymentCase)...)
	})
}

// citizenPayments answers GET /v1/citizens/{citizen_id}/payments: what one
// citizen owes, for the counter.
func (s *Server) citizenPayments(w http.ResponseWriter, r *http.Request) {
	asOf, ok := dateParam(w, r, "as_of", s.today())
	if !ok || !notKnownAt(w, r) || !s.waitMinPosition(w, r) {
		return
	}
	citizen := cases.NormalizeCitizenID(mux.Vars(r)["citizen_id"])
	items, err := caseport.Read(r.Context(), func() ([]views.PaymentItem, error) {
		return s.reader.CitizenPayments(r.Context(), citizen, asOf, scope(r))
	})
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	s.audit(r, caseIDs(items, paymentCase)...)
	if wantsCSV(r) {
		writeCSV(w, r, items, "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": ""})
}

// QR code images: the module size in pixels of a PNG, and the quiet zone
// of four modules the QR standard asks for around the code.
const (
	qrPNGSize   = 320
	qrQuietZone = 4
)

// paymentQR answers GET /v1/payments/{payment_id}/qr.svg and qr.png: the QR Platba
// image of the obligation's spayd string, as of as_of (what is still owed).
func (s *Server) paymentQR(w http.ResponseWriter, r *http.Request) { s.qrOf(w, r, true) }

// qrOf answers with the QR image of the route's payment_id; audited, the
// read is a staff member's (the citizen's own read of it is not).
func (s *Server) qrOf(w http.ResponseWriter, r *http.Request, audited bool) {
	asOf, ok := dateParam(w, r, "as_of", s.today())
	if !ok || !s.waitMinPosition(w, r) {
		return
	}
	id := mux.Vars(r)["payment_id"]
	it, err := caseport.Read(r.Context(), func() (views.PaymentItem, error) { return s.reader.Payment(r.Context(), id, asOf) })
	if err == nil && !identity(r).Sees(it.Office) {
		err = views.ErrPaymentNotFound
	}
	switch {
	case errors.Is(err, views.ErrPaymentNotFound):
		writeProblem(w, Problem{Type: "/problems/not-found", Status: http.StatusNotFound, Detail: "no such payment obligation"})
		return
	case err != nil:
		writeError(w, s.log, err)
		return
	case it.SPAYD == "":
		writeProblem(w, Problem{Type: "/problems/nothing-to-pay", Title: "Nothing to pay", Status: http.StatusNotFound,
			Detail: fmt.Sprintf("payment obligation %s is %s as of %s: there is nothing to pay, so no QR code", id, it.Status, asOf)})
		return
	}
	if audited {
		s.audit(r, it.CaseID)
	}
	// Medium error correction: a printed code still reads with 15 % of it damaged.
	code, err := qrcode.New(it.SPAYD, qrcode.Medium)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if strings.HasSuffix(r.URL.Path, ".png") {
		png, err := code.PNG(qrPNGSize)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(png)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	_, _ = w.Write(qrSVG(code.Bitmap()))
}

// qrSVG draws a QR code's modules (the bitmap includes the quiet zone) as
// one path of unit squares.
func qrSVG(bitmap [][]bool) []byte {
	n := len(bitmap)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges">`,
		n, n, n*8, n*8)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, line := range bitmap {
		for x, dark := range line {
			if dark {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes()
}

// paymentStatsRows are the payment figures of the stats CSV, in its
// columns (figure, key, status, count): the count by status, and per kind
// and month of the due date the counts and sums in Kč, whose names stand in
// the status column (obligations, due_czk, paid_czk, owed_czk, overdue_czk).
func paymentStatsRows(p views.PaymentTotals) [][]string {
	var rows [][]string
	totals := func(figure, key string, t views.Totals) {
		for _, v := range []struct {
			name string
			n    int
		}{{"obligations", t.Obligations}, {"due_czk", t.DueCZK}, {"paid_czk", t.PaidCZK}, {"owed_czk", t.OwedCZK}, {"overdue_czk", t.OverdueCZK}} {
			rows = append(rows, []string{figure, key, v.name, fmt.Sprint(v.n)})
		}
	}
	totals("payments", "", p.Totals)
	for _, st := range cases.PaymentStatuses {
		if n := p.ByStatus[st]; n > 0 {
			rows = append(rows, []string{"payments_by_status", "", string(st), fmt.Sprint(n)})
		}
	}
	for _, k := range cases.PaymentKinds {
		if t, ok := p.ByKind[k]; ok {
			totals("payments_by_kind", string(k), t)
		}
	}
	months := make([]string, 0, len(p.ByMonth))
	for m := range p.ByMonth {
		months = append(months, m)
	}
	slices.Sort(months)
	for _, m := range months {
		totals("payments_by_month", m, p.ByMonth[m])
	}
	return rows
}

func paymentCase(it views.PaymentItem) string { return it.CaseID }
