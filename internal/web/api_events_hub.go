package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"localcrm/internal/crm"
)

// Bounds of the event streams, unless a test sets others on the hub.
const (
	eventStreamsPerClient = 4               // one client address; a person rarely follows more imports at once
	eventStreamsTotal     = 200             // all clients together
	eventPendingWait      = 5 * time.Minute // a stream of an import not yet started ends after this
	eventRetryAfter       = 10 * time.Second
)

// eventHub shares the reading of the database among the event streams of
// GET /api/v1/imports/{id}/events: one poller goroutine per import that
// streams follow, started by its first stream and stopped when the last
// leaves, publishes each new state of the import, and its new row errors,
// to every stream of it. So a hundred streams of one import cost what one
// does. It also bounds how many streams are open, per client and in all.
//
// The hub belongs to one Handler (New makes it); nothing of it is global.
type eventHub struct {
	get         func(ctx context.Context, id int64) (*crm.Import, error)
	errorsAfter apiErrorReader
	log         *slog.Logger

	perClient   int           // the most streams one client address holds open
	total       int           // the most streams open at once
	pendingWait time.Duration // how long a stream waits for a pending import to start
	onPoll      func(id int64)

	mu      sync.Mutex
	pollers map[int64]*importPoller
	clients map[string]int // client address → streams open
	open    int
}

func newEventHub(h *Handler) *eventHub {
	return &eventHub{
		get: func(ctx context.Context, id int64) (*crm.Import, error) { return h.Importer.Get(ctx, id) },
		errorsAfter: func(ctx context.Context, id int64, after, limit int) ([]crm.RowError, error) {
			return h.Store.ImportErrorsAfter(ctx, id, after, limit)
		},
		log:         h.Log,
		perClient:   eventStreamsPerClient,
		total:       eventStreamsTotal,
		pendingWait: eventPendingWait,
		pollers:     map[int64]*importPoller{},
		clients:     map[string]int{},
	}
}

// errAPITooMany is the kind of a request refused because the client, or
// all clients together, hold too many of something open.
var errAPITooMany = errors.New("too many requests")

// admit counts a new stream from the client address addr, or refuses it
// with Retry-After set on w when the client or the server has its fill.
// The stream calls leave when it closes.
func (hub *eventHub) admit(w http.ResponseWriter, addr string) (leave func(), err error) {
	hub.mu.Lock()
	defer hub.mu.Unlock()
	var msg string
	switch {
	case hub.clients[addr] >= hub.perClient:
		msg = fmt.Sprintf("You follow %d imports' progress already, the most one address may; close a page or stream that follows one, then try again.", hub.perClient)
	case hub.open >= hub.total:
		msg = fmt.Sprintf("The server streams the progress of imports to %d clients already, the most it does at once; try again shortly.", hub.total)
	}
	if msg != "" {
		w.Header().Set("Retry-After", strconv.Itoa(int(eventRetryAfter/time.Second)))
		return nil, apiFail(errAPITooMany, nil, "%s", msg)
	}
	hub.clients[addr]++
	hub.open++
	return func() {
		hub.mu.Lock()
		defer hub.mu.Unlock()
		hub.open--
		if hub.clients[addr]--; hub.clients[addr] <= 0 {
			delete(hub.clients, addr)
		}
	}, nil
}

// importPoller reads one import for the streams that follow it.
type importPoller struct {
	id     int64
	cfg    apiEventsConfig
	cursor int                // the line of the last error read; the poller's own
	subs   map[*eventSub]bool // guarded by the hub's mu
	stop   context.CancelFunc
}

// importUpdate is what a poller publishes at each poll: the import's state
// and the errors on lines in (from, to]. An update with no import says the
// import is gone; one with err, that the poll failed.
type importUpdate struct {
	imp      *crm.Import // shared by every stream: read only
	err      error
	from, to int
	errs     []crm.RowError
	more     bool // more errors were waiting: another update follows at once
}

// eventSub is one stream's mailbox. A poller never waits for a stream: a
// stream that has not taken the last update finds it merged with the next,
// and when their errors would not fit in one event it reads them from the
// database itself (the merged update says it has none up to its from).
type eventSub struct {
	poller    *importPoller
	maxErrors int
	ready     chan struct{} // a signal that an update waits

	mu      sync.Mutex
	pending *importUpdate
}

