package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"localcrm/internal/crm"
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
}

// apiImportEvents streams an import's progress as Server-Sent Events:
//
//	event: progress   the state (counts, rate, time left) and the records
//	                  rejected since the last event; sent when anything changed
//	event: end        after the last progress, once the import is neither
//	                  pending nor running; the stream then closes
//	: ping            a comment after 15 s of silence
//
// The import may run in another process (the CLI, another server), so the
// stream reads the database every 300 ms instead of listening to this
// process's runner. Each event's id is the file line of the last error
// sent; a reconnecting EventSource sends it back as Last-Event-ID (or a
// script as ?after=LINE) and gets only the errors after it. A page should
// close its EventSource on end, or the browser reconnects.
func (h *Handler) apiImportEvents(w http.ResponseWriter, r *http.Request) error {
	return h.apiStreamImport(w, r, apiEventsDefaults)
}

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
	out := &apiEventWriter{w: w, rc: rc}
	if err := out.flush(); err != nil {
		return nil // the client is gone already
	}

	poll := time.NewTicker(cfg.poll)
	defer poll.Stop()
	rate := apiRate{window: cfg.window}
	var last *apiProgress
	for {
		errs, next, more, err := h.apiNewErrors(r, id, after, cfg.maxErrors)
		if err != nil {
			return h.apiStreamFailed(r, err)
		}
		after = next
		rate.add(time.Now(), imp.Counts.Records)
		p := apiProgressOf(imp, &rate, errs)
		done := imp.Status != crm.ImportRunning && imp.Status != crm.ImportPending
		if last == nil || len(errs) > 0 || p.changed(last) || (done && !more) {
			if err := out.event("progress", after, p); err != nil {
				return nil // the client is gone
			}
			last = p
		}
		if more {
			continue // more errors wait: send them at once
		}
		if done {
			_ = out.event("end", after, map[string]any{"id": imp.ID, "status": imp.Status})
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		}
		if time.Since(out.last) >= cfg.ping {
			if err := out.comment("ping"); err != nil {
				return nil
			}
		}
		imp, err = h.Importer.Get(ctx, id)
		if errors.Is(err, crm.ErrNotFound) {
			_ = out.event("end", after, map[string]any{"id": id, "status": "deleted"})
			return nil
		}
		if err != nil {
			return h.apiStreamFailed(r, err)
		}
	}
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

// apiNewErrors returns up to limit errors on lines after the line after,
// the line to continue after next time, and whether more are waiting. A
// record's errors commit together, so a page never splits a line's errors:
// a full page leaves its last line's errors for the next one.
func (h *Handler) apiNewErrors(r *http.Request, id int64, after, limit int) (errs []crm.RowError, next int, more bool, err error) {
	errs, err = h.Store.ImportErrorsAfter(r.Context(), id, after, limit)
	if err != nil || len(errs) == 0 {
		return errs, after, false, err
	}
	if len(errs) < limit {
		return errs, errs[len(errs)-1].Line, false, nil
	}
	lastLine := errs[len(errs)-1].Line
	i := len(errs)
	for i > 0 && errs[i-1].Line == lastLine {
		i--
	}
	if i == 0 { // one record with more errors than a page: cannot be, as records have fewer fields
		return errs, lastLine, true, nil
	}
	return errs[:i], errs[i-1].Line, true, nil
}

func apiProgressOf(imp *crm.Import, rate *apiRate, errs []crm.RowError) *apiProgress {
	c := imp.Counts
	p := &apiProgress{
		ID: imp.ID, Status: imp.Status, Total: imp.Total, Records: c.Records, Created: c.Created,
		Updated: c.Updated, Skipped: c.Skipped, Rejected: c.Rejected, Batches: c.Batches,
		CancelRequested: imp.CancelRequested, Error: imp.Error, Errors: errs,
	}
	if p.Errors == nil {
		p.Errors = []crm.RowError{}
	}
	p.Rate = math.Round(rate.perSecond(imp)*10) / 10
	if imp.Status == crm.ImportRunning && p.Rate > 0 && imp.Total > c.Records {
		p.SecondsLeft = int(math.Ceil(float64(imp.Total-c.Records) / p.Rate))
	}
	return p
}

// changed reports whether p says anything that last did not; the rate and
// time left alone do not make an event.
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
