package auth

import (
	"fmt"
	"testing"
	"time"
)

// testThrottle is the default throttle on a clock the test moves.
func testThrottle(t *testing.T) (*Throttle, *time.Time) {
	t.Helper()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	th := NewThrottle()
	th.Now = func() time.Time { return now }
	return th, &now
}

func TestThrottlePerAccount(t *testing.T) {
	th, now := testThrottle(t)
	for i := range th.PerAccount {
		if w := th.Wait("ann", "192.0.2.1"); w != 0 {
			t.Fatalf("after %d failures: wait %v, want 0", i, w)
		}
		th.Fail("ann", "192.0.2.1")
		*now = now.Add(time.Minute)
	}
	// The first failure was 5 minutes ago: it leaves the window in 10.
	if w := th.Wait("ann", "192.0.2.1"); w != 10*time.Minute {
		t.Errorf("after %d failures: wait %v, want 10m", th.PerAccount, w)
	}
	if w := th.Wait("ann", "198.51.100.2"); w != 10*time.Minute {
		t.Errorf("the account from another address: wait %v, want 10m", w)
	}
	if w := th.Wait("bob", "192.0.2.1"); w != 0 {
		t.Errorf("another account from the address: wait %v, want 0", w)
	}
	*now = now.Add(10 * time.Minute)
	if w := th.Wait("ann", "192.0.2.1"); w != 0 {
		t.Errorf("once the first failure left the window: wait %v, want 0", w)
	}
	th.Fail("ann", "192.0.2.1") // the 5th failure in the window again
	if w := th.Wait("ann", "192.0.2.1"); w != time.Minute {
		t.Errorf("after one more failure: wait %v, want 1m (until the second failure leaves)", w)
	}
	*now = now.Add(th.Window)
	if w := th.Wait("ann", "192.0.2.1"); w != 0 {
		t.Errorf("a window later: wait %v, want 0", w)
	}
}

func TestThrottlePerAddress(t *testing.T) {
	th, now := testThrottle(t)
	for i := range th.PerAddr {
		th.Fail(fmt.Sprintf("user%d", i%7), "192.0.2.1")
	}
	if w := th.Wait("someone-new", "192.0.2.1"); w != th.Window {
		t.Errorf("a new account from an address with %d failures: wait %v, want %v", th.PerAddr, w, th.Window)
	}
	if w := th.Wait("someone-new", "198.51.100.2"); w != 0 {
		t.Errorf("from another address: wait %v, want 0", w)
	}
	*now = now.Add(th.Window)
	if w := th.Wait("someone-new", "192.0.2.1"); w != 0 {
		t.Errorf("a window later: wait %v, want 0", w)
	}
}

func TestThrottleSucceedForgetsTheAccountOnly(t *testing.T) {
	th, _ := testThrottle(t)
	for range th.PerAccount {
		th.Fail("ann", "192.0.2.1")
	}
	th.Succeed("ann")
	if w := th.Wait("ann", "198.51.100.2"); w != 0 {
		t.Errorf("after a success: wait %v, want 0", w)
	}
	for i := range th.PerAddr - th.PerAccount {
		th.Fail(fmt.Sprintf("user%d", i), "192.0.2.1")
	}
	if w := th.Wait("ann", "192.0.2.1"); w == 0 {
		t.Error("the address's failures were forgotten with the account's")
	}
}

func TestThrottleKeepsNoMoreThanItNeeds(t *testing.T) {
	th, now := testThrottle(t)
	for range 1000 {
		th.Fail("ann", "192.0.2.1")
		*now = now.Add(time.Millisecond)
	}
	if n := len(th.fails["a:ann"]); n != th.PerAccount {
		t.Errorf("%d failures kept for the account, want %d", n, th.PerAccount)
	}
	if n := len(th.fails["c:192.0.2.1"]); n != th.PerAddr {
		t.Errorf("%d failures kept for the address, want %d", n, th.PerAddr)
	}
	*now = now.Add(th.Window)
	th.Wait("ann", "192.0.2.1")
	if len(th.fails) != 0 {
		t.Errorf("%d keys kept after every failure left the window, want 0", len(th.fails))
	}
}
