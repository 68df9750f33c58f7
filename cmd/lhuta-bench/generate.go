package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/rulebook"
	"github.com/lhuta/lhuta/eventstore"
)

// The generated log spans ten years of facts up to a fixed "today", which is
// also the service's today in the query, write and lag phases.
var (
	benchToday = calendar.NewDate(2026, 12, 1)
	firstDay   = calendar.NewDate(2016, 12, 1)
	lastDay    = calendar.NewDate(2026, 11, 30)
)

// The identities of the service's tokens (handlers.ParseTokens format); an
// event's recorded_by is the token's name, so the generator uses the same.
const (
	clerkToken     = "bench-clerk-token"
	officerToken   = "bench-officer-token"
	dashboardToken = "bench-dashboard-token"
	clerkName      = "bench-clerk"
	officerName    = "bench-officer"
	benchTokens    = clerkToken + "=clerk:" + clerkName + "," + officerToken + "=compliance_officer:" + officerName +
		"," + dashboardToken + "=dashboard:bench-dashboard"
)

// eventRow is one event of the log, as the service would store it
// (eventstore.DB.BulkInsert writes it).
type eventRow = eventstore.Event

// sampleCase is a generated case kept to query and to check the rebuilt read
// models against: what the domain says the case is after its events.
type sampleCase struct {
	ID          string `json:"id"`
	Citizen     string `json:"citizen"`
	Situation   string `json:"situation"`
	Office      string `json:"office"`
	Version     int64  `json:"version"`
	Status      string `json:"status"`
	Obligations int    `json:"obligations"`
}

// genCase is one generated case.
type genCase struct {
	rows   []eventRow
	sample sampleCase
}

// GenResult is what the generate phase measured.
type GenResult struct {
	Cases         int     `json:"cases"`
	Events        int64   `json:"events"`
	EventsPerCase float64 `json:"events_per_case"`
	Seconds       float64 `json:"seconds"`
	EventsPerSec  float64 `json:"events_per_sec"`
	// InsertSeconds is the time spent in the bulk inserts (COPY), the rest
	// of Seconds waiting for the domain's workers.
	InsertSeconds float64        `json:"insert_seconds"`
	ByType        map[string]int `json:"by_type"`
	// Refused counts facts the domain refused while generating (a generator
	// bug if not zero: such facts are left out of the log).
	Refused   int    `json:"refused"`
	LastError string `json:"last_error,omitempty"`
}

// casesPerChunk makes chunks of about 50 000 rows, one COPY (or one SQLite
// transaction) each.
const casesPerChunk = 16000

type chunk struct {
	rows    []eventRow
	samples []sampleCase
	byType  map[string]int
	refused int
	lastErr string
	cases   int
}

// generate writes n cases into the events table, the domain deciding every
// event in parallel across cores, and returns what it measured and a sample
// of the cases (every k-th, at most about maxSamples).
func generate(ctx context.Context, db *eventstore.DB, n, offices int, seed uint64, maxSamples int, out io.Writer) (GenResult, []sampleCase, error) {
	start := time.Now()
	// The domain allocates much and keeps little: collect less often meanwhile.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	res := GenResult{Cases: n, ByType: map[string]int{}}
	every := max(1, n/maxSamples)
	chunks := (n + casesPerChunk - 1) / casesPerChunk
	results := make([]chan chunk, chunks)
	for i := range results {
		results[i] = make(chan chunk, 1)
	}
	workers := runtime.NumCPU()
	// At most a few chunks wait in memory for the writer.
	slots := make(chan struct{}, workers+2)
	var next atomic.Int64
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// On an early return the workers stop at their next chunk.
	defer func() { cancel(); wg.Wait() }()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					return
				}
				k := int(next.Add(1) - 1)
				if k >= chunks {
					<-slots
					return
				}
				from, to := k*casesPerChunk, min(n, (k+1)*casesPerChunk)
				results[k] <- makeChunk(seed, from, to, n, offices, every)
			}
		}()
	}

	prog := newProgress(out, "generate")
	var samples []sampleCase
	casesDone := 0
	for k := range chunks {
		var c chunk
		select {
		case c = <-results[k]:
		case <-ctx.Done():
			return res, nil, ctx.Err()
		}
		t := time.Now()
		if err := db.BulkInsert(ctx, c.rows); err != nil {
			return res, nil, fmt.Errorf("insert chunk %d: %w", k, err)
		}
		res.InsertSeconds += time.Since(t).Seconds()
		<-slots
		res.Events += int64(len(c.rows))
		for t, v := range c.byType {
			res.ByType[t] += v
		}
		res.Refused += c.refused
		if c.lastErr != "" {
			res.LastError = c.lastErr
		}
		samples = append(samples, c.samples...)
		casesDone += c.cases
		prog.report(res.Events, int64(float64(res.Events)*float64(n)/float64(casesDone)), "events")
	}
	prog.done(res.Events, "events")
	res.Seconds = time.Since(start).Seconds()
	res.EventsPerSec = float64(res.Events) / res.Seconds
	res.EventsPerCase = float64(res.Events) / float64(max(1, n))
	return res, samples, nil
}

