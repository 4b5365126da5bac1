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
	// Throttle slows down password guessing; nil means auth.NewThrottle().
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
		d.Throttle = auth.NewThrottle()
	}
	h := &Handler{Deps: d, mux: http.NewServeMux(), hosts: allowedHosts(d.Hosts), hashes: make(chan struct{}, 2)}
	h.pages = &pages{Handler: h, tmpl: parsePageTemplates()}
	h.routes = h.routeTable(h.pages)
	for _, rt := range h.routes {
		h.mux.Handle(rt.pattern, h.require(rt.need, rt.handler))
	}
	return h
}

// ServeHTTP puts the security headers on every response and refuses a
// request for a host the server does not answer to, before any route.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w.Header(), h.secure(r))
	if !h.hostAllowed(r.Host) {
		h.refuseHost(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}
