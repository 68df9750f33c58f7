package main

import (
	"bytes"
	"context"
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
