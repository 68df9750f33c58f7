// Command feed-consumer is a small example of another agency's system
// following lhuta's event feed on NATS JetStream: a register that wants to
// hear about identity cards reported lost or stolen.
//
//	go run ./examples/feed-consumer -nats nats://127.0.0.1:4222 \
//	    -subject 'lhuta.events.id_card_incident.>' -durable police-register
//
// It subscribes with a durable JetStream consumer (it resumes where it
// acknowledged after a restart), reads each message's payload (see
// docs/TOPOLOGY.md, "Event feed"), and acknowledges it only after handling
// it. JetStream drops the repeats a restarted lhuta publishes (message id
// "<case id>/<version>"), but a consumer that crashes before acknowledging
// gets a message again, so it keeps, per case, the last version it handled
// and skips what it has seen: handling stays exactly once.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/nats-io/nats.go"
)

// event is the part of a feed message this consumer reads.
type event struct {
	CaseID     string          `json:"case_id"`
	Version    int64           `json:"version"`
	Position   int64           `json:"position"`
	Type       string          `json:"type"`
	Situation  string          `json:"situation"`
	Data       json.RawMessage `json:"data"`
	RecordedAt time.Time       `json:"recorded_at"`
}

func main() {
	url := flag.String("nats", "nats://127.0.0.1:4222", "NATS server")
	subject := flag.String("subject", "lhuta.events.>", "subjects to follow (lhuta.events.<situation>.<EventType>; * and > are wildcards)")
	durable := flag.String("durable", "feed-consumer", "durable consumer name: where this consumer resumes after a restart")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *url, *subject, *durable); err != nil {
		fmt.Fprintln(os.Stderr, "feed-consumer:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, subject, durable string) error {
	sub, err := wmnats.NewSubscriber(wmnats.SubscriberConfig{
		URL:            url,
		CloseTimeout:   5 * time.Second,
		AckWaitTimeout: 30 * time.Second,
		Unmarshaler:    &wmnats.NATSMarshaler{},
		NatsOptions:    []nats.Option{nats.Name("lhuta feed consumer " + durable)},
		JetStream: wmnats.JetStreamConfig{
			DurablePrefix:    durable,
			SubscribeOptions: []nats.SubOpt{nats.DeliverAll(), nats.AckExplicit(), nats.MaxAckPending(1)},
		},
	}, watermill.NewSlogLogger(slog.Default()))
	if err != nil {
		return err
	}
	defer sub.Close()
	messages, err := sub.Subscribe(ctx, subject)
	if err != nil {
		return err
	}
	handled := map[string]int64{} // case id → last version handled (keep it in your own database)
	for msg := range messages {
		var e event
		if err := json.Unmarshal(msg.Payload, &e); err != nil {
			slog.Error("not a feed message; skipped", "uuid", msg.UUID, "err", err)
			msg.Ack()
			continue
		}
		if e.Version <= handled[e.CaseID] {
			msg.Ack() // seen already: delivered again after a crash before the ack
			continue
		}
		fmt.Printf("%s  case %s v%d  %s/%s  %s\n", e.RecordedAt.Format(time.RFC3339), e.CaseID, e.Version, e.Situation, e.Type, e.Data)
		handled[e.CaseID] = e.Version
		msg.Ack()
	}
	return nil
}
