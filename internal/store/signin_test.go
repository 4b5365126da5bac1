package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"localcrm/internal/store"
)

// TestSignInFailures checks the log the sign-in throttle keeps: the latest
// failures of a key in order, old ones forgotten as new ones come (so the
// table holds a window's worth, whatever names are made up), a key
// forgotten alone, and all of it seen by a second process on the database.
func TestSignInFailures(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	ann, addr := []byte("ann's hash"), []byte("an address's hash")
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	at := func(minutes int) time.Time { return start.Add(time.Duration(minutes) * time.Minute) }
	for m := range 6 {
		if err := st.AddSignInFailure(ctx, at(m), at(m-15), ann, addr); err != nil {
			t.Fatal(err)
		}
	}
	latest := func(st *store.Store, key []byte, since time.Time, limit int) []time.Time {
		t.Helper()
		times, err := st.SignInFailures(ctx, key, since, limit)
		if err != nil {
			t.Fatal(err)
		}
		return times
	}
	if got, want := latest(st, ann, at(-15), 3), []time.Time{at(3), at(4), at(5)}; !reflect.DeepEqual(got, want) {
		t.Errorf("the latest 3: %v, want %v", got, want)
	}
	if got, want := latest(st, ann, at(3), 10), []time.Time{at(4), at(5)}; !reflect.DeepEqual(got, want) {
		t.Errorf("those after minute 3: %v, want %v", got, want)
	}
	other := openStoreAt(t, st.Path()) // as a second server would
	if got := latest(other, addr, at(-15), 10); len(got) != 6 {
		t.Errorf("another process sees %d failures of the address, want 6", len(got))
	}

	if err := st.ForgetSignInFailures(ctx, ann); err != nil {
		t.Fatal(err)
	}
	if got := latest(other, ann, at(-15), 10); len(got) != 0 {
		t.Errorf("after forgetting the account: %v, want none", got)
	}
	if got := latest(st, addr, at(-15), 10); len(got) != 6 {
		t.Errorf("forgetting the account forgot the address's failures too: %d left, want 6", len(got))
	}
	// Twenty minutes on, a new failure forgets those older than its window.
	if err := st.AddSignInFailure(ctx, at(20), at(5), []byte("someone new")); err != nil {
		t.Fatal(err)
	}
	if got, want := latest(st, addr, at(-60), 10), []time.Time{at(5)}; !reflect.DeepEqual(got, want) {
		t.Errorf("the address's failures after the old ones went: %v, want %v", got, want)
	}
}
