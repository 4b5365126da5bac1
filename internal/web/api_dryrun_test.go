package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"localcrm/internal/importer"
)

// TestAPIDryRunProblems: the dry run groups every problem by kind with its
// count, and a group's rows download as a rejects file before the import
// starts.
func TestAPIDryRunProblems(t *testing.T) {
	s := newTestServer(t)
	var b strings.Builder
	b.WriteString("First Name,Last Name,Email\n")
	for i := range 150 {
		if i%3 == 0 {
			fmt.Fprintf(&b, "P%d,Q,p%d-at-example.com\n", i, i) // 50 bad emails
		} else {
			fmt.Fprintf(&b, "P%d,Q,p%d@example.com\n", i, i)
		}
	}
	id := s.prepare(t, []byte(b.String()), nil)
	var dry importer.Summary
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/dry-run", id), nil, http.StatusOK, &dry)
	if len(dry.Problems) != 1 || dry.Problems[0].Count != 50 || dry.Problems[0].Field != "email" || len(dry.Problems[0].Lines) != 5 {
		t.Fatalf("problems %+v, want one group of 50 bad emails", dry.Problems)
	}
	resp, body := s.request(t, http.MethodGet, fmt.Sprintf("/api/v1/imports/%d/dry-run/rejects.csv?kind=%s", id, dry.Problems[0].Kind), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "problems.csv") {
		t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
	}
	rows := strings.Split(strings.TrimSpace(string(body)), "\r\n")
	if len(rows) != 51 || !strings.HasPrefix(rows[1], "P0,Q,p0-at-example.com,") {
		t.Errorf("the group's rows: %d lines, first %q; want a header and 50", len(rows), rows[min(1, len(rows)-1)])
	}
}
