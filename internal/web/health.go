package web

import (
	"context"
	"net/http"
	"time"
)

// healthPath is where load balancers and monitors ask whether this server
// can serve. It answers whatever the request's Host (ServeHTTP), since a
// load balancer asks each server by its address, and says nothing but
// yes or no.
const healthPath = "/healthz"

// healthTimeout is how long the database may take to answer a health
// check: longer, and the server is as good as down for people too.
const healthTimeout = 2 * time.Second

type healthAnswer struct {
	Status string `json:"status"` // "ok" or "unavailable"
}

// health answers 200 when the database answers, and 503 when it does not,
// so that a load balancer sends people to the servers that can serve them.
func (h *Handler) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	if err := h.Store.Ping(ctx); err != nil {
		h.Log.Warn("health check: the database does not answer", "err", err)
		apiWriteJSON(w, http.StatusServiceUnavailable, healthAnswer{Status: "unavailable"})
		return
	}
	apiWriteJSON(w, http.StatusOK, healthAnswer{Status: "ok"})
}
