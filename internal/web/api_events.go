package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/importer"
)

// apiEventsConfig tunes an import's event stream.
type apiEventsConfig struct {
	poll      time.Duration // how often the database is read
	ping      time.Duration // the longest silence before a comment keeps proxies from closing the stream
	maxErrors int           // the most errors one event carries
	window    time.Duration // how far back the rate looks
}

var apiEventsDefaults = apiEventsConfig{poll: 300 * time.Millisecond, ping: 15 * time.Second, maxErrors: 1000, window: 10 * time.Second}

// apiProgress is the data of a progress event.
type apiProgress struct {
	ID              int64            `json:"id"`
	Status          crm.ImportStatus `json:"status"`
	Total           int              `json:"total"`
	Records         int              `json:"records"`
	Created         int              `json:"created"`
	Updated         int              `json:"updated"`
	Skipped         int              `json:"skipped"`
	Rejected        int              `json:"rejected"`
	Batches         int              `json:"batches"`
	Rate            float64          `json:"rate"`         // records per second
	SecondsLeft     int              `json:"seconds_left"` // estimated; 0 when unknown or done
	CancelRequested bool             `json:"cancel_requested"`
	Error           string           `json:"error,omitempty"` // why a failed import stopped
	Errors          []crm.RowError   `json:"errors"`          // records rejected since the last event
	Warnings        []string         `json:"warnings"`        // what the counts so far say (importer.Warnings)
}

// apiImportEvents streams an import's progress as Server-Sent Events:
//
//	event: progress   the state (counts, rate, time left) and the records
//	                  rejected since the last event; sent when anything changed
//	event: end        after the last progress, once the import is neither
//	                  pending nor running, or once a pending import has waited
//	                  for its start longer than the stream waits (the data's
//	                  reason says so); the stream then closes
//	: ping            a comment after 15 s of silence
//
// The import may run in another process (the CLI, another server), so the
// stream follows the database, not this process's runner: every 300 ms
// through the handler's eventHub, which reads each followed import once
// per tick however many streams follow it, and bounds how many streams
// are open (beyond, 429 with Retry-After). Each event's id is the file line of the last error sent; a
// reconnecting EventSource sends it back as Last-Event-ID (or a script as
// ?after=LINE) and gets only the errors after it. A page should close its
// EventSource on end, or the browser reconnects.
func (h *Handler) apiImportEvents(w http.ResponseWriter, r *http.Request) error {
	return h.apiStreamImport(w, r, apiEventsDefaults)
}

// apiStreamImport serves one event stream. cfg sets the polling of the
// import's poller when this stream is the one that starts it.
func (h *Handler) apiStreamImport(w http.ResponseWriter, r *http.Request, cfg apiEventsConfig) error {
	id, err := apiImportID(r)
	if err != nil {
		return err
	}
	after := 0
	for _, s := range []string{r.Header.Get("Last-Event-ID"), r.URL.Query().Get("after")} {
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			msg := fmt.Sprintf("after must be a line number (a whole number), not %q.", s)
			return apiFail(crm.ErrInvalid, map[string]string{"after": msg}, "%s", msg)
		}
		after = n
	}
	leave, err := h.events.admit(w, h.clientAddr(r))
	if err != nil {
		return err
	}
	defer leave()
	ctx := r.Context()
	imp, err := h.Importer.Get(ctx, id)
	if err != nil {
		return apiNoImport(err, id)
	}

	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives a server's write timeout; not every writer can
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no") // proxies such as nginx would hold events back
	w.WriteHeader(http.StatusOK)
	s := &apiStream{h: h, cfg: cfg, id: id, after: after, out: &apiEventWriter{w: w, rc: rc}, rate: apiRate{window: cfg.window}}
	if err := s.out.flush(); err != nil {
		return nil // the client is gone already
	}
	if err := s.follow(ctx, imp); err != nil && !errors.Is(err, errAPIClientGone) {
		return h.apiStreamFailed(r, err)
	}
	return nil
}

// errAPIClientGone is a write to a stream whose client has left.
var errAPIClientGone = errors.New("the client is gone")

// apiStream is one client's event stream: what it has sent so far.
type apiStream struct {
	h     *Handler
	cfg   apiEventsConfig
	id    int64
	after int // the line of the last error sent
	out   *apiEventWriter
	rate  apiRate
	last  *apiProgress // the last progress sent
	final bool         // the final state of an ended import was sent
}

