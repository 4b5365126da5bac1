package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"localcrm/internal/crm"
)

func TestAPIAudit(t *testing.T) {
	s := newTestServer(t)
	for i := range 3 {
		s.call(t, http.MethodPost, "/api/v1/customers", map[string]string{"first_name": "Ann", "last_name": fmt.Sprint("Lee", i)}, http.StatusCreated, nil)
	}
	s.call(t, http.MethodPost, "/api/v1/fields", map[string]any{"name": "tier", "label": "Tier", "type": "text"}, http.StatusCreated, nil)

	// The whole log, newest first, every entry with its fields.
	resp, b := s.request(t, http.MethodGet, "/api/v1/audit", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var page struct {
		Entries []crm.AuditEntry `json:"entries"`
		Total   int              `json:"total"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&page); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	// Five: the test server's own token, three customers, one field.
	if page.Total != 5 || len(page.Entries) != 5 {
		t.Fatalf("total %d, %d entries, want 5: %s", page.Total, len(page.Entries), b)
	}
	first := page.Entries[0]
	if first.Action != crm.AuditFieldCreated || first.Target != "field tier" || first.ActorKind != crm.ActorToken ||
		first.Actor != "token 1 (tests)" || first.Addr != "127.0.0.1" || first.At.IsZero() || first.ID == 0 {
		t.Errorf("the newest entry: %+v", first)
	}

	// Filters and paging.
	var filtered apiAuditPage
	s.call(t, http.MethodGet, "/api/v1/audit?action=customer-created&limit=2&offset=1", nil, http.StatusOK, &filtered)
	if filtered.Total != 3 || len(filtered.Entries) != 2 || filtered.Entries[0].Target == filtered.Entries[1].Target {
		t.Errorf("action, limit and offset: %+v", filtered)
	}
	for _, e := range filtered.Entries {
		if e.Action != crm.AuditCustomerAdded {
			t.Errorf("an entry of action %s", e.Action)
		}
	}
	s.call(t, http.MethodGet, "/api/v1/audit?actor=localcrm", nil, http.StatusOK, &filtered)
	if filtered.Total != 1 || filtered.Entries[0].Action != crm.AuditTokenCreated {
		t.Errorf("actor: %+v", filtered)
	}
	tomorrow := time.Now().AddDate(0, 0, 1)
	_, b = s.request(t, http.MethodGet, "/api/v1/audit?since="+tomorrow.Format(time.DateOnly), nil)
	if !bytes.Contains(b, []byte(`"entries": []`)) && !bytes.Contains(b, []byte(`"entries":[]`)) {
		t.Errorf("an empty page is not an empty list: %s", b)
	}
	s.call(t, http.MethodGet, "/api/v1/audit?since="+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), nil, http.StatusOK, &filtered)
	if filtered.Total != 5 {
		t.Errorf("since an hour ago (RFC 3339): total %d, want 5", filtered.Total)
	}

	// Bad parameters are the API's invalid error, each named.
	for param, q := range map[string]string{
		"limit":  "limit=501",
		"offset": "offset=-1",
		"action": "action=nope",
		"since":  "since=yesterday",
	} {
		d := s.fail(t, http.MethodGet, "/api/v1/audit?"+q, nil, http.StatusBadRequest, "invalid")
		if d.Fields[param] == "" {
			t.Errorf("%s: no message for %s: %+v", q, param, d)
		}
	}

	// Only admins read the log.
	manager := mustToken(t, s.Store, crm.RoleManager)
	req, _ := http.NewRequest(http.MethodGet, s.Raw+"/api/v1/audit", nil)
	req.Header.Set("Authorization", "Bearer "+manager)
	resp, b = apiSend(t, req)
	apiCheckError(t, "GET /api/v1/audit as a manager", resp, b, http.StatusForbidden, "forbidden")
}
