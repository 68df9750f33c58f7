package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/projections/views"
)

// --- The small calendar of a case's deadlines ---

type day struct {
	Day                    int
	Date                   string
	Holiday                string
	Weekend, Due, Trigger  bool
	AsOf, Outside, Working bool
	Notes                  []string
}

type month struct {
	Caption string
	Weeks   [][]day
}

// months draws the months in which the case's obligations arise and fall
// due, marking weekends, public holidays (domain/calendar) and the days.
func months(c views.CaseView) []month {
	notes := map[calendar.Date][]string{}
	due, trigger := map[calendar.Date]bool{}, map[calendar.Date]bool{}
	var firsts []calendar.Date
	addMonth := func(d calendar.Date) {
		first := calendar.NewDate(d.Year(), d.Month(), 1)
		if !slices.Contains(firsts, first) {
			firsts = append(firsts, first)
		}
	}
	for _, o := range c.Obligations {
		due[o.DueOn] = true
		trigger[o.TriggeredOn] = true
		notes[o.DueOn] = append(notes[o.DueOn], "lhůta: "+label(o.Obligation))
		notes[o.TriggeredOn] = append(notes[o.TriggeredOn], "vznik povinnosti: "+label(o.Obligation))
		addMonth(o.TriggeredOn)
		addMonth(o.DueOn)
	}
	slices.SortFunc(firsts, func(a, b calendar.Date) int { return a.Compare(b) })
	if len(firsts) > 3 {
		firsts = firsts[len(firsts)-3:]
	}
	var out []month
	for _, first := range firsts {
		m := month{Caption: fmt.Sprintf("%s %d", czechMonths[first.Month()-1], first.Year())}
		// Weeks start on Monday.
		start := first.AddDays(-((int(first.Weekday()) + 6) % 7))
		last := first.AddMonths(1).AddDays(-1)
		for d := start; !d.After(last); {
			var week []day
			for range 7 {
				x := day{Day: d.Day(), Date: d.String(), Weekend: d.Weekday() == time.Saturday || d.Weekday() == time.Sunday,
					Outside: d.Month() != first.Month(), Due: due[d], Trigger: trigger[d], AsOf: d == c.AsOf,
					Working: calendar.IsWorkingDay(d), Notes: notes[d]}
				x.Holiday, _ = calendar.IsHoliday(d)
				week = append(week, x)
				d = d.AddDays(1)
			}
			m.Weeks = append(m.Weeks, week)
		}
		out = append(out, m)
	}
	return out
}

// Class is the day cell's CSS classes.
func (d day) Class() string {
	var c []string
	for _, k := range []struct {
		on   bool
		name string
	}{{d.Outside, "outside"}, {d.Weekend, "weekend"}, {d.Holiday != "", "holiday"}, {d.Due, "due"}, {d.Trigger, "trigger"}, {d.AsOf, "asof"}} {
		if k.on {
			c = append(c, k.name)
		}
	}
	return strings.Join(c, " ")
}

// --- The dashboard: charts as server-side SVG ---

type bar struct {
	Label string
	Value float64
	Text  string
}

// svgChart is a horizontal bar chart, drawn as SVG by the dashboard's
// template; the same figures are in a table beneath it for screen readers
// and printing.
type svgChart struct {
	ID, Title string
	W, H      int
	Rows      []svgRow
}

type svgRow struct {
	Label, Text            string
	LabelX, ValueX, TextY  int
	BarX, BarY, BarW, BarH int
}

func barChart(title string, bars []bar, max float64) svgChart {
	const rowH, labelW, barW = 26, 230, 300
	if max <= 0 {
		max = 1
	}
	c := svgChart{ID: id(title), Title: title, W: labelW + barW + 90, H: rowH*len(bars) + 10}
	for i, br := range bars {
		y := 5 + i*rowH
		w := max0(int(br.Value/max*barW), 1)
		c.Rows = append(c.Rows, svgRow{Label: shorten(br.Label, 32), Text: br.Text, LabelX: labelW - 8, ValueX: labelW + w + 6,
			TextY: y + 17, BarX: labelW, BarY: y + 3, BarW: w, BarH: rowH - 8})
	}
	return c
}

// shorten cuts a label to n characters; the table under the chart has it whole.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func max0(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func id(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

type chart struct {
	Title string
	SVG   svgChart
	Bars  []bar
	Note  string
}