// follow sends the import as it stands, with the errors after the
// client's line, then each change the hub's poller publishes, until the
// import ends, a pending import has waited too long, or the client leaves.
func (s *apiStream) follow(ctx context.Context, imp *crm.Import) error {
	if err := s.catchUp(ctx, imp); err != nil {
		return err
	}
	if apiImportDone(imp) {
		return s.end(imp.ID, string(imp.Status), "")
	}
	hub := s.h.events
	sub := hub.subscribe(s.id, s.after, s.cfg)
	defer hub.unsubscribe(sub)
	ping := time.NewTimer(s.cfg.ping)
	defer ping.Stop()
	wait := time.NewTimer(hub.pendingWait)
	defer wait.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-sub.ready:
			u := sub.take()
			switch {
			case u == nil:
				continue
			case u.err != nil:
				return nil // the poller logged it; the client's EventSource reconnects
			case u.imp == nil:
				return s.end(s.id, "deleted", "The import was deleted.")
			}
			if s.after < u.from {
				// Updates were merged away while this stream was slow, or it
				// joined a poller that was ahead: read what it missed.
				if err := s.catchUp(ctx, u.imp); err != nil {
					return err
				}
			}
			var errs []crm.RowError
			for _, e := range u.errs {
				if e.Line > s.after {
					errs = append(errs, e)
				}
			}
			s.after = max(s.after, u.to)
			if err := s.progress(u.imp, errs, !u.more); err != nil {
				return err
			}
			if apiImportDone(u.imp) && !u.more {
				return s.end(u.imp.ID, string(u.imp.Status), "")
			}
		case <-wait.C:
			if s.last.Status == crm.ImportPending {
				return s.end(s.id, string(crm.ImportPending), fmt.Sprintf(
					"The import has not been started in the %s a stream waits for it; connect again to go on waiting.", apiWaitWords(hub.pendingWait)))
			}
		case <-ping.C:
			idle := time.Since(s.out.last)
			if idle >= s.cfg.ping {
				if err := s.out.comment("ping"); err != nil {
					return errAPIClientGone
				}
				idle = 0
			}
			ping.Reset(s.cfg.ping - idle)
		}
	}
}

// apiWaitWords says a wait as people do: "5 minutes", "90 s".
func apiWaitWords(d time.Duration) string {
	if m := d / time.Minute; d%time.Minute == 0 && m > 0 {
		if m == 1 {
			return "minute"
		}
		return fmt.Sprintf("%d minutes", m)
	}
	return pageDuration(d)
}

