package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"localcrm/internal/auth"
	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// browserClient is a client that, like a test of Post/Redirect/Get, sees
// the redirect instead of following it.
var browserClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// pageSession signs a new admin in on the test server and returns the
// session cookie.
func (s *apiTestServer) pageSession(t *testing.T, name string) *http.Cookie {
	t.Helper()
	u := mustUser(t, s.Store, name, crm.RoleAdmin)
	id, err := auth.NewSecret("")
	if err != nil {
		t.Fatal(err)
	}
	limits := store.SessionLimits{Idle: DefaultSessionIdle, Max: DefaultSessionMax}
	if err := s.Store.CreateSession(context.Background(), auth.Hash(id), u, limits); err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: sessionCookie, Value: id}
}

// page sends a page request over HTTP to the test server as is (Raw),
// with the cookie and, for a POST, the form.
func (s *apiTestServer) page(t *testing.T, c *http.Cookie, method, path string, form url.Values, more ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.Raw+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range append([]*http.Cookie{c}, more...) {
		if c != nil {
			req.AddCookie(c)
		}
	}
	resp, err := browserClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// bearerStatus calls GET /api/v1/customers with the secret, and nothing
// else, and returns the status.
func (s *apiTestServer) bearerStatus(t *testing.T, secret string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.Raw+"/api/v1/customers", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, _ := apiSend(t, req)
	return resp.StatusCode
}

var tokenSecretRE = regexp.MustCompile(regexp.QuoteMeta(auth.TokenPrefix) + `[A-Za-z0-9_-]{43}`)

func TestPageTokens(t *testing.T) {
	s := newTestServer(t)
	admin := s.pageSession(t, "admin")

	resp, body := s.page(t, admin, http.MethodGet, "/tokens", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `aria-current="page">API tokens`) || !strings.Contains(body, `href="/users"`) ||
		!strings.Contains(body, `<td data-label="Name">tests</td>`) {
		t.Fatalf("GET /tokens: %d\n%s", resp.StatusCode, pageSnippet(body))
	}
	if tokenSecretRE.MatchString(body) {
		t.Error("the list shows a secret")
	}

	// A refused form says what is wrong with each choice.
	resp, body = s.page(t, admin, http.MethodPost, "/tokens", url.Values{"name": {""}, "role": {"boss"}, "expiry": {"forever"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a bad token form: status %d", resp.StatusCode)
	}
	for _, want := range []string{`id="err-name">Name the token`, `id="err-role">The role must be one of`, `id="err-expiry">Choose when`} {
		if !strings.Contains(body, want) {
			t.Errorf("the refused form lacks %q", want)
		}
	}

	// The secret is in the response that made the token, and only there.
	resp, body = s.page(t, admin, http.MethodPost, "/tokens", url.Values{"name": {"nightly export"}, "role": {"viewer"}, "expiry": {"30d"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create a token: status %d\n%s", resp.StatusCode, pageSnippet(body))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	if !strings.Contains(body, "Copy it now: it is not shown again.") {
		t.Error("the page does not say the secret is shown once")
	}
	secrets := tokenSecretRE.FindAllString(body, -1)
	if len(secrets) != 1 {
		t.Fatalf("the page shows %d secrets, want 1", len(secrets))
	}
	secret := secrets[0]
	var id int64
	tokens, err := s.Store.ListTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tokens {
		if tk.Name == "nightly export" {
			id = tk.ID
			if tk.Role != crm.RoleViewer || tk.CreatedBy != "admin" || tk.ExpiresAt.IsZero() {
				t.Errorf("the token is %+v", tk)
			}
		}
	}
	if id == 0 {
		t.Fatal("the token is not in the store")
	}

	// It works as a script would use it, with its own role.
	if got := s.bearerStatus(t, secret); got != http.StatusOK {
		t.Fatalf("GET /api/v1/customers with the new token: %d, want 200", got)
	}
	req, _ := http.NewRequest(http.MethodPost, s.Raw+"/api/v1/customers", strings.NewReader(`{"first_name":"A","last_name":"B"}`))
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	if r, _ := apiSend(t, req); r.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer token creates a customer: %d, want 403", r.StatusCode)
	}

	// The list never shows it again, but shows the token and its use.
	_, body = s.page(t, admin, http.MethodGet, "/tokens", nil)
	if strings.Contains(body, secret) || tokenSecretRE.MatchString(body) {
		t.Error("/tokens shows the secret after it was made")
	}
	row := tableRow(t, body, fmt.Sprintf(`id="token-%d"`, id))
	for _, want := range []string{"nightly export", ">viewer<", ">admin<", "status-active", "Revoke"} {
		if !strings.Contains(row, want) {
			t.Errorf("the token's row lacks %q:\n%s", want, row)
		}
	}
	if strings.Contains(row, `data-label="Last used" class="when">never`) || strings.Contains(row, `data-label="Expires" class="when">never`) {
		t.Errorf("the row says never used or never expiring:\n%s", row)
	}

	// Revoked, it stops working at once.
	resp, _ = s.page(t, admin, http.MethodPost, fmt.Sprintf("/tokens/%d/revoke", id), url.Values{})
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/tokens" {
		t.Fatalf("revoke: %d to %q", resp.StatusCode, loc)
	}
	if got := s.bearerStatus(t, secret); got != http.StatusUnauthorized {
		t.Errorf("the revoked token gets %d, want 401", got)
	}
	flash := pageFlashCookie(resp)
	_, body = s.page(t, admin, http.MethodGet, "/tokens", nil, flash)
	if !strings.Contains(body, fmt.Sprintf("Token %d was revoked", id)) {
		t.Error("no flash after revoking")
	}
	row = tableRow(t, body, fmt.Sprintf(`id="token-%d"`, id))
	if !strings.Contains(row, "status-revoked") || strings.Contains(row, "Revoke</button>") {
		t.Errorf("the revoked token's row:\n%s", row)
	}
	if resp, _ = s.page(t, admin, http.MethodPost, fmt.Sprintf("/tokens/%d/revoke", id), url.Values{}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("revoking twice: %d, want 404", resp.StatusCode)
	}
	// The address cannot make the page say a token was revoked.
	_, body = s.page(t, admin, http.MethodGet, "/tokens?done=revoked&token=1", nil)
	if strings.Contains(body, "was revoked") {
		t.Error("the page says what its address says")
	}
}

// tableRow returns the table row that holds marker.
func tableRow(t *testing.T, body, marker string) string {
	t.Helper()
	i := strings.Index(body, marker)
	if i < 0 {
		t.Fatalf("no row %s in:\n%s", marker, pageSnippet(body))
	}
	row := body[i:]
	if j := strings.Index(row, "</tr>"); j >= 0 {
		row = row[:j]
	}
	return row
}
