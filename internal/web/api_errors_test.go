package web

import (
	"net/http"
	"strings"
	"testing"
)

func TestAPIUnknownRoute(t *testing.T) {
	s := newTestServer(t)
	if e := s.fail(t, http.MethodGet, "/api/v1/contacts", nil, http.StatusNotFound, "not_found"); !strings.Contains(e.Message, "/api/v1/contacts") {
		t.Errorf("message %q", e.Message)
	}
	resp, b := s.request(t, http.MethodPatch, "/api/v1/customers/10000000", nil)
	apiCheckError(t, "PATCH", resp, b, http.StatusMethodNotAllowed, "invalid")
	if allow := resp.Header.Get("Allow"); allow != "GET, PUT, DELETE" {
		t.Errorf("Allow %q", allow)
	}
	resp, b = s.request(t, http.MethodDelete, "/api/v1/imports", nil)
	apiCheckError(t, "DELETE imports", resp, b, http.StatusMethodNotAllowed, "invalid")
	if allow := resp.Header.Get("Allow"); allow != "GET, POST" {
		t.Errorf("Allow %q", allow)
	}
}

// TestAPICrossSite refuses changes asked for by another site's page,
// which a server on loopback would otherwise take from any page the user
// opens.
func TestAPICrossSite(t *testing.T) {
	s := newTestServer(t)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/v1/customers", strings.NewReader(`{"first_name":"Eve","last_name":"Il"}`))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	resp, b := apiSend(t, req)
	apiCheckError(t, "cross-site POST", resp, b, http.StatusForbidden, "invalid")

	req, _ = http.NewRequest(http.MethodPost, s.URL+"/api/v1/customers", strings.NewReader(`{"first_name":"Sam","last_name":"Site"}`))
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if resp, b := apiSend(t, req); resp.StatusCode != http.StatusCreated {
		t.Errorf("same-origin POST: status %d: %s", resp.StatusCode, b)
	}
	req, _ = http.NewRequest(http.MethodGet, s.URL+"/api/v1/customers", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := apiSend(t, req); resp.StatusCode != http.StatusOK {
		t.Errorf("cross-site GET: status %d, want 200", resp.StatusCode)
	}
}

// TestAPIInternalError shows an unexpected error as a generic message and
// logs it once, with its text.
func TestAPIInternalError(t *testing.T) {
	s := newTestServer(t)
	s.Store.Close() // every query fails from now on
	e := s.fail(t, http.MethodGet, "/api/v1/customers", nil, http.StatusInternalServerError, "internal")
	if strings.Contains(e.Message, "sql") || strings.Contains(e.Message, "closed") {
		t.Errorf("the message shows the Go error: %q", e.Message)
	}
	log := s.log.String()
	if n := strings.Count(log, "database is closed"); n != 1 {
		t.Errorf("the error is logged %d times, want once:\n%s", n, log)
	}
}
