package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// TestAPIImportDelete: DELETE /api/v1/imports/{id} removes an import and
// its file, leaves the customers it loaded, and refuses a running import.
func TestAPIImportDelete(t *testing.T) {
	s := newTestServer(t)
	ctx := context.Background()

	pending := s.mustUpload(t, "a.csv", apiGeneratedCSV(3, 0)).ID
	path := fmt.Sprintf("/api/v1/imports/%d", pending)
	dir := filepath.Join(s.Dir, "imports", strconv.FormatInt(pending, 10))
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the upload's folder: %v", err)
	}
	s.call(t, http.MethodDelete, path, nil, http.StatusNoContent, nil)
	s.fail(t, http.MethodGet, path, nil, http.StatusNotFound, "not_found")
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the deleted import's folder is still there: %v", err)
	}
	s.fail(t, http.MethodDelete, path, nil, http.StatusNotFound, "not_found")
	s.fail(t, http.MethodDelete, "/api/v1/imports/x", nil, http.StatusNotFound, "not_found")

	done := s.prepare(t, apiGeneratedCSV(5, 0), map[string]any{"batch_size": 10})
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/start", done), nil, http.StatusAccepted, nil)
	s.waitFinished(t, done)
	s.call(t, http.MethodDelete, fmt.Sprintf("/api/v1/imports/%d", done), nil, http.StatusNoContent, nil)
	if _, n, err := s.Store.ListCustomers(ctx, store.CustomerFilter{}); err != nil || n != 5 {
		t.Errorf("after deleting the import: %d customers (%v), want the 5 it loaded", n, err)
	}

	running := s.mustUpload(t, "b.csv", apiGeneratedCSV(3, 0)).ID
	if err := s.Store.ClaimImport(ctx, running, crm.ImportPending, "other-host:1"); err != nil {
		t.Fatal(err)
	}
	e := s.fail(t, http.MethodDelete, fmt.Sprintf("/api/v1/imports/%d", running), nil, http.StatusBadRequest, "invalid")
	if !strings.Contains(e.Message, "cancel it before deleting it") {
		t.Errorf("refusal: %q", e.Message)
	}
	s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/imports/%d", running), nil, http.StatusOK, nil)
}

// TestPageImportDelete: the Imports list and an import's page offer
// Delete, which asks first; the customers stay; a running import cannot
// be deleted. Pending imports in the list say how long they have waited.
func TestPageImportDelete(t *testing.T) {
	e := newPageEnv(t)
	ctx := context.Background()

	imp := e.pageImport(t, pageImportCSV)
	path := fmt.Sprintf("/imports/%d", imp.ID)
	e.get(t, "/imports").want(t, http.StatusOK, `<span class="age">uploaded just now</span>`,
		fmt.Sprintf(`href="%s/delete" aria-label="Delete import %d">Delete</a>`, path, imp.ID))
	e.get(t, path).want(t, http.StatusOK, fmt.Sprintf(`id="delete" href="%s/delete"`, path))
	e.get(t, path+"/delete").want(t, http.StatusOK, fmt.Sprintf("Delete import #%d (people.csv)?", imp.ID), "It was never started",
		fmt.Sprintf(`action="%s/delete"`, path), fmt.Sprintf("Delete import #%d</button>", imp.ID), "Keep it")
	loc := e.post(t, path+"/delete", nil).redirect(t, "/imports")
	e.get(t, loc).want(t, http.StatusOK, fmt.Sprintf("Import #%d (people.csv) was deleted. The customers it loaded stay.", imp.ID))
	e.get(t, path).want(t, http.StatusNotFound)
	e.post(t, path+"/delete", nil).want(t, http.StatusNotFound)

	imp = e.runImport(t, e.pageImport(t, pageImportCSV).ID)
	path = fmt.Sprintf("/imports/%d", imp.ID)
	if r := e.get(t, "/imports"); strings.Contains(r.Body, `class="age"`) {
		t.Error("a finished import is shown with its age")
	}
	e.get(t, path+"/delete").want(t, http.StatusOK, "The customers it created or updated stay as they are.")
	e.post(t, path+"/delete", nil).redirect(t, "/imports")
	if _, n, err := e.st.ListCustomers(ctx, store.CustomerFilter{}); err != nil || n != 2 {
		t.Errorf("after deleting the import: %d customers (%v), want the 2 it loaded", n, err)
	}

	imp = e.pageImport(t, pageImportCSV)
	path = fmt.Sprintf("/imports/%d", imp.ID)
	if err := e.st.ClaimImport(ctx, imp.ID, crm.ImportPending, "other-host:1"); err != nil {
		t.Fatal(err)
	}
	if r := e.get(t, path); strings.Contains(r.Body, `id="delete"`) {
		t.Error("a running import's page offers Delete")
	}
	if r := e.get(t, "/imports"); strings.Contains(r.Body, fmt.Sprintf(`aria-label="Delete import %d"`, imp.ID)) {
		t.Error("the list offers to delete a running import")
	}
	e.get(t, path+"/delete").want(t, http.StatusConflict, "is running; cancel it before deleting it.")
	e.post(t, path+"/delete", nil).want(t, http.StatusConflict, "is running; cancel it before deleting it.")
	if _, err := e.im.Get(ctx, imp.ID); err != nil {
		t.Errorf("the running import: %v", err)
	}
}

func TestPageAgo(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "just now"},
		{59 * time.Second, "just now"},
		{time.Minute, "1 minute ago"},
		{59 * time.Minute, "59 minutes ago"},
		{time.Hour, "1 hour ago"},
		{23*time.Hour + 59*time.Minute, "23 hours ago"},
		{24 * time.Hour, "1 day ago"},
		{3*24*time.Hour + 5*time.Hour, "3 days ago"},
	}
	for _, tt := range tests {
		if got := pageAgo(tt.d); got != tt.want {
			t.Errorf("pageAgo(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