// makeChunk generates cases [from, to) and lays their events out
// interleaved (every case's first event, then every case's second…), so
// that a case's events are spread over the log but stay in version order.
func makeChunk(seed uint64, from, to, n, offices, every int) chunk {
	c := chunk{byType: map[string]int{}, cases: to - from}
	gen := make([]genCase, 0, to-from)
	total := 0
	longest := 0
	for i := from; i < to; i++ {
		g, refused, lastErr := makeCase(seed, i, n, offices)
		c.refused += refused
		if lastErr != "" {
			c.lastErr = lastErr
		}
		if i%every == 0 {
			c.samples = append(c.samples, g.sample)
		}
		total += len(g.rows)
		longest = max(longest, len(g.rows))
		gen = append(gen, g)
	}
	c.rows = make([]eventRow, 0, total)
	for v := range longest {
		for _, g := range gen {
			if v < len(g.rows) {
				c.rows = append(c.rows, g.rows[v])
				c.byType[g.rows[v].Type]++
			}
		}
	}
	return c
}

// caseBuilder records a case's events through the domain, as the service
// would, and keeps the rows.
type caseBuilder struct {
	r       *rand.Rand
	index   int
	c       *cases.Case
	rows    []eventRow
	refused int
	lastErr string
}

// record asks the domain to record a fact dated on (today being that day) and
// folds the recorded event back into the case. A fact dated after the
// benchmark's today has not happened yet and is not recorded.
func (b *caseBuilder) record(typ cases.EventType, on calendar.Date, role cases.Role, body any) bool {
	if on.After(benchToday) {
		return false
	}
	raw, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	actor := clerkName
	if role == cases.ComplianceOfficer {
		actor = officerName
	}
	ctx := cases.Context{Today: on, Actor: actor, Role: role}
	var rec cases.Recorded
	if typ == cases.CaseOpenedType {
		rec, err = cases.Open(raw, ctx)
	} else {
		rec, err = b.c.Record(typ, raw, ctx)
	}
	if err != nil {
		b.refused++
		b.lastErr = fmt.Sprintf("case %d: %s %s: %v", b.index, typ, raw, err)
		return false
	}
	data, err := json.Marshal(rec.Data)
	if err != nil {
		panic(err)
	}
	version := b.c.Version + 1
	if err := b.c.Replay(cases.Event{Type: rec.Type, Version: version, Data: data}); err != nil {
		panic(err)
	}
	// Recorded during office hours on the fact's day, never before the case's previous event.
	at := on.Time().Add(7*time.Hour + time.Duration(b.r.IntN(9*60))*time.Minute)
	if len(b.rows) > 0 {
		if prev := b.rows[len(b.rows)-1].RecordedAt; !at.After(prev) {
			at = prev.Add(time.Minute)
		}
	}
	b.rows = append(b.rows, eventRow{StreamID: b.c.ID, Version: version, Type: string(rec.Type), Data: data,
		Metadata: eventstore.Metadata{RecordedBy: actor, RecordedAt: at, CorrelationID: "bench-" + strconv.Itoa(b.index) + "-" + strconv.FormatInt(version, 10)}})
	return true
}

// chance returns true with probability p.
func (b *caseBuilder) chance(p float64) bool { return b.r.Float64() < p }

// caseID returns a random (version 4 format) UUID drawn from r.
func caseID(r *rand.Rand) string {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[0:8], r.Uint64())
	binary.BigEndian.PutUint64(u[8:16], r.Uint64())
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	return u.String()
}

