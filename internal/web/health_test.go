package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHealth: the health check answers a load balancer, which asks by the
// server's address and not by a name the server answers to, with 200
// while the database answers and 503 once it does not; no other route
// answers to that address.
func TestHealth(t *testing.T) {
	e := newPageEnv(t)
	check := func(path string) (int, healthAnswer, http.Header) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Host = "10.0.3.7:8080"
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		var a healthAnswer
		json.Unmarshal(rec.Body.Bytes(), &a)
		return rec.Code, a, rec.Header()
	}
	if code, a, h := check("/healthz"); code != http.StatusOK || a.Status != "ok" || h.Get("Cache-Control") != "no-store" {
		t.Errorf("health check: %d %+v, Cache-Control %q; want 200 ok, no-store", code, a, h.Get("Cache-Control"))
	}
	if code, _, _ := check("/signin"); code != http.StatusMisdirectedRequest {
		t.Errorf("the sign-in page by address: %d, want 421 (the Host check stands for every other route)", code)
	}
	e.st.Close()
	if code, a, _ := check("/healthz"); code != http.StatusServiceUnavailable || a.Status != "unavailable" {
		t.Errorf("health check with the database closed: %d %+v, want 503 unavailable", code, a)
	}
}
