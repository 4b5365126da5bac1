package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// TestAPIImportQueued: with its one slot busy, a server queues the next
// import, and the API and the import's page say so with its place in
// line; it then runs by itself. Issue 9, item 7.
func TestAPIImportQueued(t *testing.T) {
	s := newTestServer(t)
	s.Runner.SetLimit(1)
	// The first import is long enough (2,000 commits) to still run when the
	// second is started, a moment later.
	a := s.prepare(t, apiGeneratedCSV(20000, 0), map[string]any{"batch_size": 10})
	b := s.prepare(t, []byte("First Name,Last Name,Email\nAda,Lovelace,ada@example.org\n"), map[string]any{})
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/start", a), nil, http.StatusAccepted, nil)
	var got struct {
		Status crm.ImportStatus `json:"status"`
		Place  int              `json:"place"`
	}
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/start", b), nil, http.StatusAccepted, &got)
	if got.Status != crm.ImportQueued || got.Place != 1 {
		t.Fatalf("the second import: %+v, want queued, next in line", got)
	}
	_, page := s.page(t, s.pageSession(t, "boss"), http.MethodGet, fmt.Sprintf("/imports/%d", b), nil)
	if !strings.Contains(page, "this one is next") || !strings.Contains(page, `id="cancel"`) {
		t.Errorf("the queued import's page does not say it is next, or offers no cancel:\n%s", pageSnippet(page))
	}
	// Cancelling the first frees its slot, and the second runs.
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/cancel", a), nil, http.StatusOK, nil)
	if sum := s.waitFinished(t, a); sum.Status != crm.ImportCancelled {
		t.Errorf("the first import ended %s, want cancelled", sum.Status)
	}
	if sum := s.waitFinished(t, b); sum.Status != crm.ImportCompleted || sum.Created != 1 {
		t.Errorf("the queued import ended %s with %d created", sum.Status, sum.Created)
	}
}

// TestUnavailableIsNotAServerBug: a database busy past every retry answers
// 503 with a message to try again, on the API and on pages, not a generic
// 500.
func TestUnavailableIsNotAServerBug(t *testing.T) {
	e := newPageEnv(t)
	busy := fmt.Errorf("begin batch: database is locked: %w", crm.ErrUnavailable)
	req := httptest.NewRequest(http.MethodGet, "/api/v1/customers", nil)
	rec := httptest.NewRecorder()
	e.h.apiError(rec, req, busy)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"code":"unavailable"`) || rec.Header().Get("Retry-After") == "" {
		t.Errorf("API: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	e.h.pages.pageError(rec, httptest.NewRequest(http.MethodGet, "/customers", nil), tabCustomers, busy)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "Try again in a few seconds") {
		t.Errorf("page: %d %s", rec.Code, rec.Body)
	}
	if errors.Is(busy, crm.ErrInvalid) {
		t.Fatal("the test's error must be of no other kind")
	}
}
