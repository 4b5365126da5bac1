package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"localcrm/internal/crm"
)

// apiAuditPage is the response of GET /api/v1/audit.
type apiAuditPage struct {
	Entries []crm.AuditEntry `json:"entries"` // newest first
	Total   int              `json:"total"`   // entries matching the filters, in all
	Limit   int              `json:"limit"`
	Offset  int              `json:"offset"`
}

// apiAuditList reads the audit log, filtered by actor, action and since
// (RFC 3339, or YYYY-MM-DD for the start of that day in the server's zone),
// a page at a time.
func (h *Handler) apiAuditList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v crm.ValidationError
	f := crm.AuditFilter{
		Actor:  strings.TrimSpace(q.Get("actor")),
		Limit:  apiIntParam(&v, q.Get("limit"), "limit", apiDefaultLimit, 1, apiMaxLimit),
		Offset: apiIntParam(&v, q.Get("offset"), "offset", 0, 0, -1),
	}
	if s := q.Get("action"); s != "" {
		a, err := crm.ParseAuditAction(s)
		var ve *crm.ValidationError
		if errors.As(err, &ve) {
			v.Problems = append(v.Problems, ve.Problems...)
		}
		f.Action = a
	}
	if s := strings.TrimSpace(q.Get("since")); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			var ok bool
			if t, ok = auditDate(s); !ok {
				v.Add("since", s, "since must be a time such as 2025-01-31T09:00:00Z or a date such as 2025-01-31.")
			}
		}
		f.Since = t
	}
	if err := v.Err(); err != nil {
		return err
	}
	entries, total, err := h.Store.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []crm.AuditEntry{} // [] rather than null, for scripts
	}
	apiWriteJSON(w, http.StatusOK, apiAuditPage{Entries: entries, Total: total, Limit: f.Limit, Offset: f.Offset})
	return nil
}
