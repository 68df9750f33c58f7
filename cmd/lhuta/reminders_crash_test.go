package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/testmail"
	"github.com/lhuta/lhuta/internal/teststack"
)

// lhuta is killed with SIGKILL several times while it delivers reminders to
// a real SMTP server; in the end every due reminder has arrived, and no
// Message-ID arrived with two different bodies (one arriving twice with the
// same bytes is allowed: delivery is at least once).
func TestCrashesWhileDeliveringLoseNoReminderAndChangeNoLetter(t *testing.T) {
	bin := teststack.Build(t)
	for _, backend := range testdb.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			mb := testmail.New(t, nil)
			// Each delivery takes a while, so that kills land amid them.
			mb.SetDelay(40 * time.Millisecond)
			dir := t.TempDir()
			env := clerkEnv(t, backend, "2026-04-01",
				"LHUTA_SMTP_URL="+mb.URL, "LHUTA_MAIL_FROM=podatelna@nova-ves.cz", "LHUTA_PUBLIC_URL=https://lhuta.example.cz")
			p := lhutaProcess(t, bin, dir, env)
			p.Start()
			// 40 citizens who agreed, each with a card lost on Wed 18 Mar
			// 2026: apply by Fri 10 Apr, reminded on Wed 1 Apr, today.
			const citizens = 40
			want := map[string]bool{}
			var last float64
			for i := range citizens {
				citizen := fmt.Sprintf("c%02d", i)
				opened := clerkPost(t, p.Base()+"/v1/cases", `{"situation":"id_card_incident","office":"nova-ves","citizen":{"id":"`+citizen+`","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`)
				id := opened["id"].(string)
				clerkPost(t, p.Base()+"/v1/cases/"+id+"/events", `{"type":"IncidentReported","data":{"kind":"lost","reported_on":"2026-03-18","reported_to":"municipal_office"}}`)
				e := clerkPost(t, p.Base()+"/v1/cases/"+id+"/events", `{"type":"ContactConsentGiven","data":{"email":"`+citizen+`@example.cz"}}`)
				last = max(last, e["position"].(float64))
				want["<"+id+".obligation_due.apply_for_id_card-1.20260401@lhuta>"] = true
			}
			// The read models hold them all; the next start's first tick queues them.
			waitProjected(t, p.Base(), int64(last))
			p.Stop(syscall.SIGKILL)

			for crash := range 4 {
				p.Start()
				before := len(mb.All())
				for deadline := time.Now().Add(30 * time.Second); len(mb.All()) < min(before+4, citizens); time.Sleep(5 * time.Millisecond) {
					if time.Now().After(deadline) {
						p.Fatal(fmt.Sprintf("no reminder was delivered after start %d", crash+2))
					}
				}
				p.Stop(syscall.SIGKILL)
			}
			p.Start()
			defer p.Stop(syscall.SIGTERM)
			for deadline := time.Now().Add(60 * time.Second); len(mb.All()) < citizens; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					p.Fatal(fmt.Sprintf("%d of %d reminders arrived", len(mb.All()), citizens))
				}
			}
			twice := 0
			for id, ds := range mb.All() {
				if !want[id] {
					t.Errorf("unexpected message %s", id)
				}
				for _, d := range ds[1:] {
					if !bytes.Equal(d.Raw, ds[0].Raw) {
						t.Errorf("%s arrived with two different bodies:\n%s\n---\n%s", id, ds[0].Raw, d.Raw)
					}
				}
				if len(ds) > 1 {
					twice++
				}
			}
			t.Logf("%s: %d reminders delivered across 5 kills; %d arrived more than once", backend, citizens, twice)
		})
	}
}

// clerkPost posts body as the clerk and returns the answer, failing on anything but 2xx.
func clerkPost(t *testing.T, url, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer clerk-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %d %v (%v)", url, resp.StatusCode, out, err)
	}
	return out
}

// waitProjected waits until the read models include position.
func waitProjected(t *testing.T, base string, position int64) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v1/reminders?citizen_id=c00&min_position=%d", base, position), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer clerk-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/reminders with min_position %d: %d", position, resp.StatusCode)
	}
}
