package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"localcrm/internal/crm"
)

// apiOpenEvents connects to an import's event stream; the stream closes at
// the end of the test.
func apiOpenEvents(t *testing.T, url string, header http.Header) (*http.Response, <-chan apiEvent) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	events := make(chan apiEvent, 1024)
	go apiReadEvents(resp.Body, events)
	return resp, events
}

// apiNextEvent waits for the next event, failing the test after a while.
func apiNextEvent(t *testing.T, events <-chan apiEvent) (apiEvent, bool) {
	t.Helper()
	select {
	case ev, ok := <-events:
		return ev, ok
	case <-time.After(2 * time.Minute):
		t.Fatal("no event for two minutes")
	}
	return apiEvent{}, false
}

// apiStreamed is what a client read from an event stream to its end.
type apiStreamed struct {
	progress []apiProgress
	lines    map[int]int // line → errors reported
	end      map[string]any
}

// apiFollow reads an event stream until its end event, checking the form
// of each event on the way.
func apiFollow(t *testing.T, events <-chan apiEvent) apiStreamed {
	t.Helper()
	st := apiStreamed{lines: map[int]int{}}
	for st.end == nil {
		ev, ok := apiNextEvent(t, events)
		if !ok {
			t.Fatal("the stream closed before its end event")
		}
		switch ev.Name {
		case "progress":
			var p apiProgress
			if err := json.Unmarshal([]byte(ev.Data), &p); err != nil {
				t.Fatalf("progress data %q: %v", ev.Data, err)
			}
			st.progress = append(st.progress, p)
			for _, e := range p.Errors {
				st.lines[e.Line]++
				if e.Field == "" || e.Message == "" || e.Value == "" {
					t.Errorf("error %+v", e)
				}
			}
			if len(p.Errors) > 0 {
				if id, _ := strconv.Atoi(ev.ID); id != p.Errors[len(p.Errors)-1].Line {
					t.Errorf("event id %q, want the last error's line %d", ev.ID, p.Errors[len(p.Errors)-1].Line)
				}
			}
		case "end":
			if err := json.Unmarshal([]byte(ev.Data), &st.end); err != nil {
				t.Fatalf("end data %q: %v", ev.Data, err)
			}
		}
	}
	if ev, ok := apiNextEvent(t, events); ok {
		t.Errorf("the stream goes on after its end event: %+v", ev)
	}
	return st
}

func TestAPIImportEvents(t *testing.T) {
	s := newTestServer(t)
	const n, badEvery = 3000, 250
	id := s.prepare(t, apiGeneratedCSV(n, badEvery), map[string]any{"batch_size": 10})

	// Two clients connect before the start and follow the whole import: one
	// on the API's route, one polling faster than it, so that the import
	// cannot end between two polls however fast the machine.
	resp, events := apiOpenEvents(t, fmt.Sprintf("%s/api/v1/imports/%d/events", s.URL, id), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control %q", cc)
	}
	cfg := apiEventsDefaults
	cfg.poll = 20 * time.Millisecond
	fast := s.streamWith(t, id, cfg)
	_, fastEvents := apiOpenEvents(t, fast, nil)
	for _, evs := range []<-chan apiEvent{events, fastEvents} {
		ev, _ := apiNextEvent(t, evs)
		var p apiProgress
		if ev.Name != "progress" || json.Unmarshal([]byte(ev.Data), &p) != nil || p.Status != crm.ImportPending || p.Total != n || p.Records != 0 {
			t.Fatalf("first event %+v, want the pending import's progress", ev)
		}
	}

	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/start", id), nil, http.StatusAccepted, nil)
	slow, quick := apiFollow(t, events), apiFollow(t, fastEvents)
	for i, st := range []apiStreamed{slow, quick} {
		if len(st.progress) == 0 {
			t.Fatalf("stream %d: no progress after the start", i)
		}
		for j := 1; j < len(st.progress); j++ {
			if st.progress[j].Records < st.progress[j-1].Records {
				t.Errorf("stream %d: records went back from %d to %d", i, st.progress[j-1].Records, st.progress[j].Records)
			}
		}
		last := st.progress[len(st.progress)-1]
		if last.Status != crm.ImportCompletedWithErrors || last.Records != n || last.Created != n-n/badEvery || last.Rejected != n/badEvery || last.Batches != n/10 {
			t.Errorf("stream %d: final progress %+v", i, last)
		}
		if last.Rate <= 0 || last.SecondsLeft != 0 {
			t.Errorf("stream %d: final rate %v, seconds left %d; want a rate and nothing left", i, last.Rate, last.SecondsLeft)
		}
		if st.end["status"] != string(crm.ImportCompletedWithErrors) {
			t.Errorf("stream %d: end %v", i, st.end)
		}
		// Every rejected record, each once.
		if len(st.lines) != n/badEvery {
			t.Errorf("stream %d: %d rejected lines reported, want %d", i, len(st.lines), n/badEvery)
		}
		for r := badEvery; r <= n; r += badEvery {
			if st.lines[r+1] != 1 {
				t.Errorf("stream %d: the rejected record on line %d was reported %d times, want once", i, r+1, st.lines[r+1])
			}
		}
		t.Logf("stream %d: %d progress events", i, len(st.progress))
	}
	// The fast client saw the import under way: records rising from event
	// to event, and errors arriving while it ran.
	under, rising, early := 0, 0, 0
	for j, p := range quick.progress {
		if p.Records > 0 && p.Records < n {
			under++
			if len(p.Errors) > 0 {
				early++
			}
		}
		if j > 0 && p.Records > quick.progress[j-1].Records {
			rising++
		}
	}
	if under < 2 || rising < 2 || early < 1 {
		t.Errorf("the fast stream had %d events midway (%d with errors), records rose %d times; want the import followed as it ran", under, early, rising)
	}
}

