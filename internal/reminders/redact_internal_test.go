package reminders

import "testing"

// A mail server's refusal names the address; what lhuta logs and stores of
// it does not.
func TestWithoutAddresses(t *testing.T) {
	for in, want := range map[string]string{
		"550 5.1.1 <jana.novakova@example.cz>: Recipient address rejected": "550 5.1.1 <[adresa]>: Recipient address rejected",
		"RCPT TO:jana+obec@sub.example.org refused (quota)":                "RCPT TO:[adresa] refused (quota)",
		"421 4.7.0 try again later":                                        "421 4.7.0 try again later",
	} {
		if got := withoutAddresses(in); got != want {
			t.Errorf("withoutAddresses(%q) = %q, want %q", in, got, want)
		}
	}
}
