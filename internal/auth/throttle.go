package auth

import (
	"sync"
	"time"
)

// Throttle slows down password guessing: once an account, or a client
// address, has failed to sign in too often within a window, further tries
// for it are refused until the oldest failure leaves the window. It counts
// a name whether or not such an account exists, so that being throttled
// tells nobody which accounts there are.
//
// It lives in the server's memory: a restart forgets it, which costs an
// attacker a restart of the server to gain a few more guesses.
type Throttle struct {
	PerAccount int           // failures an account may have in Window
	PerAddr    int           // failures a client address may have in Window
	Window     time.Duration // how long a failure counts
	Now        func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time // "a:"+account or "c:"+address → failures, oldest first
}

// maxKeys bounds the throttle's memory whatever names and addresses an
// attacker makes up; past it, entries whose failures have all expired go.
const maxKeys = 100000

// NewThrottle returns the throttle with localcrm's defaults: 5 failures an
// account and 20 an address in 15 minutes.
func NewThrottle() *Throttle {
	return &Throttle{PerAccount: 5, PerAddr: 20, Window: 15 * time.Minute, Now: time.Now, fails: map[string][]time.Time{}}
}

// Wait returns how long a sign-in for account from addr must wait; 0 when
// it may go ahead now.
func (t *Throttle) Wait(account, addr string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	return max(t.wait("a:"+account, t.PerAccount, now), t.wait("c:"+addr, t.PerAddr, now))
}

func (t *Throttle) wait(key string, limit int, now time.Time) time.Duration {
	times := t.recent(key, now)
	if len(times) < limit {
		return 0
	}
	return times[len(times)-limit].Add(t.Window).Sub(now)
}

// recent returns key's failures still in the window, forgetting the rest.
func (t *Throttle) recent(key string, now time.Time) []time.Time {
	times := t.fails[key]
	i := 0
	for i < len(times) && now.Sub(times[i]) >= t.Window {
		i++
	}
	times = times[i:]
	if len(times) == 0 {
		delete(t.fails, key)
		return nil
	}
	t.fails[key] = times
	return times
}

// Fail counts a failed sign-in for account from addr.
func (t *Throttle) Fail(account, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	if len(t.fails) >= maxKeys {
		for key := range t.fails {
			t.recent(key, now)
		}
	}
	for key, limit := range map[string]int{"a:" + account: t.PerAccount, "c:" + addr: t.PerAddr} {
		times := append(t.recent(key, now), now)
		if len(times) > limit { // older ones no longer decide anything
			times = times[len(times)-limit:]
		}
		t.fails[key] = times
	}
}

// Succeed forgets the account's failures: its owner knows the password.
// The address's stay, so that one good account does not unlock guessing
// at the others from the same place.
func (t *Throttle) Succeed(account string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, "a:"+account)
}