// catchUp sends the state imp with the errors stored after the stream's
// line, a page at a time.
func (s *apiStream) catchUp(ctx context.Context, imp *crm.Import) error {
	for {
		errs, next, more, err := apiErrorPage(ctx, s.h.Store.ImportErrorsAfter, s.id, s.after, s.cfg.maxErrors)
		if err != nil {
			return err
		}
		s.after = next
		if err := s.progress(imp, errs, !more); err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}

// progress sends the state imp with errs when it says anything new: errors,
// a change, or the final state of an ended import (last: no more errors
// wait).
func (s *apiStream) progress(imp *crm.Import, errs []crm.RowError, last bool) error {
	s.rate.add(time.Now(), imp.Counts.Records)
	p := apiProgressOf(imp, &s.rate, errs)
	final := last && apiImportDone(imp)
	if s.last == nil || len(errs) > 0 || p.changed(s.last) || (final && !s.final) {
		if err := s.out.event("progress", s.after, p); err != nil {
			return errAPIClientGone
		}
		s.last, s.final = p, final
	}
	return nil
}

// end sends the end event. reason, when not empty, says why a stream ends
// although the import has not.
func (s *apiStream) end(id int64, status, reason string) error {
	data := map[string]any{"id": id, "status": status}
	if reason != "" {
		data["reason"] = reason
	}
	_ = s.out.event("end", s.after, data)
	return nil
}

// apiImportDone reports whether an import will not change any more by
// itself: it is neither pending, queued nor running.
func apiImportDone(imp *crm.Import) bool {
	return imp.Status != crm.ImportPending && !imp.Status.Active()
}

// apiStreamFailed ends a stream that failed after it began: the status is
// sent already, so the error can only be logged. The client's EventSource
// reconnects by itself.
func (h *Handler) apiStreamFailed(r *http.Request, err error) error {
	if r.Context().Err() == nil {
		h.Log.Error("api event stream failed", "path", r.URL.Path, "err", err)
	}
	return nil
}

// apiErrorPage returns up to limit errors of import id on lines after the
// line after, the line to continue after next time, and whether more are
// waiting, as importer.ErrorPage makes a page.
func apiErrorPage(ctx context.Context, read apiErrorReader, id int64, after, limit int) (errs []crm.RowError, next int, more bool, err error) {
	errs, err = read(ctx, id, after, limit)
	if err != nil {
		return errs, after, false, err
	}
	errs, next, more = importer.ErrorPage(errs, after, limit)
	return errs, next, more, nil
}

// apiErrorReader reads an import's errors after a line, as the store does.
type apiErrorReader func(ctx context.Context, id int64, after, limit int) ([]crm.RowError, error)

func apiProgressOf(imp *crm.Import, rate *apiRate, errs []crm.RowError) *apiProgress {
	c := imp.Counts
	p := &apiProgress{
		ID: imp.ID, Status: imp.Status, Total: imp.Total, Records: c.Records, Created: c.Created,
		Updated: c.Updated, Skipped: c.Skipped, Rejected: c.Rejected, Batches: c.Batches,
		CancelRequested: imp.CancelRequested, Error: imp.Error, Errors: errs, Warnings: importer.Warnings(imp),
	}
	if p.Errors == nil {
		p.Errors = []crm.RowError{}
	}
	if p.Warnings == nil {
		p.Warnings = []string{}
	}
	p.Rate = math.Round(rate.perSecond(imp)*10) / 10
	if imp.Status == crm.ImportRunning && p.Rate > 0 && imp.Total > c.Records {
		p.SecondsLeft = int(math.Ceil(float64(imp.Total-c.Records) / p.Rate))
	}
	return p
}

// changed reports whether p says anything that last did not; the rate and
// time left alone do not make an event. The warnings are made of counts
// that change only with Records.
func (p *apiProgress) changed(last *apiProgress) bool {
	return p.Status != last.Status || p.Total != last.Total || p.Records != last.Records ||
		p.Created != last.Created || p.Updated != last.Updated || p.Skipped != last.Skipped ||
		p.Rejected != last.Rejected || p.Batches != last.Batches ||
		p.CancelRequested != last.CancelRequested || p.Error != last.Error
}

// apiRate works out an import's speed from the record counts of successive
// polls over a recent window, or, before the window holds a second of
// them and once the import is over, over the time it has spent running.
type apiRate struct {
	window  time.Duration
	samples []apiRateSample
}

type apiRateSample struct {
	at      time.Time
	records int
}

func (a *apiRate) add(at time.Time, records int) {
	a.samples = append(a.samples, apiRateSample{at, records})
	i := 0
	for i < len(a.samples)-2 && at.Sub(a.samples[i+1].at) >= a.window {
		i++
	}
	a.samples = a.samples[i:]
}

func (a *apiRate) perSecond(imp *crm.Import) float64 {
	if imp.Status == crm.ImportRunning && len(a.samples) >= 2 {
		first, last := a.samples[0], a.samples[len(a.samples)-1]
		if secs := last.at.Sub(first.at).Seconds(); secs >= 1 {
			return math.Max(0, float64(last.records-first.records)/secs)
		}
	}
	return imp.Rate()
}

// apiEventWriter writes Server-Sent Events and flushes each one out.
type apiEventWriter struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	buf  bytes.Buffer
	last time.Time // when anything was last written
}

func (e *apiEventWriter) event(name string, id int, data any) error {
	e.buf.Reset()
	fmt.Fprintf(&e.buf, "id: %d\nevent: %s\ndata: ", id, name)
	enc := json.NewEncoder(&e.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(data); err != nil { // one line: JSON escapes line breaks in strings
		return err
	}
	e.buf.WriteByte('\n')
	return e.write()
}

func (e *apiEventWriter) comment(text string) error {
	e.buf.Reset()
	fmt.Fprintf(&e.buf, ": %s\n\n", text)
	return e.write()
}

func (e *apiEventWriter) write() error {
	if _, err := e.w.Write(e.buf.Bytes()); err != nil {
		return err
	}
	return e.flush()
}

func (e *apiEventWriter) flush() error {
	e.last = time.Now()
	return e.rc.Flush()
}
