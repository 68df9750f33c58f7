package handlers_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/handlers"
	"github.com/lhuta/lhuta/internal/testdb"
)

// payer opens a local_fee case at Nová Ves (the built-in office) for a citizen.
func (s *stack) payer(citizen, birth, name string) string {
	s.t.Helper()
	r := s.do("POST", "/v1/cases", "clerk-token", map[string]any{"situation": "local_fee", "office": "nova-ves",
		"citizen": map[string]string{"id": citizen, "birth_date": birth, "full_name": name}})
	if r.status != 201 {
		s.t.Fatalf("open case: %d %s", r.status, r.raw)
	}
	return r.body["id"].(string)
}

func (s *stack) payments(path, token string, position int64) []map[string]any {
	s.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	r := s.do("GET", fmt.Sprintf("%s%smin_position=%d", path, sep, position), token, nil)
	if r.status != 200 {
		s.t.Fatalf("GET %s: %d %s", path, r.status, r.raw)
	}
	var out []map[string]any
	for _, it := range r.body["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func (s *stack) get(path, token string) (int, http.Header, []byte) {
	s.t.Helper()
	r := s.do("GET", path, token, nil)
	return r.status, r.header, []byte(r.raw)
}

// decodeQR reads a QR code image back to its text with a QR reader.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode the QR code: %v", err)
	}
	return res.GetText()
}

var svgModule = regexp.MustCompile(`M(\d+) (\d+)h1v1h-1z`)

// rasterSVG draws the modules of a QR code in lhuta's SVG at 6 pixels each.
func rasterSVG(t *testing.T, svg []byte) image.Image {
	t.Helper()
	m := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindSubmatch(svg)
	if m == nil {
		t.Fatalf("no viewBox in %s", svg)
	}
	n, _ := strconv.Atoi(string(m[1]))
	const px = 6
	img := image.NewGray(image.Rect(0, 0, n*px, n*px))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for _, mod := range svgModule.FindAllSubmatch(svg, -1) {
		x, _ := strconv.Atoi(string(mod[1]))
		y, _ := strconv.Atoi(string(mod[2]))
		for dy := range px {
			for dx := range px {
				img.SetGray(x*px+dx, y*px+dy, color.Gray{0})
			}
		}
	}
	return img
}

