package main

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/handlers"
)

// token runs lhuta token add, list or revoke on the tokens file.
func token(c config, out io.Writer) error {
	switch c.tokenAction {
	case "list":
		return listTokens(c, out)
	case "revoke":
		n, err := handlers.RevokeToken(c.dataDir, c.tokenName)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "revoked %d token(s) of %s in %s; send lhuta SIGHUP (systemctl reload lhuta) or restart it\n",
			n, c.tokenName, handlers.TokensFile(c.dataDir))
		noteEnvTokens(out)
		return nil
	}
	return addToken(c, out)
}

// addToken adds a new random token for a person to the tokens file and
// prints it, the only time it is shown.
func addToken(c config, out io.Writer) error {
	token, err := handlers.AddToken(c.dataDir, c.tokenRole, c.tokenName, c.office, c.tokenExpires)
	if err != nil {
		return err
	}
	scope := c.tokenRole
	if c.office != "" {
		scope += ", office " + c.office
	}
	if c.tokenExpires != "" {
		scope += ", expires " + c.tokenExpires
	}
	fmt.Fprintf(out, "%s\nadded to %s for %s (%s); give it to them only, then send lhuta SIGHUP or restart it\n",
		token, handlers.TokensFile(c.dataDir), c.tokenName, scope)
	noteEnvTokens(out)
	return nil
}

// listTokens prints who holds a token of the tokens file, never the tokens.
func listTokens(c config, out io.Writer) error {
	entries, err := handlers.ListTokens(c.dataDir)
	if err != nil {
		return err
	}
	now := time.Now()
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tROLE\tOFFICE\tCREATED\tEXPIRES")
	for _, e := range entries {
		office := e.Office
		if office == "" {
			office = "-"
		}
		expires := lastDay(e.Expires)
		if e.Expired(now) {
			expires += " (expired)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", e.Name, e.Role, office, when(e.Created), expires)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	noteEnvTokens(out)
	return nil
}

// when shows a time of the tokens file in Prague's local time, "-" for none.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(calendar.Prague).Format("2006-01-02 15:04")
}

// lastDay shows an expiry at a Prague midnight as the token's last day
// (what --expires 2027-06-30 said), any other as when.
func lastDay(t time.Time) string {
	if p := t.In(calendar.Prague); !t.IsZero() && p.Hour() == 0 && p.Minute() == 0 && p.Second() == 0 {
		return p.AddDate(0, 0, -1).Format("2006-01-02")
	}
	return when(t)
}

func noteEnvTokens(out io.Writer) {
	if os.Getenv("LHUTA_TOKENS") != "" {
		fmt.Fprintln(out, "note: LHUTA_TOKENS is set, so the service does not read the tokens file")
	}
}