var (
	firstNamesF = []string{"Jana", "Marie", "Eva", "Hana", "Anna", "Lenka", "Kateřina", "Lucie", "Věra", "Petra", "Alena", "Tereza"}
	firstNamesM = []string{"Jiří", "Jan", "Petr", "Josef", "Pavel", "Martin", "Tomáš", "Jaroslav", "Miroslav", "Zdeněk", "Václav", "Lukáš"}
	surnamesM   = []string{"Novák", "Svoboda", "Novotný", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák", "Němec", "Marek", "Pokorný"}
	surnamesF   = []string{"Nováková", "Svobodová", "Novotná", "Dvořáková", "Černá", "Procházková", "Kučerová", "Veselá", "Horáková", "Němcová", "Marková", "Pokorná"}
)

// citizen returns a citizen born on birth, with a valid birth number most of the time.
func citizen(r *rand.Rand, index int, birth calendar.Date) map[string]any {
	female := r.IntN(2) == 0
	name := firstNamesM[r.IntN(len(firstNamesM))] + " " + surnamesM[r.IntN(len(surnamesM))]
	if female {
		name = firstNamesF[r.IntN(len(firstNamesF))] + " " + surnamesF[r.IntN(len(surnamesF))]
	}
	c := map[string]any{"id": "cit-" + zeroPad(index, 8), "birth_date": birth.String(), "full_name": name}
	if r.Float64() < 0.7 {
		c["birth_number"] = birthNumber(r, birth, female)
	}
	return c
}

// birthNumber returns a valid Czech birth number for the date (docs/LAW.md §10):
// nine digits before 1954, else ten divisible by 11.
func birthNumber(r *rand.Rand, birth calendar.Date, female bool) string {
	mm := int(birth.Month())
	if female {
		mm += 50
	}
	prefix := zeroPad(birth.Year()%100, 2) + zeroPad(mm, 2) + zeroPad(birth.Day(), 2)
	if birth.Year() < 1954 {
		return prefix + "/" + zeroPad(r.IntN(1000), 3)
	}
	date := (birth.Year()%100*100+mm)*100 + birth.Day()
	for {
		serial := r.IntN(1000)
		if check := (date*1000 + serial) % 11; check != 10 {
			return prefix + "/" + zeroPad(serial, 3) + strconv.Itoa(check)
		}
	}
}

// situation mix: mostly identity card incidents (lost and stolen cards).
// Local fees are drawn for 16 % of the cases but recorded only for those
// from 2023 (Nová Ves's schedule), about 39 % of the ten years: about 6 % of
// all cases, 60 000 payers at 1 000 000 cases (issue 24's scale).
var situations = []struct {
	s      cases.Situation
	weight float64
}{
	{cases.IDCardIncident, 0.39},
	{cases.LocalFee, 0.16},
	{cases.ResidenceChange, 0.12},
	{cases.IDCardExpiry, 0.12},
	{cases.FirstIDCard, 0.07},
	{cases.MaritalStatusChange, 0.05},
	{cases.NameChange, 0.04},
	{cases.PassportApplication, 0.05},
}

func pickSituation(r *rand.Rand) cases.Situation {
	u := r.Float64()
	for _, s := range situations {
		if u < s.weight {
			return s.s
		}
		u -= s.weight
	}
	return cases.IDCardIncident
}

// officeName returns the office of a case: office-001 … office-NNN, the
// low numbers (the big towns) busier than the rest.
func officeName(r *rand.Rand, offices int) string {
	u := r.Float64()
	return "office-" + zeroPad(1+int(float64(offices)*u*u), 3)
}

// zeroPad formats a non-negative n with at least width digits.
func zeroPad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// makeCase generates case i of n: its trigger falls on a day that moves
// through the ten years with i, so the log is roughly in time order.
func makeCase(seed uint64, i, n, offices int) (genCase, int, string) {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	days := firstDay.DaysUntil(lastDay) + 1
	day := firstDay.AddDays(int(int64(i)*int64(days)/int64(max(1, n))) - r.IntN(3))
	if day.Before(firstDay) {
		day = firstDay
	}
	b := &caseBuilder{r: r, index: i, c: &cases.Case{ID: caseID(r)}}
	sit := pickSituation(r)
	office := officeName(r, offices)
	if sit == cases.LocalFee {
		if day.Before(localFeesFrom) {
			sit = cases.IDCardIncident // Nová Ves's schedule is in force from 2023
		} else {
			office = localFeeOffice
		}
	}

	birth := firstDay.AddYears(-70).AddDays(r.IntN(365 * 52)) // born 1946–1998
	if sit == cases.FirstIDCard {
		birth = day.AddYears(-15)
		day = birth.AddYears(15)
	} else if sit == cases.PassportApplication {
		birth = day.AddYears(-5 - r.IntN(70)).AddDays(-r.IntN(365))
	}
	b.record(cases.CaseOpenedType, day, cases.Clerk, map[string]any{
		"situation": sit, "office": office, "citizen": citizen(r, i, birth)})

	document := "id_card_chip"
	if b.chance(0.25) {
		document = "id_card"
	}
	switch sit {
	case cases.IDCardIncident:
		kinds := []string{"lost", "lost", "lost", "stolen", "stolen", "damaged", "destroyed"}
		body := map[string]any{"kind": kinds[r.IntN(len(kinds))], "reported_on": day.String(),
			"reported_to": []string{"municipal_office", "municipal_office", "police", "registry_office"}[r.IntN(4)]}
		if b.chance(0.5) {
			body["discovered_on"] = day.AddDays(-r.IntN(8)).String()
		}
		b.record("IncidentReported", day, cases.Clerk, body)
	case cases.ResidenceChange:
		if b.chance(0.85) {
			b.record("ResidenceChangeReported", day, cases.Clerk, map[string]any{"reported_on": day.String(), "registration_office": "registration_office"})
		} else {
			b.record("ResidenceRecordCancelled", day, cases.Clerk, map[string]any{"decision_effective_on": day.String()})
		}
	case cases.IDCardExpiry:
		b.record("IDCardExpired", day, cases.Clerk, map[string]any{"expired_on": day.String()})
	case cases.FirstIDCard:
		b.record("CitizenTurned15", day, cases.Clerk, map[string]any{"birthday_on": day.String()})
	case cases.MaritalStatusChange:
		changes := []string{"marriage", "marriage", "marriage", "divorce", "divorce", "widowed", "partnership_registered"}
		change := changes[r.IntN(len(changes))]
		b.record("MaritalStatusChanged", day, cases.Clerk, map[string]any{"change": change, "document_received_on": day.String(),
			"card_shows_marital_status": b.chance(0.8), "surname_changed": change == "marriage" && b.chance(0.7)})
	case cases.NameChange:
		b.record("NameChanged", day, cases.Clerk, map[string]any{"decision_effective_on": day.String()})
	case cases.PassportApplication:
		document = "passport"
	case cases.LocalFee:
		payLocalFees(b, day)
	}

	// The application: mostly on time, about one in ten late, one in twenty never.
	var filedOn calendar.Date
	if due, ok := applyDue(b.c); ok {
		switch u := r.Float64(); {
		case u < 0.85:
			filedOn = day.AddDays(r.IntN(max(1, day.DaysUntil(due)+1)))
		case u < 0.95:
			filedOn = due.AddDays(1 + r.IntN(30))
		}
	} else if sit == cases.PassportApplication || b.chance(0.6) {
		filedOn = day.AddDays(r.IntN(20))
	}
	filed := false
	if !filedOn.IsZero() {
		track := "standard"
		switch u := r.Float64(); {
		case document == "passport":
		case u < 0.06:
			track = "five_working_days"
		case u < 0.08:
			track = "twenty_four_hours"
		}
		body := map[string]any{"document": document, "filed_on": filedOn.String(), "track": track, "filing_office": "municipal_office"}
		if age := filedOn.YearsSince(birth); document == "passport" && age >= 15 && age < 18 {
			body["consent_attached"] = true
		}
		filed = b.record("ApplicationFiled", filedOn, cases.Clerk, body)
		if !filed && track != "standard" {
			// A fast track not offered for that document or day: the clerk files it as standard.
			body["track"] = "standard"
			if filed = b.record("ApplicationFiled", filedOn, cases.Clerk, body); filed {
				b.refused--
			}
		}
	}

	// The office's side: ready mostly within its deadline, then collected, and the case closed.
	if filed && len(b.c.SLA) > 0 && b.chance(0.12) {
		due := b.c.SLA[len(b.c.SLA)-1].Due
		ready := due.AddDays(-r.IntN(8))
		if b.chance(0.06) {
			ready = due.AddDays(1 + r.IntN(10))
		}
		if ready.Before(filedOn) {
			ready = filedOn
		}
		if b.record("DocumentReady", ready, cases.Clerk, map[string]any{"ready_on": ready.String()}) && b.chance(0.85) {
			collected := ready.AddDays(r.IntN(20))
			if b.record("DocumentCollected", collected, cases.Clerk, map[string]any{"collected_on": collected.String()}) && b.chance(0.5) {
				closed := collected.AddDays(r.IntN(5))
				b.record(cases.CaseClosedType, closed, cases.Clerk, map[string]any{"reason": "card issued", "closed_on": closed.String()})
			}
		}
	}

	// The compliance officer: a late application's flag fined, or its obligation excused.
	if f := lateApplicationFlag(b.c); f != nil {
		switch u := r.Float64(); {
		case u < 0.25:
			fine := 500 + 100*r.IntN(46)
			if f.Offence.MaxFineCZK != nil {
				fine = min(fine, *f.Offence.MaxFineCZK)
			}
			on := f.RaisedOn.AddDays(10 + r.IntN(60))
			b.record("FlagReviewed", on, cases.ComplianceOfficer, map[string]any{"flag": f.ID, "decision": "fined",
				"fine_czk": fine, "decided_on": on.String()})
		case u < 0.40:
			on := f.RaisedOn.AddDays(r.IntN(20))
			b.record("ObligationExcused", on, cases.ComplianceOfficer, map[string]any{"obligation": rulebook.ObligationApplyForIDCard,
				"reason": "hospitalizace (překážka těžko překonatelná)"})
		}
	}

	status := "open"
	if b.c.Closed() && !b.c.ClosedOn.After(benchToday) {
		status = "closed"
	}
	return genCase{rows: b.rows, sample: sampleCase{ID: b.c.ID, Citizen: b.c.Citizen.ID, Situation: string(b.c.Situation), Office: b.c.Office,
		Version: b.c.Version, Status: status, Obligations: len(b.c.Obligations)}}, b.refused, b.lastErr
}

// The local-fee payers live in the one office with a built-in fee schedule.
var (
	localFeeOffice = "nova-ves"
	localFeesFrom  = calendar.NewDate(2023, 1, 1)
	villageParts   = []string{"Nová Ves", "Nové Ouholice", "Staré Ouholice", "Vepřek", "Miřejovice"}
)

// payLocalFees records a payer's waste fee (and, for one in three, dogs) from
// day on, and each year's payment: mostly on time, one in ten late, one in
// ten never. The amounts are the schedule's, so most years end paid.
func payLocalFees(b *caseBuilder, day calendar.Date) {
	r := b.r
	house, part := 1+r.IntN(400), 1+r.IntN(len(villageParts))
	where := map[string]any{"house_number": strconv.Itoa(house), "village_part": villageParts[part-1]}
	arose := func(fee string, extra map[string]any) {
		body := map[string]any{"fee": fee, "arose_on": day.String()}
		for k, v := range where {
			body[k] = v
		}
		for k, v := range extra {
			body[k] = v
		}
		b.record(cases.LocalFeeLiabilityAroseType, day, cases.Clerk, body)
	}
	arose("waste", map[string]any{"basis": "permanent_residence"})
	yearly := 1200
	if b.chance(1.0 / 3) {
		dogs := 1 + r.IntN(2)
		arose("dog", map[string]any{"basis": "owner", "dogs": dogs})
		yearly += 200 + 300*(dogs-1)
	}
	vs := strconv.Itoa(house) + strconv.Itoa(part)
	for year := day.Year(); year <= benchToday.Year(); year++ {
		due := calendar.NewDate(year, 2, 28)
		if year == day.Year() && day.After(due) {
			due = day.AddDays(30)
		}
		var paid calendar.Date
		switch u := r.Float64(); {
		case u < 0.8:
			paid = due.AddDays(-r.IntN(20))
		case u < 0.9:
			paid = due.AddDays(1 + r.IntN(60))
		default:
			continue
		}
		if paid.Before(day) {
			paid = day
		}
		b.record(cases.PaymentReceivedType, paid, cases.Clerk, map[string]any{"amount_czk": yearly, "paid_on": paid.String(),
			"variable_symbol": vs, "bank_reference": fmt.Sprintf("bench-%d-%d", b.index, year)})
	}
}

// applyDue returns the due day of the case's pending duty to apply for a card.
func applyDue(c *cases.Case) (calendar.Date, bool) {
	for _, o := range c.Obligations {
		if o.Obligation == rulebook.ObligationApplyForIDCard && o.FulfilledOn.IsZero() && o.ExcusedOn.IsZero() {
			return o.Due, true
		}
	}
	return calendar.Date{}, false
}

// lateApplicationFlag returns the undecided flag of a missed duty to apply
// for a card, raised by today, if the case has one.
func lateApplicationFlag(c *cases.Case) *cases.Flag {
	for i := range c.Flags {
		f := &c.Flags[i]
		if f.Obligation == rulebook.ObligationApplyForIDCard && f.DecidedOn.IsZero() && !f.RaisedOn.After(benchToday) {
			return f
		}
	}
	return nil
}