// Seed 004 through the API: a resident of Nová Ves 154 whose duty arose on
// 15 Jan 2026 owes 1 200 Kč by 28 Feb 2026 to 0460043319/0800 with VS 1541.
func TestLocalFeePaymentsThroughTheAPI(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 3, 10), func(t *testing.T, s *stack) {
		id := s.payer("p-1", "1980-05-17", "Jana Nováková")
		pos := s.record(id, "LocalFeeLiabilityArose", map[string]any{"fee": "waste", "arose_on": "2026-01-15",
			"basis": "permanent_residence", "house_number": "154", "village_part": "Nová Ves"})
		items := s.payments("/v1/payments?as_of=2026-02-01", "clerk-token", pos)
		const spayd = "SPD*1.0*ACC:CZ6308000000000460043319*AM:1200.00*CC:CZK*DT:20260302*X-VS:1541*MSG:Nováková" // 28 Feb 2026, a Saturday, moved
		if len(items) != 1 {
			t.Fatalf("got %v", items)
		}
		it := items[0]
		if it["id"] != id+".waste-2026" || it["case_id"] != id || it["kind"] != "local_fee" || it["fee"] != "waste" ||
			it["year"] != 2026.0 || it["amount_czk"] != 1200.0 || it["paid_czk"] != 0.0 || it["due_on"] != "2026-03-02" ||
			it["status"] != "unpaid" || it["account"] != "460043319/0800" || it["iban"] != "CZ6308000000000460043319" ||
			it["variable_symbol"] != "1541" || it["specific_symbol"] != "" || it["message"] != "Nováková" || it["spayd"] != spayd {
			t.Fatalf("got %v", it)
		}
		if got := s.payments("/v1/payments?as_of=2026-03-10&status=overdue", "officer-token", pos); len(got) != 1 {
			t.Fatalf("overdue list: %v", got)
		}
		// The case's answer holds the same obligation.
		c := s.do("GET", fmt.Sprintf("/v1/cases/%s?as_of=2026-02-01&min_position=%d", id, pos), "clerk-token", nil)
		if ps, _ := c.body["payments"].([]any); c.status != 200 || len(ps) != 1 || ps[0].(map[string]any)["spayd"] != spayd {
			t.Fatalf("the case's payments: %d %v", c.status, c.body["payments"])
		}

		pos = s.record(id, "PaymentReceived", map[string]any{"amount_czk": 500, "paid_on": "2026-02-20",
			"variable_symbol": "1541", "bank_reference": "B-1"})
		it = s.payments("/v1/citizens/p-1/payments?as_of=2026-03-10", "clerk-token", pos)[0]
		if it["status"] != "partially_paid" || it["paid_czk"] != 500.0 || it["owed_czk"] != 700.0 ||
			!strings.Contains(it["spayd"].(string), "*AM:700.00*") {
			t.Fatalf("after 500 Kč: %v", it)
		}
		r := s.do("POST", "/v1/cases/"+id+"/events", "clerk-token", map[string]any{"type": "PaymentReceived",
			"data": map[string]any{"amount_czk": 500, "paid_on": "2026-02-20", "variable_symbol": "1541", "bank_reference": "B-1"}})
		if r.status != 422 || !strings.Contains(r.raw, "data.bank_reference") {
			t.Fatalf("the same bank payment again: %d %s", r.status, r.raw)
		}

		// The QR image holds exactly the spayd string.
		for _, ext := range []string{"png", "svg"} {
			code, header, body := s.get("/v1/payments/"+it["id"].(string)+"/qr."+ext+"?as_of=2026-03-10", "clerk-token")
			if code != 200 {
				t.Fatalf("qr.%s: %d %s", ext, code, body)
			}
			var img image.Image
			if ext == "png" {
				if header.Get("Content-Type") != "image/png" {
					t.Errorf("content type %q", header.Get("Content-Type"))
				}
				var err error
				if img, err = png.Decode(bytes.NewReader(body)); err != nil {
					t.Fatal(err)
				}
			} else {
				if header.Get("Content-Type") != "image/svg+xml" {
					t.Errorf("content type %q", header.Get("Content-Type"))
				}
				img = rasterSVG(t, body)
			}
			if got := decodeQR(t, img); got != it["spayd"] {
				t.Errorf("qr.%s decodes to %q, want %q", ext, got, it["spayd"])
			}
		}
		if code, _, body := s.get("/v1/payments/"+id+".waste-2031/qr.png", "clerk-token"); code != 404 {
			t.Errorf("unknown payment: %d %s", code, body)
		}
		if code, _, _ := s.get("/v1/payments/"+it["id"].(string)+"/qr.png", "dash-token"); code != 403 {
			t.Errorf("a dashboard reading a QR code: %d", code)
		}

		// 1 200 − 500 = 700 Kč were unpaid at the due date: an increase above
		// 2 × 700 = 1 400 Kč is refused; a clerk may not raise it.
		raise := map[string]any{"type": "LocalFeeIncreased", "data": map[string]any{"fee": "waste", "year": 2026, "increase_czk": 1401,
			"decided_on": "2026-03-09", "due_on": "2026-03-24", "reason": "two written reminders left unanswered"}}
		if r := s.do("POST", "/v1/cases/"+id+"/events", "officer-token", raise); r.status != 422 || !strings.Contains(r.raw, "data.increase_czk") {
			t.Fatalf("raise by 1401 Kč: %d %s", r.status, r.raw)
		}
		if r := s.do("POST", "/v1/cases/"+id+"/events", "clerk-token", raise); r.status != 403 {
			t.Fatalf("a clerk raising: %d %s", r.status, r.raw)
		}
		raise["data"].(map[string]any)["increase_czk"] = 1400
		r = s.do("POST", "/v1/cases/"+id+"/events", "officer-token", raise)
		if r.status != 201 {
			t.Fatalf("raise by 1400 Kč: %d %s", r.status, r.raw)
		}
		// 2 100 Kč owes no obligation exactly (700 and 1 400 are owed): the
		// year's 700 Kč first, then the increase's 1 400 Kč.
		pos = s.record(id, "PaymentReceived", map[string]any{"amount_czk": 2100, "paid_on": "2026-03-10", "variable_symbol": "1541"})
		paid := s.payments("/v1/citizens/p-1/payments?as_of=2026-03-10", "clerk-token", pos)
		if len(paid) != 2 {
			t.Fatalf("the year and its increase: %v", paid)
		}
		it = paid[0]
		if it["status"] != "paid_late" || it["amount_czk"] != 1200.0 || it["credit_czk"] != 0.0 || it["spayd"] != "" {
			t.Fatalf("paid after the increase: %v", it)
		}
		if inc := paid[1]; inc["id"] != id+".waste-2026-increase-1" || inc["amount_czk"] != 1400.0 || inc["due_on"] != "2026-03-24" || inc["status"] != "paid" {
			t.Fatalf("the increase: %v", inc)
		}
		if code, _, _ := s.get("/v1/payments/"+it["id"].(string)+"/qr.svg?as_of=2026-03-10", "clerk-token"); code != 404 {
			t.Errorf("QR of a paid obligation: %d", code)
		}

		// A dog owner aged 66 owes nothing; two dogs cost 200 + 300.
		old := s.payer("p-2", "1959-11-02", "Karel Starý")
		s.record(old, "LocalFeeLiabilityArose", map[string]any{"fee": "dog", "arose_on": "2026-01-05", "basis": "owner",
			"house_number": "12", "village_part": "Vepřek", "dogs": 1})
		young := s.payer("p-3", "1990-01-01", "Petr Mladý")
		pos = s.record(young, "LocalFeeLiabilityArose", map[string]any{"fee": "dog", "arose_on": "2026-01-05", "basis": "owner",
			"house_number": "7", "village_part": "Miřejovice", "dogs": 2})
		if it := s.payments("/v1/citizens/p-2/payments?as_of=2026-03-10", "clerk-token", pos); len(it) != 1 || it[0]["amount_czk"] != 0.0 || it[0]["status"] != "paid" {
			t.Errorf("owner aged 66: %v", it)
		}
		if it := s.payments("/v1/citizens/p-3/payments?as_of=2026-03-10", "clerk-token", pos); len(it) != 1 || it[0]["amount_czk"] != 500.0 || it[0]["variable_symbol"] != "75" {
			t.Errorf("two dogs: %v", it)
		}

		// Pages of one item, then the list as CSV.
		var ids []string
		cursor := ""
		for range 5 {
			r := s.do("GET", "/v1/payments?as_of=2026-03-10&limit=1&cursor="+cursor, "clerk-token", nil)
			if r.status != 200 {
				t.Fatalf("page: %d %s", r.status, r.raw)
			}
			for _, it := range r.body["items"].([]any) {
				ids = append(ids, it.(map[string]any)["id"].(string))
			}
			if cursor = r.body["next_cursor"].(string); cursor == "" {
				break
			}
		}
		if len(ids) != 4 || ids[0] == ids[1] || ids[1] == ids[2] || ids[2] == ids[3] {
			t.Errorf("pages gave %v, want the 4 obligations once each", ids)
		}
		csv := s.send("GET", "/v1/payments?as_of=2026-03-10&status=paid", "clerk-token", map[string]string{"Accept": "text/csv"}, nil).raw
		lines := strings.Split(strings.TrimSpace(csv), "\n")
		if !strings.HasPrefix(lines[0], "id,case_id,reference,full_name,office,kind,fee,year,amount_czk,paid_czk,") || len(lines) != 3 {
			t.Errorf("CSV: %s", csv)
		}

		for _, bad := range []string{"status=open", "kind=tax", "as_of=2026-02-30", "limit=0", "cursor=xyz"} {
			if r := s.do("GET", "/v1/payments?"+bad, "clerk-token", nil); r.status != 400 {
				t.Errorf("%s: %d %s", bad, r.status, r.raw)
			}
		}
		if r := s.do("GET", "/v1/payments", "dash-token", nil); r.status != 403 {
			t.Errorf("dashboard on the payments list: %d", r.status)
		}

		// Payment totals in the stats, without personal data: of what is due
		// by 10 March (not the increase, due on the 24th), due 1 200 + 0 +
		// 500, paid 500 + 700.
		r = s.do("GET", fmt.Sprintf("/v1/stats?from=2026-01-01&to=2026-03-10&min_position=%d", pos), "dash-token", nil)
		p, _ := r.body["payments"].(map[string]any)
		if r.status != 200 || p["obligations"] != 3.0 || p["due_czk"] != 1700.0 || p["paid_czk"] != 1200.0 || p["owed_czk"] != 500.0 ||
			p["overdue_czk"] != 500.0 || p["by_kind"].(map[string]any)["local_fee"] == nil || p["by_month"].(map[string]any)["2026-03"] == nil { // due 28 Feb 2026, a Saturday, moved to 2 Mar
			t.Fatalf("stats: %d %v", r.status, p)
		}
		statsCSV := s.send("GET", "/v1/stats?from=2026-01-01&to=2026-03-10", "dash-token", map[string]string{"Accept": "text/csv"}, nil).raw
		if !strings.Contains(statsCSV, "payments_by_kind,local_fee,due_czk,1700") {
			t.Errorf("stats CSV: %s", statsCSV)
		}
		for _, personal := range []string{"Nováková", "Starý", "Mladý", "p-1", "p-2", "p-3", id, old, young, "1541", "1980-05-17"} {
			if strings.Contains(r.raw, personal) || strings.Contains(statsCSV, personal) {
				t.Errorf("the stats hold %q", personal)
			}
		}

		// The totals are computed from every payer: a dashboard asking again
		// within views.TotalsFresh gets the last answer, a read with
		// min_position computes them afresh (and answers the next ones).
		pos = s.record(young, "PaymentReceived", map[string]any{"amount_czk": 500, "paid_on": "2026-03-05", "variable_symbol": "75"})
		s.payments("/v1/payments", "clerk-token", pos)
		totals := func(query string) map[string]any {
			t.Helper()
			r := s.do("GET", "/v1/stats?from=2026-01-01&to=2026-03-10"+query, "dash-token", nil)
			p, _ := r.body["payments"].(map[string]any)
			if r.status != 200 || p == nil {
				t.Fatalf("stats%s: %d %s", query, r.status, r.raw)
			}
			return p
		}
		if p := totals(""); p["paid_czk"] != 1200.0 || p["owed_czk"] != 500.0 {
			t.Errorf("stats asked again at once: %v, want the last answer (paid 1200, owed 500)", p)
		}
		if p := totals(fmt.Sprintf("&min_position=%d", pos)); p["paid_czk"] != 1700.0 || p["owed_czk"] != 0.0 || p["overdue_czk"] != 0.0 {
			t.Errorf("stats with min_position of the payment: %v, want paid 1700, nothing owed", p)
		}
		if p := totals(""); p["paid_czk"] != 1700.0 {
			t.Errorf("stats after a fresh answer: %v, want it (paid 1700)", p)
		}
	})
}

