package erasure_test

import (
	"encoding/json"
	"testing"

	"github.com/ThreeDotsLabs/watermill/components/forwarder"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/lhuta/lhuta/internal/erasure"
)

// captured keeps what watermill's forwarder publishes into the outbox.
type captured struct{ msgs []*message.Message }

func (c *captured) Publish(_ string, msgs ...*message.Message) error {
	c.msgs = append(c.msgs, msgs...)
	return nil
}

func (*captured) Close() error { return nil }

// A value that only the letter holds (a variable symbol) is inside a base64
// payload inside the forwarder's base64 envelope: the scanner finds it.
func TestNeedlesFindALetterInTheForwardersEnvelope(t *testing.T) {
	payload, err := json.Marshal(map[string]any{"to": "someone@example.org",
		"message": []byte("Subject: x\r\n\r\nÚčet: 123-456/0100, variabilní symbol: 8801234567.\r\n")})
	if err != nil {
		t.Fatal(err)
	}
	var out captured
	if err := forwarder.NewPublisher(&out, forwarder.PublisherConfig{ForwarderTopic: "reminders"}).
		Publish("email", message.NewMessage("r1", payload)); err != nil {
		t.Fatal(err)
	}
	if len(out.msgs) != 1 {
		t.Fatalf("%d messages in the outbox", len(out.msgs))
	}
	var s erasure.Scan
	s.Bytes("outbox", out.msgs[0].Payload, erasure.Needles([]string{"8801234567"}))
	if len(s.Hits) == 0 {
		t.Fatalf("the variable symbol of a letter in the outbox is not found in %s", out.msgs[0].Payload)
	}
}