// TestAPIImportEventsReconnect connects to a finished import, as a page
// does when it comes back: one progress with the errors after the line the
// client has, then end.
func TestAPIImportEventsReconnect(t *testing.T) {
	s := newTestServer(t)
	id := s.prepare(t, apiGeneratedCSV(100, 10), map[string]any{"batch_size": 10})
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/start", id), nil, http.StatusAccepted, nil)
	s.waitFinished(t, id)

	_, events := apiOpenEvents(t, fmt.Sprintf("%s/api/v1/imports/%d/events", s.URL, id), http.Header{"Last-Event-Id": {"51"}})
	ev, _ := apiNextEvent(t, events)
	var p apiProgress
	json.Unmarshal([]byte(ev.Data), &p)
	if ev.Name != "progress" || p.Status != crm.ImportCompletedWithErrors || len(p.Errors) != 5 || p.Errors[0].Line != 61 || ev.ID != "101" {
		t.Errorf("event %s (id %s): %+v; want the final progress with the 5 errors after line 51", ev.Name, ev.ID, p)
	}
	if ev, _ := apiNextEvent(t, events); ev.Name != "end" {
		t.Errorf("then %+v, want end", ev)
	}

	_, events = apiOpenEvents(t, fmt.Sprintf("%s/api/v1/imports/%d/events?after=0", s.URL, id), nil)
	ev, _ = apiNextEvent(t, events)
	json.Unmarshal([]byte(ev.Data), &p)
	if len(p.Errors) != 10 {
		t.Errorf("from the start: %d errors, want 10", len(p.Errors))
	}

	s.fail(t, http.MethodGet, "/api/v1/imports/999/events", nil, http.StatusNotFound, "not_found")
	s.fail(t, http.MethodGet, fmt.Sprintf("/api/v1/imports/%d/events?after=x", id), nil, http.StatusBadRequest, "invalid")
}

// TestAPIImportEventsPaging sends more errors than one event carries,
// each once, and never splits the errors of one record across events.
func TestAPIImportEventsPaging(t *testing.T) {
	s := newTestServer(t)
	var file strings.Builder
	file.WriteString("First Name,Last Name,Email\n")
	for i := 1; i <= 50; i++ {
		fmt.Fprintf(&file, "Name%d,,bad-%d\n", i, i) // two errors: no last name, bad email
	}
	id := s.prepare(t, []byte(file.String()), map[string]any{"batch_size": 50, "mapping": map[string]string{
		"First Name": "first_name", "Last Name": "last_name", "Email": "email"}})
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/start", id), nil, http.StatusAccepted, nil)
	s.waitFinished(t, id)

	cfg := apiEventsDefaults
	cfg.maxErrors = 7
	srv := s.streamWith(t, id, cfg)
	_, events := apiOpenEvents(t, srv, nil)
	seen := map[int]int{} // line → errors
	for {
		ev, ok := apiNextEvent(t, events)
		if !ok || ev.Name == "end" {
			break
		}
		var p apiProgress
		json.Unmarshal([]byte(ev.Data), &p)
		if len(p.Errors) > cfg.maxErrors {
			t.Errorf("%d errors in one event, want at most %d", len(p.Errors), cfg.maxErrors)
		}
		lines := map[int]int{}
		for _, e := range p.Errors {
			lines[e.Line]++
		}
		for line, n := range lines {
			if seen[line] > 0 || n != 2 {
				t.Errorf("line %d: %d errors in one event, %d before; want both at once", line, n, seen[line])
			}
			seen[line] += n
		}
	}
	if len(seen) != 50 {
		t.Errorf("%d lines reported, want 50", len(seen))
	}
}