// A fine from FlagReviewed is a payment obligation due 30 days after the
// decision (office policy), on the compliance officer's overdue list of fines.
func TestFinesAreOnTheOverdueListOfPayments(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 4, 20), func(t *testing.T, s *stack) {
		r := s.do("POST", "/v1/cases", "clerk-token", map[string]any{"situation": "id_card_incident", "office": "nova-ves",
			"citizen": map[string]string{"id": "f-1", "birth_date": "1980-05-17", "full_name": "Jana Nováková"}})
		id := r.body["id"].(string)
		pos := s.record(id, "IncidentReported", map[string]any{"kind": "lost", "reported_on": "2026-01-05", "reported_to": "municipal_office"})
		c := s.do("GET", fmt.Sprintf("/v1/cases/%s?min_position=%d", id, pos), "officer-token", nil)
		flags := c.body["flags"].([]any)
		if len(flags) == 0 {
			t.Fatalf("no flag: %s", c.raw)
		}
		flag := flags[0].(map[string]any)["id"].(string)
		r = s.do("POST", "/v1/cases/"+id+"/events", "officer-token", map[string]any{"type": "FlagReviewed",
			"data": map[string]any{"flag": flag, "decision": "fined", "fine_czk": 2000, "decided_on": "2026-03-02"}})
		if r.status != 201 {
			t.Fatalf("fine: %d %s", r.status, r.raw)
		}
		pos = int64(r.body["position"].(float64))
		items := s.payments("/v1/payments?as_of=2026-04-20&status=overdue&kind=fine", "officer-token", pos)
		if len(items) != 1 {
			t.Fatalf("overdue fines: %v", items)
		}
		it := items[0]
		// 2 Mar 2026 + 30 days = 1 Apr 2026, a Wednesday.
		if it["kind"] != "fine" || it["amount_czk"] != 2000.0 || it["due_on"] != "2026-04-01" || it["fee"] != nil || it["year"] != nil ||
			it["iban"] != "CZ6308000000000460043319" || !strings.Contains(it["basis"].(string), "office policy") {
			t.Fatalf("fine: %v", it)
		}
		if got := s.payments("/v1/payments?as_of=2026-04-20&status=overdue&kind=local_fee", "officer-token", pos); len(got) != 0 {
			t.Errorf("local fees: %v", got)
		}
		pos = s.record(id, "PaymentReceived", map[string]any{"amount_czk": 2000, "paid_on": "2026-03-20", "variable_symbol": it["variable_symbol"]})
		if got := s.payments("/v1/payments?as_of=2026-04-20&kind=fine", "officer-token", pos); got[0]["status"] != "paid" {
			t.Errorf("after paying: %v", got)
		}
	})
}

