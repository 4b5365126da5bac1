package auth

import (
	"context"
	"time"
)

// Throttle slows down password guessing: once an account, or a client
// address, has failed to sign in too often within a window, further tries
// for it are refused until the oldest failure leaves the window. It counts
// a name whether or not such an account exists, so that being throttled
// tells nobody which accounts there are.
//
// The failures are kept in the database (Log), not in a server's memory:
// servers sharing a database share the limits, so that an attacker behind
// a load balancer gets no more guesses for there being several servers,
// nor for a restart.
type Throttle struct {
	PerAccount int           // failures an account may have in Window
	PerAddr    int           // failures a client address may have in Window
	Window     time.Duration // how long a failure counts
	Now        func() time.Time
	Log        FailureLog
}

// FailureLog keeps failed sign-ins, each under a key that stands for an
// account or an address (store.Store).
type FailureLog interface {
	// SignInFailures returns when key's latest failures after since
	// happened, at most limit of them, oldest first.
	SignInFailures(ctx context.Context, key []byte, since time.Time, limit int) ([]time.Time, error)
	// AddSignInFailure records a failure of each key at at, and may
	// forget failures from before forget.
	AddSignInFailure(ctx context.Context, at, forget time.Time, keys ...[]byte) error
	// ForgetSignInFailures forgets key's failures.
	ForgetSignInFailures(ctx context.Context, key []byte) error
}

// NewThrottle returns the throttle with localcrm's defaults, 5 failures an
// account and 20 an address in 15 minutes, keeping its failures in log.
func NewThrottle(log FailureLog) *Throttle {
	return &Throttle{PerAccount: 5, PerAddr: 20, Window: 15 * time.Minute, Now: time.Now, Log: log}
}

// accountKey and addrKey are what the log keeps for an account and an
// address: hashes, so that what people typed as a name (sometimes their
// password) is not kept, and of a fixed size whatever was typed.
func accountKey(account string) []byte { return Hash("a:" + account) }

func addrKey(addr string) []byte { return Hash("c:" + addr) }

// Wait returns how long a sign-in for account from addr must wait; 0 when
// it may go ahead now.
func (t *Throttle) Wait(ctx context.Context, account, addr string) (time.Duration, error) {
	now := t.Now()
	a, err := t.wait(ctx, accountKey(account), t.PerAccount, now)
	if err != nil {
		return 0, err
	}
	c, err := t.wait(ctx, addrKey(addr), t.PerAddr, now)
	return max(a, c), err
}

func (t *Throttle) wait(ctx context.Context, key []byte, limit int, now time.Time) (time.Duration, error) {
	times, err := t.Log.SignInFailures(ctx, key, now.Add(-t.Window), limit)
	if err != nil || len(times) < limit {
		return 0, err
	}
	return times[0].Add(t.Window).Sub(now), nil
}

// Fail counts a failed sign-in for account from addr.
func (t *Throttle) Fail(ctx context.Context, account, addr string) error {
	now := t.Now()
	return t.Log.AddSignInFailure(ctx, now, now.Add(-t.Window), accountKey(account), addrKey(addr))
}

// Succeed forgets the account's failures: its owner knows the password.
// The address's stay, so that one good account does not unlock guessing
// at the others from the same place.
func (t *Throttle) Succeed(ctx context.Context, account string) error {
	return t.Log.ForgetSignInFailures(ctx, accountKey(account))
}
