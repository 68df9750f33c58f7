package signin_test

import (
	"testing"
	"time"

	"github.com/lhuta/lhuta/internal/signin"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func limiter() (*signin.Limiter, *clock) {
	c := &clock{time.Date(2026, 4, 10, 9, 0, 0, 0, time.UTC)}
	l := signin.New()
	l.Now = c.now
	return l, c
}

// Five wrong passwords pass; the sixth waits 30 s, the seventh 60 s, and
// the wait grows up to an hour.
func TestFailuresWaitLongerAndLonger(t *testing.T) {
	l, c := limiter()
	keys := []string{signin.Account("novak"), signin.Address("192.0.2.7")}
	for i := range 5 {
		if w := l.Fail(keys...); w != 0 {
			t.Fatalf("failure %d waits %s, want the first five free", i+1, w)
		}
	}
	if w := l.Wait(keys...); w != 0 {
		t.Fatalf("after five failures the next try waits %s", w)
	}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute}
	for i, d := range want {
		if w := l.Fail(keys...); w != d {
			t.Fatalf("failure %d waits %s, want %s", 6+i, w, d)
		}
		if w := l.Wait(keys...); w != d {
			t.Fatalf("Wait after failure %d: %s, want %s", 6+i, w, d)
		}
		c.t = c.t.Add(d)
		if w := l.Wait(keys...); w != 0 {
			t.Fatalf("after waiting %s: still %s", d, w)
		}
	}
	for range 20 {
		l.Fail(keys...)
	}
	if w := l.Wait(keys...); w != time.Hour {
		t.Errorf("after many failures: %s, want the cap of an hour", w)
	}
}

// The account and the address count apart: an address that tries many
// accounts is slowed down although each account failed once, and a right
// password clears the account, not the address.
func TestAccountAndAddressCountApart(t *testing.T) {
	l, _ := limiter()
	addr := signin.Address("198.51.100.1")
	for _, acct := range []string{"a", "b", "c", "d", "e", "f"} {
		l.Fail(signin.Account(acct), addr)
	}
	if w := l.Wait(signin.Account("g"), addr); w != 30*time.Second {
		t.Errorf("a sixth account from the same address: wait %s, want 30s", w)
	}
	if w := l.Wait(signin.Account("g"), signin.Address("203.0.113.9")); w != 0 {
		t.Errorf("another address on a fresh account waits %s", w)
	}
	l.Succeed(signin.Account("g"))
	if w := l.Wait(addr); w == 0 {
		t.Error("a success on an account cleared the address's count")
	}
}

// A day without failures forgets the count.
func TestOldFailuresAreForgotten(t *testing.T) {
	l, c := limiter()
	k := signin.Account("svoboda")
	for range 5 {
		l.Fail(k)
	}
	c.t = c.t.Add(25 * time.Hour)
	l.Fail(signin.Account("other"))
	if w := l.Fail(k); w != 0 {
		t.Errorf("a failure a day after five others waits %s, want a fresh count", w)
	}
}
