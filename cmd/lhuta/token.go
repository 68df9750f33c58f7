package main

import (
	"fmt"
	"io"
	"os"

	"github.com/lhuta/lhuta/handlers"
)

// addToken adds a new random token for a person to the tokens file and
// prints it, the only time it is shown.
func addToken(c config, out io.Writer) error {
	token, err := handlers.AddToken(c.dataDir, c.tokenRole, c.tokenName, c.office)
	if err != nil {
		return err
	}
	scope := c.tokenRole
	if c.office != "" {
		scope += ", office " + c.office
	}
	fmt.Fprintf(out, "%s\nadded to %s for %s (%s); give it to them only, then send lhuta SIGHUP or restart it\n",
		token, handlers.TokensFile(c.dataDir), c.tokenName, scope)
	if os.Getenv("LHUTA_TOKENS") != "" {
		fmt.Fprintln(out, "note: LHUTA_TOKENS is set, so the service does not read the tokens file")
	}
	return nil
}
