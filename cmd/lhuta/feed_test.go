package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/lhuta/lhuta/internal/testdb"
	"github.com/lhuta/lhuta/internal/teststack"
)

// lhuta serve with LHUTA_NATS_URL publishes what it records on the stream
// and subjects configured, without the citizen's data.
func TestServePublishesTheFeed(t *testing.T) {
	url := testdb.NATSURL(t)
	js, stream, subject := testStream(t, url, "test")

	dir := t.TempDir()
	env := append(os.Environ(), "LHUTA_TOKENS=clerk-token=clerk:alice", "LHUTA_CLOCK=2026-04-10", "DATABASE_URL=",
		"LHUTA_NATS_URL="+url, "LHUTA_NATS_STREAM="+stream, "LHUTA_NATS_SUBJECT="+subject)
	p := lhutaProcess(t, teststack.Build(t), dir, env)
	p.Start()
	defer p.Stop(syscall.SIGTERM)
	client := &http.Client{Timeout: 10 * time.Second}
	a := send(client, "POST", p.Base()+"/v1/cases", "clerk-token", nil,
		`{"situation":"id_card_incident","office":"Praha 1","citizen":{"id":"c1","birth_date":"1980-05-17","full_name":"Jana Nováková"}}`)
	if a.status != 201 {
		t.Fatalf("open: %d %v", a.status, a.body)
	}
	caseID := a.body["id"].(string)
	if a := send(client, "POST", p.Base()+"/v1/cases/"+caseID+"/events", "clerk-token", nil,
		`{"type":"IncidentReported","data":{"kind":"stolen","reported_on":"2026-04-09","reported_to":"police"}}`); a.status != 201 {
		t.Fatalf("report: %d %v", a.status, a.body)
	}

	var (
		sub *nats.Subscription
		err error
	)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if sub, err = js.SubscribeSync(subject+".>", nats.OrderedConsumer(), nats.DeliverAll()); err == nil {
			break
		}
		if time.Now().After(deadline) {
			p.Fatal(fmt.Sprintf("the feed's stream did not appear: %v", err))
		}
	}
	defer func() { _ = sub.Unsubscribe() }()
	for v, typ := range []string{"CaseOpened", "IncidentReported"} {
		msg, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			p.Fatal(fmt.Sprintf("event %d not published: %v", v+1, err))
		}
		var m struct {
			CaseID  string          `json:"case_id"`
			Version int             `json:"version"`
			Data    json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(msg.Data, &m); err != nil {
			t.Fatal(err)
		}
		if msg.Subject != subject+".id_card_incident."+typ || m.CaseID != caseID || m.Version != v+1 {
			t.Errorf("message %d: %s %+v", v+1, msg.Subject, m)
		}
		if strings.Contains(string(msg.Data), "Nováková") || strings.Contains(string(msg.Data), "alice") {
			t.Errorf("message %d carries personal data: %s", v+1, msg.Data)
		}
	}
}

// testStream connects to the NATS server and names a stream and subjects
// of the test's own (LHUTA_<PREFIX>_<id>, lhuta.<prefix><id>), the stream
// deleted and the connection closed at the test's end.
func testStream(t *testing.T, server, prefix string) (js nats.JetStreamContext, stream, subject string) {
	t.Helper()
	id := strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	stream, subject = "LHUTA_"+strings.ToUpper(prefix)+"_"+id, "lhuta."+prefix+id
	nc, err := nats.Connect(server)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	if js, err = nc.JetStream(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(stream) })
	return js, stream, subject
}
