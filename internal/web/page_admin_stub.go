package web

import "net/http"

// Placeholders for the admin pages, replaced by page_users.go,
// page_tokens.go and page_audit.go.
func (p *pages) userList(w http.ResponseWriter, r *http.Request)   { http.NotFound(w, r) }
func (p *pages) userCreate(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (p *pages) userChange(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (p *pages) tokenList(w http.ResponseWriter, r *http.Request)  { http.NotFound(w, r) }
func (p *pages) tokenCreate(w http.ResponseWriter, r *http.Request) {
	http.NotFound(w, r)
}
func (p *pages) tokenRevoke(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (p *pages) auditList(w http.ResponseWriter, r *http.Request)   { http.NotFound(w, r) }
func (h *Handler) apiAuditList(w http.ResponseWriter, r *http.Request) error {
	http.NotFound(w, r)
	return nil
}
