package main

import (
	"io"
	"strings"
	"testing"
)

// The settings of several instances, the replica and the feed: clear errors
// for what cannot work, and the defaults README lists.
func TestTopologySettings(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("DATABASE_READ_URL", "")
	t.Setenv("LHUTA_NATS_PERSONAL_DATA", "")
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--database-read-url", "postgres://replica/db"}, "set DATABASE_URL too"},
		{[]string{"serve", "--nats-personal-data", "maybe"}, "neither true nor false"},
	} {
		if _, err := parseConfig(bad.args, io.Discard); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("lhuta %v: %v, want an error saying %q", bad.args, err, bad.want)
		}
	}
	c, err := parseConfig([]string{"serve", "--nats-url", "nats://127.0.0.1:4222"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.natsStream != "LHUTA_EVENTS" || c.natsSubject != "lhuta.events" || c.natsPersonal {
		t.Errorf("feed defaults: stream %q, subject %q, personal data %v", c.natsStream, c.natsSubject, c.natsPersonal)
	}
	c, err = parseConfig([]string{"serve", "--database-url", "postgres://primary/db", "--database-read-url", "postgres://replica/db", "--nats-personal-data", "true"}, io.Discard)
	if err != nil || c.databaseReadURL != "postgres://replica/db" || !c.natsPersonal {
		t.Errorf("read URL and personal data: %+v %v", c, err)
	}
}
