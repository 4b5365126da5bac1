package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"localcrm/internal/crm"
)

// hubTestServer serves the site with a handler of its own, whose event hub
// the test tunes first, and counts the hub's polls of the database.
type hubTestServer struct {
	*apiTestServer
	h     *Handler
	url   string
	polls atomic.Int64
}

func newHubTestServer(t *testing.T, configure func(*Deps), tune func(*eventHub)) *hubTestServer {
	t.Helper()
	s := &hubTestServer{apiTestServer: newTestServerWith(t, configure)}
	d := s.deps
	d.Runner = s.Runner
	s.h = New(d)
	s.h.events.onPoll = func(int64) { s.polls.Add(1) }
	if tune != nil {
		tune(s.h.events)
	}
	srv := httptest.NewServer(s.h)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// stream opens the import's event stream from the client address from (the
// server is behind a proxy in these tests: see hubBehindProxy).
func (s *hubTestServer) stream(t *testing.T, id int64, from string) (*http.Response, <-chan apiEvent) {
	t.Helper()
	return apiOpenEvents(t, fmt.Sprintf("%s/api/v1/imports/%d/events", s.url, id), http.Header{
		"Authorization":   {"Bearer " + s.Token},
		"X-Forwarded-For": {from},
	})
}

func hubBehindProxy(d *Deps) { d.BehindProxy = true }

// hubWait waits until ok holds, failing the test after a while.
func hubWait(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s after 30 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hubFirstProgress reads a stream's first event, which must be the
// import's progress with the status.
func hubFirstProgress(t *testing.T, events <-chan apiEvent, status crm.ImportStatus) {
	t.Helper()
	ev, _ := apiNextEvent(t, events)
	var p apiProgress
	if ev.Name != "progress" || json.Unmarshal([]byte(ev.Data), &p) != nil || p.Status != status {
		t.Fatalf("first event %+v, want the progress of a %s import", ev, status)
	}
}

// TestEventHubOnePollerPerImport: streams of one import share one poller,
// which reads the database once per tick whatever their number, hands each
// stream every state and error, and stops with the import.
func TestEventHubOnePollerPerImport(t *testing.T) {
	const streams, poll = 8, 25 * time.Millisecond
	s := newHubTestServer(t, hubBehindProxy, nil)
	id := s.prepare(t, apiGeneratedCSV(400, 40), map[string]any{"batch_size": 10})
	// The API's route polls every 300 ms; the poller here every 25 ms, so
	// that the count below means something in a short test.
	cfg := apiEventsDefaults
	cfg.poll = poll
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.SetPathValue("id", strconv.FormatInt(id, 10))
		if err := s.h.apiStreamImport(w, r, cfg); err != nil {
			s.h.apiError(w, r, err)
		}
	}))
	t.Cleanup(srv.Close)
	var all []<-chan apiEvent
	for i := range streams {
		_, events := apiOpenEvents(t, srv.URL, http.Header{"X-Forwarded-For": {fmt.Sprintf("192.0.2.%d", i+1)}})
		hubFirstProgress(t, events, crm.ImportPending)
		all = append(all, events)
	}
	hubWait(t, "subscribed", func() bool { return s.h.events.pollerCount() == 1 })

	before, start := s.polls.Load(), time.Now()
	time.Sleep(20 * poll)
	polls, ticks := s.polls.Load()-before, int64(time.Since(start)/poll)
	if polls < 2 || polls > ticks+2 {
		t.Errorf("%d streams: %d polls in %d ticks, want one a tick (one poller), not one a tick per stream", streams, polls, ticks)
	}
	if n := s.h.events.pollerCount(); n != 1 {
		t.Errorf("%d pollers for one import, want 1", n)
	}

	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/start", id), nil, http.StatusAccepted, nil)
	for i, events := range all {
		st := apiFollow(t, events)
		last := st.progress[len(st.progress)-1]
		if last.Status != crm.ImportCompletedWithErrors || last.Records != 400 || st.end["status"] != string(crm.ImportCompletedWithErrors) {
			t.Errorf("stream %d: final progress %+v, end %v", i, last, st.end)
		}
		if len(st.lines) != 10 {
			t.Errorf("stream %d: %d rejected lines reported, want 10", i, len(st.lines))
		}
		for line, n := range st.lines {
			if n != 1 {
				t.Errorf("stream %d: line %d reported %d times, want once", i, line, n)
			}
		}
	}
	hubWait(t, "stopped", func() bool { return s.h.events.pollerCount() == 0 && s.h.events.streams() == 0 })
}

