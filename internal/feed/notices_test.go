package feed

import (
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/lhuta/lhuta/internal/testdb"
)

// StreamSeqs ends when nothing is pending, also when the stream's last
// message was deleted (an earlier forgetting's deletion): it used to wait
// for the stream's last sequence, time out and hold every notice behind it.
func TestStreamSeqsEndsWhenTheLastMessageIsGone(t *testing.T) {
	cfg := testConfig(t, testdb.NATSURL(t))
	js := jetStream(t, cfg.URL)
	if _, err := js.AddStream(&nats.StreamConfig{Name: cfg.Stream, Subjects: []string{cfg.Subject + ".>"}}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := js.Publish(cfg.Subject+".x", []byte("m"), nats.MsgId(fmt.Sprint("m-", i))); err != nil {
			t.Fatal(err)
		}
	}
	// The last message goes (an earlier forgetting): the stream's last
	// sequence stays 3, which no message holds any more.
	if err := js.SecureDeleteMsg(cfg.Stream, 3); err != nil {
		t.Fatal(err)
	}
	match := func(id string) bool { return id != "m-1" }
	start := time.Now()
	seqs, err := StreamSeqs(js, cfg.Stream, match)
	if err != nil {
		t.Fatalf("after %s: %v", time.Since(start), err)
	}
	if len(seqs) != 1 || seqs[0] != 1 {
		t.Errorf("seqs %v, want [1]", seqs)
	}
}