// An item of the payments list names its payer (the message is the
// surname), so each case it lists is an audited personal-data read; the
// audit is written whatever the log level (here: errors only).
func TestThePaymentsListIsAnAuditedRead(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *eventstore.DB) {
		var logged bytes.Buffer
		s := newStackWith(t, db, calendar.NewDate(2026, 3, 10), func(c *handlers.Config) {
			c.Log = slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelError}))
		})
		id := s.payer("p-1", "1980-05-17", "Jana Nováková")
		pos := s.record(id, "LocalFeeLiabilityArose", map[string]any{"fee": "waste", "arose_on": "2026-01-15",
			"basis": "permanent_residence", "house_number": "154", "village_part": "Nová Ves"})
		if items := s.payments("/v1/payments", "officer-token", pos); len(items) != 1 || items[0]["message"] != "Nováková" {
			t.Fatalf("payments: %v", items)
		}
		audited := 0
		for _, l := range strings.Split(logged.String(), "\n") {
			if strings.Contains(l, "audit=true") && strings.Contains(l, "route=/v1/payments ") {
				audited++
				if !strings.Contains(l, "case_id="+id) || !strings.Contains(l, "actor=bob") {
					t.Errorf("audit line: %s", l)
				}
			}
		}
		if audited != 1 {
			t.Errorf("%d audit lines for the payments list, want 1:\n%s", audited, logged.String())
		}
		// No cache keeps what a token read.
		for _, path := range []string{"/v1/payments", "/v1/cases/" + id, "/v1/citizens/p-1/payments"} {
			if r := s.do("GET", path, "officer-token", nil); r.status != 200 || r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("GET %s: %d, Cache-Control %q, want no-store", path, r.status, r.header.Get("Cache-Control"))
			}
		}
	})
}

