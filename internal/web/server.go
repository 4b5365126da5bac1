// Package web serves localcrm's HTML pages and its JSON API over the same
// services the CLI uses: the store, the import engine and its background
// runner. Templates and static files are embedded, so the binary is the
// whole product; pages need no front-end build step.
//
// Everyone signs in: a browser with a session cookie, a script with an API
// token. routes.go declares every route with the least role it needs, and
// auth.go is the one place that checks it.
package web

import (
	"log/slog"
	"net/http"
	"time"

	"localcrm/internal/auth"
	"localcrm/internal/importer"
	"localcrm/internal/store"
)

// DefaultMaxUpload is the largest CSV file an upload may bring, unless the
// server is told otherwise.
const DefaultMaxUpload = 100 << 20

// Session lifetimes unless the server is told otherwise: an hour of
// inactivity, or a working day whatever the activity.
const (
	DefaultSessionIdle = time.Hour
	DefaultSessionMax  = 12 * time.Hour
)

// Deps are what the web layer works with.
type Deps struct {
	Store     *store.Store
	Importer  *importer.Importer
	Runner    *importer.Runner
	Log       *slog.Logger
	MaxUpload int64 // bytes; 0 means DefaultMaxUpload

	// Hosts are the names (or addresses) besides loopback that browsers
	// reach the server by; a request for any other Host is refused, so a
	// site that rebinds its own name to this server's address cannot use
	// a visitor's browser against it.
	Hosts []string
	// Sessions bounds how long a sign-in lasts; zero fields take the defaults.
	Sessions store.SessionLimits
	// BehindProxy says a TLS-terminating proxy is in front: its
	// X-Forwarded-Proto decides whether cookies are Secure, and the last
	// address of its X-Forwarded-For is the client's.
	BehindProxy bool
	// Throttle slows down password guessing; nil means auth.NewThrottle(Store).
	Throttle *auth.Throttle
}

// Handler serves the pages and the API.
type Handler struct {
	Deps
	mux    *http.ServeMux
	routes []route
	pages  *pages
	hosts  map[string]bool
	hashes chan struct{} // bounds the password hashes computed at once
	events *eventHub     // shares the polling behind import event streams
}

// New returns the handler for the whole site.
func New(d Deps) *Handler {
	if d.MaxUpload <= 0 {
		d.MaxUpload = DefaultMaxUpload
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Sessions.Idle <= 0 {
		d.Sessions.Idle = DefaultSessionIdle
	}
	if d.Sessions.Max <= 0 {
		d.Sessions.Max = DefaultSessionMax
	}
	if d.Throttle == nil {
		d.Throttle = auth.NewThrottle(d.Store)
	}
	h := &Handler{Deps: d, mux: http.NewServeMux(), hosts: allowedHosts(d.Hosts), hashes: make(chan struct{}, 2)}
	h.events = newEventHub(h)
	h.pages = &pages{Handler: h, tmpl: parsePageTemplates()}
	h.routes = h.routeTable(h.pages)
	for _, rt := range h.routes {
		h.mux.Handle(rt.pattern, h.require(rt.need, rt.handler))
	}
	return h
}

// Timeouts bound how long a client may hold the server's time: a slow or
// silent client is cut off instead of holding a connection and its memory
// for ever. Uploads, downloads and event streams, which may rightly take
// long, lift the read or write limit for themselves (see longRead and
// longWrite).
type Timeouts struct {
	Header         time.Duration // to send the request's headers
	Read           time.Duration // to send the whole request, body included
	Write          time.Duration // to take the whole response
	Idle           time.Duration // a kept-alive connection between requests
	MaxHeaderBytes int
}

// DefaultTimeouts are generous for people on a slow office network and
// short for a client that trickles bytes to keep connections open.
var DefaultTimeouts = Timeouts{Header: 10 * time.Second, Read: time.Minute, Write: 2 * time.Minute, Idle: time.Minute, MaxHeaderBytes: 64 << 10}

// Long-running requests get these instead: a 100 MB upload at 2 Mbit/s
// takes about 7 minutes. An upload's answer comes after its whole body,
// and after the file is kept (a workbook converted to CSV takes about a
// minute a million rows), so its write limit runs past the read limit.
const (
	uploadReadTimeout  = 15 * time.Minute
	uploadWriteTimeout = uploadReadTimeout + 5*time.Minute
	downloadWriteLimit = 15 * time.Minute
)

// NewServer returns an http.Server for h with the timeouts t.
func NewServer(h http.Handler, t Timeouts) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.Header,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    t.MaxHeaderBytes,
	}
}

// longRead lets the request's body take up to uploadReadTimeout, and the
// answer that follows it up to uploadWriteTimeout from now: the server's
// write limit counts from the request's headers, and would cut off the
// answer to any upload slower than it.
func longRead(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	now := time.Now()
	// Not every writer can; then the server's limits stand.
	_ = rc.SetReadDeadline(now.Add(uploadReadTimeout))
	_ = rc.SetWriteDeadline(now.Add(uploadWriteTimeout))
}

// longWrite lets the response take up to downloadWriteLimit.
func longWrite(w http.ResponseWriter) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(downloadWriteLimit))
}

// ServeHTTP puts the security headers on every response and refuses a
// request for a host the server does not answer to, before any route; but
// the health check, which load balancers make by address, and which tells
// nothing, answers to any.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w.Header(), h.secure(r))
	if !h.hostAllowed(r.Host) && r.URL.Path != healthPath {
		h.refuseHost(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}
