package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"localcrm/internal/crm"
	"localcrm/internal/importer"
)

// TestAPIImportRevert: the dry run says what a revert would do, the revert
// runs in the background and is shown on the import, the customers are as
// before the import, its report downloads, and a second revert, or one of
// an import that never ran, is refused with the reason.
func TestAPIImportRevert(t *testing.T) {
	s := newTestServer(t)
	s.call(t, http.MethodPost, "/api/v1/customers", map[string]string{"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"}, http.StatusCreated, nil)
	id := s.prepare(t, []byte("First Name,Last Name,Email\nAnn,Changed,ann@example.com\nBo,New,bo@example.com\n"), map[string]any{"on_duplicate": "update"})
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/start", id), nil, http.StatusAccepted, nil)
	s.waitFinished(t, id)
	path := fmt.Sprintf("/api/v1/imports/%d/revert", id)

	var preview importer.RevertPreview
	s.call(t, http.MethodPost, path, map[string]any{"dry_run": true}, http.StatusOK, &preview)
	if preview.Counts != (crm.RevertCounts{Deleted: 1, Restored: 1}) {
		t.Errorf("dry run %+v, want Bo deleted and Ann restored", preview.Counts)
	}
	s.fail(t, http.MethodPost, path, map[string]any{"dryrun": true}, http.StatusBadRequest, "invalid")

	var began importer.Summary
	resp := s.call(t, http.MethodPost, path, nil, http.StatusAccepted, &began)
	if began.Revert == nil || resp.Header.Get("Location") != fmt.Sprintf("/api/v1/imports/%d", id) {
		t.Fatalf("revert answered %+v, Location %q; want the import with its revert", began, resp.Header.Get("Location"))
	}
	sum := s.waitImport(t, id, "reverted", func(s importer.Summary) bool {
		return s.Revert != nil && s.Revert.Status == crm.RevertCompleted
	})
	if sum.Revert.Deleted != 1 || sum.Revert.Restored != 1 || sum.Revert.CreatedBy == "" {
		t.Errorf("revert %+v, want 1 deleted, 1 restored, and who", sum.Revert)
	}
	var list struct {
		Customers []map[string]any `json:"customers"`
	}
	s.call(t, http.MethodGet, "/api/v1/customers", nil, http.StatusOK, &list)
	if len(list.Customers) != 1 || list.Customers[0]["last_name"] != "Lee" {
		t.Errorf("customers after the revert: %v, want Ann Lee alone", list.Customers)
	}

	resp, body := s.request(t, http.MethodGet, path+".csv", nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "line,account_number,action,reason\r\n2,10000000,restored,") {
		t.Errorf("revert report: %d %q", resp.StatusCode, body)
	}
	e := s.fail(t, http.MethodPost, path, nil, http.StatusConflict, "conflict")
	if !strings.Contains(e.Message, "an import is reverted once") {
		t.Errorf("second revert: %q", e.Message)
	}

	pending := s.mustUpload(t, "never.csv", []byte("First Name,Last Name\nCy,Po\n")).ID
	e = s.fail(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/revert", pending), map[string]any{"dry_run": true}, http.StatusConflict, "conflict")
	if !strings.Contains(e.Message, "never ran") {
		t.Errorf("dry run of a pending import: %q", e.Message)
	}
	e = s.fail(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/revert", pending), nil, http.StatusConflict, "conflict")
	if !strings.Contains(e.Message, "never ran") {
		t.Errorf("revert of a pending import: %q", e.Message)
	}
	resp, body = s.request(t, http.MethodGet, fmt.Sprintf("/api/v1/imports/%d/revert.csv", pending), nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("report of a revert that never was: %d %s", resp.StatusCode, body)
	}
}
