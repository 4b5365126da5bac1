package auth_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"localcrm/internal/auth"
	"localcrm/internal/store"
)

// openLog opens a customer file's database at path for the throttle's
// failures, closed when the test ends.
func openLog(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// testThrottle is the default throttle over a new database, on a clock the
// test moves.
func testThrottle(t *testing.T) (*auth.Throttle, *time.Time) {
	t.Helper()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	th := auth.NewThrottle(openLog(t, filepath.Join(t.TempDir(), "crm.db")))
	th.Now = func() time.Time { return now }
	return th, &now
}

// wait is th.Wait, failing the test on an error.
func wait(t *testing.T, th *auth.Throttle, account, addr string) time.Duration {
	t.Helper()
	w, err := th.Wait(context.Background(), account, addr)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// fail is th.Fail, failing the test on an error.
func fail(t *testing.T, th *auth.Throttle, account, addr string) {
	t.Helper()
	if err := th.Fail(context.Background(), account, addr); err != nil {
		t.Fatal(err)
	}
}

func TestThrottlePerAccount(t *testing.T) {
	th, now := testThrottle(t)
	for i := range th.PerAccount {
		if w := wait(t, th, "ann", "192.0.2.1"); w != 0 {
			t.Fatalf("after %d failures: wait %v, want 0", i, w)
		}
		fail(t, th, "ann", "192.0.2.1")
		*now = now.Add(time.Minute)
	}
	// The first failure was 5 minutes ago: it leaves the window in 10.
	if w := wait(t, th, "ann", "192.0.2.1"); w != 10*time.Minute {
		t.Errorf("after %d failures: wait %v, want 10m", th.PerAccount, w)
	}
	if w := wait(t, th, "ann", "198.51.100.2"); w != 10*time.Minute {
		t.Errorf("the account from another address: wait %v, want 10m", w)
	}
	if w := wait(t, th, "bob", "192.0.2.1"); w != 0 {
		t.Errorf("another account from the address: wait %v, want 0", w)
	}
	*now = now.Add(10 * time.Minute)
	if w := wait(t, th, "ann", "192.0.2.1"); w != 0 {
		t.Errorf("once the first failure left the window: wait %v, want 0", w)
	}
	fail(t, th, "ann", "192.0.2.1") // the 5th failure in the window again
	if w := wait(t, th, "ann", "192.0.2.1"); w != time.Minute {
		t.Errorf("after one more failure: wait %v, want 1m (until the second failure leaves)", w)
	}
	*now = now.Add(th.Window)
	if w := wait(t, th, "ann", "192.0.2.1"); w != 0 {
		t.Errorf("a window later: wait %v, want 0", w)
	}
}

func TestThrottlePerAddress(t *testing.T) {
	th, now := testThrottle(t)
	for i := range th.PerAddr {
		fail(t, th, fmt.Sprintf("user%d", i%7), "192.0.2.1")
	}
	if w := wait(t, th, "someone-new", "192.0.2.1"); w != th.Window {
		t.Errorf("a new account from an address with %d failures: wait %v, want %v", th.PerAddr, w, th.Window)
	}
	if w := wait(t, th, "someone-new", "198.51.100.2"); w != 0 {
		t.Errorf("from another address: wait %v, want 0", w)
	}
	*now = now.Add(th.Window)
	if w := wait(t, th, "someone-new", "192.0.2.1"); w != 0 {
		t.Errorf("a window later: wait %v, want 0", w)
	}
}

func TestThrottleSucceedForgetsTheAccountOnly(t *testing.T) {
	th, _ := testThrottle(t)
	for range th.PerAccount {
		fail(t, th, "ann", "192.0.2.1")
	}
	if err := th.Succeed(context.Background(), "ann"); err != nil {
		t.Fatal(err)
	}
	if w := wait(t, th, "ann", "198.51.100.2"); w != 0 {
		t.Errorf("after a success: wait %v, want 0", w)
	}
	for i := range th.PerAddr - th.PerAccount {
		fail(t, th, fmt.Sprintf("user%d", i), "192.0.2.1")
	}
	if w := wait(t, th, "ann", "192.0.2.1"); w == 0 {
		t.Error("the address's failures were forgotten with the account's")
	}
}

// TestThrottleSharedAndKept checks what keeping the failures in the
// database is for: two servers on one database share the limits, and a
// server that restarts still holds them.
func TestThrottleSharedAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crm.db")
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	server := func() *auth.Throttle {
		th := auth.NewThrottle(openLog(t, path))
		th.Now = func() time.Time { return now }
		return th
	}
	first, second := server(), server()
	for i := range first.PerAccount {
		th := first
		if i%2 == 1 {
			th = second
		}
		fail(t, th, "ann", fmt.Sprintf("192.0.2.%d", i))
	}
	if w := wait(t, second, "ann", "198.51.100.2"); w != first.Window {
		t.Errorf("five failures spread over two servers: wait %v on the second, want %v", w, first.Window)
	}
	if w := wait(t, server(), "ann", "198.51.100.2"); w != first.Window {
		t.Errorf("a server started afterwards: wait %v, want %v", w, first.Window)
	}
}