// TestEventHubCaps: a client address holds at most perClient streams and
// the server at most total; one more is refused with 429, the API's error
// shape and a Retry-After, until a stream closes.
func TestEventHubCaps(t *testing.T) {
	s := newHubTestServer(t, hubBehindProxy, func(hub *eventHub) { hub.perClient, hub.total = 2, 3 })
	id := s.mustUpload(t, "a.csv", apiGeneratedCSV(3, 0)).ID
	refused := func(what, from string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/imports/%d/events", s.url, id), nil)
		req.Header.Set("Authorization", "Bearer "+s.Token)
		req.Header.Set("X-Forwarded-For", from)
		resp, b := apiSend(t, req)
		e := apiCheckError(t, what, resp, b, http.StatusTooManyRequests, "too_many_requests")
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra <= 0 {
			t.Errorf("%s: Retry-After %q, want a number of seconds", what, resp.Header.Get("Retry-After"))
		}
		t.Logf("%s: %s", what, e.Message)
	}
	open := func(from string) *http.Response {
		t.Helper()
		resp, events := s.stream(t, id, from)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stream from %s: status %d", from, resp.StatusCode)
		}
		hubFirstProgress(t, events, crm.ImportPending)
		return resp
	}
	a1 := open("198.51.100.1")
	open("198.51.100.1")
	refused("a third stream from one address", "198.51.100.1")
	open("198.51.100.2")
	refused("a fourth stream in all", "198.51.100.3")

	a1.Body.Close()
	hubWait(t, "down to 2 streams", func() bool { return s.h.events.streams() == 2 })
	open("198.51.100.3")
}

// TestEventHubPendingEnds: the stream of an import that stays pending ends
// after the hub's wait, with an end event that gives the status and why.
func TestEventHubPendingEnds(t *testing.T) {
	const wait = 300 * time.Millisecond
	s := newHubTestServer(t, nil, func(hub *eventHub) { hub.pendingWait = wait })
	id := s.mustUpload(t, "a.csv", apiGeneratedCSV(3, 0)).ID
	start := time.Now()
	_, events := s.stream(t, id, "")
	hubFirstProgress(t, events, crm.ImportPending)
	var end map[string]any
	for end == nil {
		ev, ok := apiNextEvent(t, events)
		switch {
		case !ok:
			t.Fatal("the stream closed without an end event")
		case ev.Name == "end":
			if err := json.Unmarshal([]byte(ev.Data), &end); err != nil {
				t.Fatalf("end data %q: %v", ev.Data, err)
			}
		case ev.Name != ":":
			t.Fatalf("event %+v from a pending import", ev)
		}
	}
	if elapsed := time.Since(start); elapsed < wait {
		t.Errorf("the stream ended after %v, before the wait of %v", elapsed, wait)
	}
	if end["status"] != string(crm.ImportPending) || end["id"] != float64(id) || !strings.Contains(fmt.Sprint(end["reason"]), "not been started") {
		t.Errorf("end %v, want the pending status and the reason", end)
	}
	if ev, ok := apiNextEvent(t, events); ok {
		t.Errorf("the stream goes on after its end: %+v", ev)
	}
	hubWait(t, "the poller stopped", func() bool { return s.h.events.pollerCount() == 0 && s.h.events.streams() == 0 })
}

// TestEventHubClientLeaves: a client that goes away unsubscribes; the
// last one stops the import's poller, and the database is left alone.
func TestEventHubClientLeaves(t *testing.T) {
	s := newHubTestServer(t, nil, nil)
	id := s.mustUpload(t, "a.csv", apiGeneratedCSV(3, 0)).ID
	resp, events := s.stream(t, id, "")
	hubFirstProgress(t, events, crm.ImportPending)
	hubWait(t, "subscribed", func() bool { return s.h.events.pollerCount() == 1 })
	hubWait(t, "polling", func() bool { return s.polls.Load() > 0 })

	resp.Body.Close()
	hubWait(t, "unsubscribed", func() bool { return s.h.events.pollerCount() == 0 && s.h.events.streams() == 0 })
	polls := s.polls.Load()
	time.Sleep(2 * apiEventsDefaults.poll)
	if n := s.polls.Load(); n != polls {
		t.Errorf("%d polls after the last client left", n-polls)
	}
}

// TestEventSubMerge: a stream that has not taken an update finds it merged
// with the next; errors too many for one event are left for the stream to
// read from the database (the update then carries none up to its from).
func TestEventSubMerge(t *testing.T) {
	imp1, imp2 := &crm.Import{Status: crm.ImportRunning}, &crm.Import{Status: crm.ImportRunning}
	errs := func(lines ...int) []crm.RowError {
		var es []crm.RowError
		for _, l := range lines {
			es = append(es, crm.RowError{Line: l})
		}
		return es
	}
	sub := &eventSub{maxErrors: 3, ready: make(chan struct{}, 1)}
	sub.offer(&importUpdate{imp: imp1, from: 0, to: 2, errs: errs(2)})
	sub.offer(&importUpdate{imp: imp2, from: 2, to: 5, errs: errs(4, 5), more: true})
	u := sub.take()
	if u.imp != imp2 || u.from != 0 || u.to != 5 || len(u.errs) != 3 || !u.more {
		t.Errorf("merged %+v, want the later state, errors of lines 2, 4, 5 from 0 to 5", u)
	}
	if sub.take() != nil {
		t.Error("an update taken twice")
	}
	sub.offer(&importUpdate{imp: imp1, from: 5, to: 7, errs: errs(6, 7)})
	sub.offer(&importUpdate{imp: imp2, from: 7, to: 9, errs: errs(8, 9)})
	if u := sub.take(); u.imp != imp2 || u.from != 9 || u.to != 9 || u.errs != nil {
		t.Errorf("merged past the page size: %+v, want no errors and from = to = 9", u)
	}
}
