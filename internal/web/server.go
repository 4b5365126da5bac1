// Package web serves localcrm's HTML pages and its JSON API over the same
// services the CLI uses: the store, the import engine and its background
// runner. Templates and static files are embedded, so the binary is the
// whole product; pages need no front-end build step.
package web

import (
	"log/slog"
	"net/http"

	"localcrm/internal/importer"
	"localcrm/internal/store"
)

// DefaultMaxUpload is the largest CSV file an upload may bring, unless the
// server is told otherwise.
const DefaultMaxUpload = 100 << 20

// Deps are what the web layer works with.
type Deps struct {
	Store     *store.Store
	Importer  *importer.Importer
	Runner    *importer.Runner
	Log       *slog.Logger
	MaxUpload int64 // bytes; 0 means DefaultMaxUpload
}

// Handler serves the pages and the API.
type Handler struct {
	Deps
	mux *http.ServeMux
}

// New returns the handler for the whole site.
func New(d Deps) *Handler {
	if d.MaxUpload <= 0 {
		d.MaxUpload = DefaultMaxUpload
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{Deps: d, mux: http.NewServeMux()}
	h.apiRoutes(h.mux)
	h.pageRoutes(h.mux)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }
