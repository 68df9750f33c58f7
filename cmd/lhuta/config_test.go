package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

// Each command's help lists exactly its own settings, each with its flag and
// its environment variable, and README's configuration table lists them all.
func TestHelpListsEachCommandsOwnSettings(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"serve", "migrate", "rebuild"} {
		for _, args := range [][]string{{"help", cmd}, {cmd, "-h"}} {
			var out bytes.Buffer
			if err := run(context.Background(), args, &out); err != nil {
				t.Fatalf("lhuta %v: %v", args, err)
			}
			for _, st := range settings {
				mine := slices.Contains(st.commands, cmd)
				if listed := strings.Contains(out.String(), "--"+st.flag+" ("+st.env+","); listed != mine {
					t.Errorf("lhuta %v lists --%s: %v, want %v", args, st.flag, listed, mine)
				}
			}
		}
	}
	for _, st := range settings {
		if !bytes.Contains(readme, []byte("`"+st.env+"`")) || !bytes.Contains(readme, []byte("`--"+st.flag+"`")) {
			t.Errorf("README's configuration table does not list --%s / %s", st.flag, st.env)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, &out); err != nil || !strings.Contains(out.String(), "rebuild") {
		t.Errorf("lhuta help: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"version"}, &out); err != nil || !strings.HasPrefix(out.String(), "lhuta ") {
		t.Errorf("lhuta version: %v %q", err, out.String())
	}
	if err := run(context.Background(), []string{"help", "frobnicate"}, &out); err == nil {
		t.Error("lhuta help frobnicate: no error")
	}
}

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