type dashboard struct {
	Filters []formField
	Stats   views.Stats
	Charts  []chart
	Rate    string
}

// czechDecimal writes a number the Czech way: a decimal comma and
// no-break spaces between thousands (12 345,6).
func czechDecimal(x float64, places int) string {
	s := strconv.FormatFloat(x, 'f', places, 64)
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	out := thousands(n)
	if whole == "-0" {
		out = "-0"
	}
	if frac != "" {
		out += "," + frac
	}
	return out
}

// percent writes a rate as a Czech percentage, 0,0 %.
func percent(r *float64) string {
	if r == nil {
		return "–"
	}
	return czechDecimal(*r*100, 1) + "\u00a0%"
}

// maxOffices bounds how many offices one dashboard compares.
const maxOffices = 12

func (con *Console) dashboardPage(w http.ResponseWriter, r *http.Request) {
	s := current(r)
	q := listQuery(r, "from", "to", "office")
	q.Del("limit")
	q.Del("cursor")
	var d dashboard
	if !con.get(w, r, "/v1/stats", q, &d.Stats) {
		return
	}
	all := url.Values{"offices": {r.URL.Query().Get("offices")}}
	for k, v := range q {
		all[k] = v
	}
	d.Filters = filterFields(r, all, formField{Name: "from", Kind: "date"}, formField{Name: "to", Kind: "date"},
		formField{Name: "office", Kind: "line"}, formField{Name: "offices", Kind: "line"})
	d.Rate = percent(d.Stats.OnTimeRate)

	// Overdue obligations by the month their fact happened.
	var byMonth []bar
	var top float64
	for _, m := range sortedCounts(d.Stats.ByMonth) {
		n := float64(d.Stats.ByMonth[m][cases.StatusOverdue])
		byMonth = append(byMonth, bar{m, n, fmt.Sprint(n)})
		top = max(top, n)
	}
	d.Charts = append(d.Charts, chart{Title: "Po lhůtě podle měsíce vzniku povinnosti", Bars: byMonth, SVG: barChart("Po lhůtě podle měsíce", byMonth, top),
		Note: "Povinnosti, které vznikly v daném měsíci a ke dni „do“ jsou po lhůtě."})

	var bySituation []bar
	top = 0
	for _, k := range sortedCounts(d.Stats.BySituation) {
		n := float64(d.Stats.BySituation[k][cases.StatusOverdue])
		bySituation = append(bySituation, bar{label(k), n, fmt.Sprint(n)})
		top = max(top, n)
	}
	d.Charts = append(d.Charts, chart{Title: "Po lhůtě podle životní situace", Bars: bySituation, SVG: barChart("Po lhůtě podle situace", bySituation, top)})

	rate := []bar{{"celkem", 0, percent(d.Stats.OnTimeRate)}}
	if d.Stats.OnTimeRate != nil {
		rate[0].Value = *d.Stats.OnTimeRate
	}
	var offices []string
	for _, o := range strings.Split(r.URL.Query().Get("offices"), ",") {
		if o = strings.TrimSpace(o); o != "" && !slices.Contains(offices, o) && len(offices) < maxOffices {
			offices = append(offices, o)
		}
	}
	var overdueByOffice []bar
	top = 0
	for _, o := range offices {
		oq := cloneValues(q)
		oq.Set("office", o)
		var st views.Stats
		if !con.get(w, r, "/v1/stats", oq, &st) {
			return
		}
		b := bar{o, 0, percent(st.OnTimeRate)}
		if st.OnTimeRate != nil {
			b.Value = *st.OnTimeRate
		}
		rate = append(rate, b)
		overdueByOffice = append(overdueByOffice, bar{o, float64(st.Overdue), fmt.Sprint(st.Overdue)})
		top = max(top, float64(st.Overdue))
	}
	d.Charts = append(d.Charts, chart{Title: "Podíl povinností splněných včas", Bars: rate, SVG: barChart("Splněno včas", rate, 1),
		Note: "Splněné včas ÷ povinnosti, jejichž lhůta uplynula (prominuté se nepočítají)."})
	if len(offices) > 0 {
		d.Charts = append(d.Charts, chart{Title: "Po lhůtě podle úřadu", Bars: overdueByOffice, SVG: barChart("Po lhůtě podle úřadu", overdueByOffice, top)})
	}
	con.render(w, r, http.StatusOK, "dashboard", s, "Přehledy", d)
}

func sortedCounts(m map[string]views.Counts) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