// An exemption of the schedule recorded at the counter (docs/LAW.md §9):
// abroad for the whole of 2026, the year's waste fee is excused and asks
// for nothing.
func TestAnExemptionThroughTheAPI(t *testing.T) {
	eachStack(t, calendar.NewDate(2026, 3, 10), func(t *testing.T, s *stack) {
		id := s.payer("p-9", "1980-05-17", "Jana Nováková")
		s.record(id, "LocalFeeLiabilityArose", map[string]any{"fee": "waste", "arose_on": "2026-01-15", "basis": "permanent_residence",
			"house_number": "154", "village_part": "Nová Ves"})
		r := s.do("POST", "/v1/cases/"+id+"/events", "clerk-token", map[string]any{"type": "LocalFeeExemptionGranted",
			"data": map[string]any{"fee": "waste", "reason": "holiday", "from": "2026-01-01"}})
		if r.status != 422 || !strings.Contains(r.raw, "data.reason") {
			t.Fatalf("a reason the schedule does not know: %d %s", r.status, r.raw)
		}
		pos := s.record(id, "LocalFeeExemptionGranted", map[string]any{"fee": "waste", "reason": "abroad", "from": "2026-01-01", "to": "2026-12-31"})
		items := s.payments("/v1/citizens/p-9/payments?as_of=2026-03-10", "clerk-token", pos)
		if len(items) != 1 || items[0]["status"] != "excused" || items[0]["owed_czk"] != 0.0 || items[0]["spayd"] != "" {
			t.Fatalf("got %v, want the 2026 waste fee excused", items)
		}
	})
}