// TestAPIImportEventsPing keeps a quiet stream open with comments.
func TestAPIImportEventsPing(t *testing.T) {
	s := newTestServer(t)
	id := s.mustUpload(t, "a.csv", apiGeneratedCSV(3, 0)).ID
	cfg := apiEventsDefaults
	cfg.poll, cfg.ping = 10*time.Millisecond, 50*time.Millisecond
	srv := s.streamWith(t, id, cfg)
	resp, events := apiOpenEvents(t, srv, nil)
	if ev, _ := apiNextEvent(t, events); ev.Name != "progress" {
		t.Fatalf("first event %+v", ev)
	}
	pings := 0
	for pings < 2 {
		ev, _ := apiNextEvent(t, events)
		if ev.Name != ":" || ev.Data != "ping" {
			t.Fatalf("event %+v on a pending import, want only pings", ev)
		}
		pings++
	}
	// A pending import that is cancelled ends the stream.
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/cancel", id), nil, http.StatusOK, nil)
	for {
		ev, ok := apiNextEvent(t, events)
		if !ok {
			t.Fatal("no end event")
		}
		if ev.Name == "end" {
			break
		}
	}
	resp.Body.Close()
}

func TestAPIRate(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	running := &crm.Import{Status: crm.ImportRunning, StartedAt: t0.Add(-100 * time.Second), RunTime: 100 * time.Second, Counts: crm.ImportCounts{Records: 1000}}
	r := apiRate{window: 10 * time.Second}
	r.add(t0, 1000)
	if got := r.perSecond(running); got != 10 {
		t.Errorf("one sample: %v records/s, want 10 (over its running time)", got)
	}
	for i := 1; i <= 40; i++ { // 500 records a second for 20 s, polled 2 a second
		running.Counts.Records = 1000 + 250*i
		r.add(t0.Add(time.Duration(i)*500*time.Millisecond), running.Counts.Records)
	}
	if got := r.perSecond(running); got != 500 {
		t.Errorf("steady: %v records/s, want 500", got)
	}
	if len(r.samples) > 22 {
		t.Errorf("%d samples kept, want only the window's", len(r.samples))
	}
	// Interrupted for a day after two seconds, then resumed for two more:
	// the day it waited is not part of its rate.
	done := &crm.Import{Status: crm.ImportCompleted, StartedAt: t0, FinishedAt: t0.Add(24*time.Hour + 2*time.Second),
		RunTime: 4 * time.Second, Counts: crm.ImportCounts{Records: 2000}}
	if got := r.perSecond(done); got != 500 {
		t.Errorf("finished: %v records/s, want 500 (over its running time)", got)
	}
	if got := r.perSecond(&crm.Import{Status: crm.ImportPending}); got != 0 {
		t.Errorf("pending: %v records/s, want 0", got)
	}
}

// TestAPIImportEventsWarnings: the warnings an import's counts give come
// with its progress as it runs, not only in its final report: here every
// phone number, written without a country code and with no country to read
// it with, is kept as written, and the warning counts them as they load.
func TestAPIImportEventsWarnings(t *testing.T) {
	s := newTestServer(t)
	const n = 2000
	var b strings.Builder
	b.WriteString("First Name,Last Name,Email,Phone\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "First%d,Last%d,person%d@example.com,020 7946 %04d\n", i, i, i, i)
	}
	id := s.prepare(t, []byte(b.String()), map[string]any{"batch_size": 10})
	cfg := apiEventsDefaults
	cfg.poll = 20 * time.Millisecond
	fast := s.streamWith(t, id, cfg)
	_, events := apiOpenEvents(t, fast, nil)
	ev, _ := apiNextEvent(t, events)
	if !strings.Contains(ev.Data, `"warnings":[]`) {
		t.Errorf("the pending import's progress %s; want no warnings, as an empty list", ev.Data)
	}
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/start", id), nil, http.StatusAccepted, nil)
	midway := 0
	st := apiFollow(t, events)
	for _, p := range st.progress {
		if p.Records == 0 || p.Records == n {
			continue
		}
		want := fmt.Sprintf("%s phone values are not phone numbers of their country", pageThousands(int64(p.Records)))
		if len(p.Warnings) != 1 || !strings.HasPrefix(p.Warnings[0], want) {
			t.Errorf("progress at %d records: warnings %q; want %q…", p.Records, p.Warnings, want)
		}
		midway++
	}
	if midway == 0 {
		t.Error("no progress while the import ran")
	}
	last := st.progress[len(st.progress)-1]
	if len(last.Warnings) != 1 || !strings.HasPrefix(last.Warnings[0], "2,000 phone values") {
		t.Errorf("the last progress's warnings %q", last.Warnings)
	}
}

// streamWith serves import id's event stream with cfg on a server of its
// own, closed once the test's streams are (cleanups run last first), and
// returns its URL.
func (s *apiTestServer) streamWith(t *testing.T, id int64, cfg apiEventsConfig) string {
	t.Helper()
	h := New(s.deps)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.SetPathValue("id", strconv.FormatInt(id, 10))
		if err := h.apiStreamImport(w, r, cfg); err != nil {
			h.apiError(w, r, err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