// subscribe adds a stream, whose client has the errors up to the line
// after, to the poller of the import id, starting the poller if the import
// has none. cfg sets a new poller's interval and page size.
func (hub *eventHub) subscribe(id int64, after int, cfg apiEventsConfig) *eventSub {
	hub.mu.Lock()
	defer hub.mu.Unlock()
	p := hub.pollers[id]
	if p == nil {
		ctx, cancel := context.WithCancel(context.Background())
		p = &importPoller{id: id, cfg: cfg, cursor: after, subs: map[*eventSub]bool{}, stop: cancel}
		hub.pollers[id] = p
		go hub.poll(ctx, p)
	}
	sub := &eventSub{poller: p, maxErrors: p.cfg.maxErrors, ready: make(chan struct{}, 1)}
	p.subs[sub] = true
	return sub
}

// unsubscribe removes a stream; the last stream of an import stops its poller.
func (hub *eventHub) unsubscribe(sub *eventSub) {
	hub.mu.Lock()
	defer hub.mu.Unlock()
	p := sub.poller
	delete(p.subs, sub)
	if len(p.subs) == 0 && hub.pollers[p.id] == p {
		delete(hub.pollers, p.id)
		p.stop()
	}
}

// poll reads the import every cfg.poll until its streams have all left or
// the import has ended, is gone, or cannot be read.
func (hub *eventHub) poll(ctx context.Context, p *importPoller) {
	tick := time.NewTicker(p.cfg.poll)
	defer tick.Stop()
	var last *crm.Import
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if hub.onPoll != nil {
			hub.onPoll(p.id)
		}
		imp, err := hub.get(ctx, p.id)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, crm.ErrNotFound) {
			hub.finish(p, &importUpdate{from: p.cursor, to: p.cursor})
			return
		}
		if err != nil {
			hub.fail(p, err)
			return
		}
		// Errors commit with the counts, so there are new ones only when
		// the rejected count or the status moved.
		read := last == nil || imp.Counts.Rejected != last.Counts.Rejected || imp.Status != last.Status
		last = imp
		for {
			u := &importUpdate{imp: imp, from: p.cursor, to: p.cursor}
			if read {
				u.errs, u.to, u.more, err = apiErrorPage(ctx, hub.errorsAfter, p.id, p.cursor, p.cfg.maxErrors)
				if ctx.Err() != nil {
					return
				}
				if err != nil {
					hub.fail(p, err)
					return
				}
				p.cursor = u.to
			}
			if apiImportDone(imp) && !u.more {
				hub.finish(p, u)
				return
			}
			hub.publish(p, u)
			if !u.more {
				break
			}
		}
	}
}

// publish offers u to every stream of p.
func (hub *eventHub) publish(p *importPoller, u *importUpdate) {
	hub.mu.Lock()
	defer hub.mu.Unlock()
	for sub := range p.subs {
		sub.offer(u)
	}
}

// finish publishes p's last update and takes p out of the hub, so that a
// stream that comes later starts a poller of its own.
func (hub *eventHub) finish(p *importPoller, u *importUpdate) {
	hub.mu.Lock()
	defer hub.mu.Unlock()
	for sub := range p.subs {
		sub.offer(u)
	}
	if hub.pollers[p.id] == p {
		delete(hub.pollers, p.id)
	}
	p.stop()
}

// fail logs a poll that failed, once for all the streams it ends.
func (hub *eventHub) fail(p *importPoller, err error) {
	hub.log.Error("import event poll failed", "import", p.id, "err", err)
	hub.finish(p, &importUpdate{err: err})
}

// pollers counts the pollers running, for tests.
func (hub *eventHub) pollerCount() int {
	hub.mu.Lock()
	defer hub.mu.Unlock()
	return len(hub.pollers)
}

// streams counts the streams open, for tests.
func (hub *eventHub) streams() int {
	hub.mu.Lock()
	defer hub.mu.Unlock()
	return hub.open
}

// offer leaves u for the stream, merged with an update it has not taken.
func (sub *eventSub) offer(u *importUpdate) {
	sub.mu.Lock()
	if old := sub.pending; old != nil && old.err == nil && old.imp != nil {
		merged := *u
		merged.from = old.from
		merged.errs = slices.Concat(old.errs, u.errs)
		if len(merged.errs) > sub.maxErrors {
			// Too many for one event: the stream reads them itself.
			merged.from, merged.errs = u.to, nil
		}
		u = &merged
	}
	sub.pending = u
	sub.mu.Unlock()
	select {
	case sub.ready <- struct{}{}:
	default: // signalled already
	}
}

// take returns the update waiting, or nil.
func (sub *eventSub) take() *importUpdate {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	u := sub.pending
	sub.pending = nil
	return u
}
