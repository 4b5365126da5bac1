package web

import (
	"bytes"
	"context"
	"encoding/hex"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"localcrm/internal/auth"
	"localcrm/internal/crm"
)

// TestSecurityHostAllowList sends requests for another name (a DNS
// rebinding site's) with and without credentials: the server refuses each
// before anything else, and answers to loopback names and the names it was
// given.
func TestSecurityHostAllowList(t *testing.T) {
	e := newAuthEnv(t, func(d *Deps) { d.Hosts = []string{"crm.example.org", "[fd00::7]"} })
	cookie := e.session(t, mustUser(t, e.st, "admin", crm.RoleAdmin))
	token := mustToken(t, e.st, crm.RoleAdmin)
	_, port, err := net.SplitHostPort(strings.TrimPrefix(e.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	creds := []struct {
		name string
		set  func(*http.Request)
	}{
		{"nobody", func(*http.Request) {}},
		{"a session", func(r *http.Request) { r.AddCookie(cookie) }},
		{"a token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }},
	}
	paths := []string{"/customers", "/signin", "/api/v1/customers", "/api/v1/no-such-thing", "/static/style.css"}

	for _, host := range []string{"attacker.example", "attacker.example:" + port, "127.0.0.1.attacker.example", "localhost.attacker.example", "crm.example.org.attacker.example", "[fd00::8]:" + port} {
		for _, path := range paths {
			for _, c := range creds {
				req := e.request(t, http.MethodGet, path, nil)
				req.Host = host
				c.set(req)
				resp, body := e.send(t, req)
				what := "GET " + path + " for " + host + " with " + c.name
				if strings.HasPrefix(path, "/api/") {
					apiCheckError(t, what, resp, []byte(body), http.StatusMisdirectedRequest, "wrong_host")
					continue
				}
				if resp.StatusCode != http.StatusMisdirectedRequest || !strings.Contains(body, "--host") {
					t.Errorf("%s: status %d, want 421 saying how to allow the name; body: %.200s", what, resp.StatusCode, body)
				}
			}
		}
	}
	// A refused change changes nothing.
	req := e.request(t, http.MethodPost, "/api/v1/customers", nil)
	req.Host = "attacker.example"
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, body := e.send(t, req)
	apiCheckError(t, "POST for attacker.example", resp, []byte(body), http.StatusMisdirectedRequest, "wrong_host")

	for _, host := range []string{"localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port, "localhost", "app.localhost:" + port,
		"crm.example.org", "CRM.Example.ORG:8443", "[fd00::7]:" + port} {
		req := e.request(t, http.MethodGet, "/static/style.css", nil)
		req.Host = host
		if resp, body := e.send(t, req); resp.StatusCode != http.StatusOK {
			t.Errorf("GET /static/style.css for %s: status %d, want 200; body: %.200s", host, resp.StatusCode, body)
		}
		req = e.request(t, http.MethodGet, "/api/v1/customers", nil)
		req.Host = host
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, body := e.send(t, req); resp.StatusCode != http.StatusOK {
			t.Errorf("GET /api/v1/customers for %s: status %d, want 200; body: %.200s", host, resp.StatusCode, body)
		}
	}
}

// TestSecurityHeaders checks the headers every response carries: pages,
// API answers and errors, static files, the sign-in page, redirects and
// refusals alike.
func TestSecurityHeaders(t *testing.T) {
	e := newAuthEnv(t, nil)
	cookie := e.session(t, mustUser(t, e.st, "admin", crm.RoleAdmin))
	token := mustToken(t, e.st, crm.RoleViewer)
	tests := []struct {
		name, path string
		set        func(*http.Request)
		status     int
	}{
		{"a page", "/customers", func(r *http.Request) { r.AddCookie(cookie) }, http.StatusOK},
		{"a page's redirect to sign in", "/customers", func(*http.Request) {}, http.StatusSeeOther},
		{"a missing page", "/customers/99999999", func(r *http.Request) { r.AddCookie(cookie) }, http.StatusNotFound},
		{"the sign-in page", "/signin", func(*http.Request) {}, http.StatusOK},
		{"an API answer", "/api/v1/customers", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }, http.StatusOK},
		{"an API 401", "/api/v1/customers", func(*http.Request) {}, http.StatusUnauthorized},
		{"an API 403", "/api/v1/imports", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }, http.StatusForbidden},
		{"a static file", "/static/style.css", func(*http.Request) {}, http.StatusOK},
		{"a script", "/static/wizard.js", func(*http.Request) {}, http.StatusOK},
		{"a refused host", "/signin", func(r *http.Request) { r.Host = "attacker.example" }, http.StatusMisdirectedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := e.request(t, http.MethodGet, tt.path, nil)
			tt.set(req)
			resp, _ := e.send(t, req)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			checkSecurityHeaders(t, resp.Header)
		})
	}
}

func checkSecurityHeaders(t *testing.T, hd http.Header) {
	t.Helper()
	for name, want := range map[string]string{
		"X-Frame-Options":        "DENY",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "same-origin",
	} {
		if got := hd.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	csp := hd.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[strings.ToLower(name)] = value
	}
	if directives["frame-ancestors"] != "'none'" {
		t.Errorf("Content-Security-Policy %q: frame-ancestors %q, want 'none'", csp, directives["frame-ancestors"])
	}
	script, ok := directives["script-src"]
	if !ok {
		script, ok = directives["default-src"]
	}
	if !ok || strings.Contains(script, "'unsafe-inline'") || strings.Contains(script, "'unsafe-eval'") || strings.Contains(script, "*") {
		t.Errorf("Content-Security-Policy %q: scripts from %q, want only the site's own", csp, script)
	}
	if style, ok := directives["style-src"]; ok && strings.Contains(style, "'unsafe-inline'") {
		t.Errorf("Content-Security-Policy %q allows inline styles", csp)
	}
}

// Patterns of code and style in a page's markup, which the Content
// Security Policy would block and an injected tag could use.
var (
	templateScriptRE  = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script\s*>`)
	templateHandlerRE = regexp.MustCompile(`(?is)<[a-z][^>]*\son[a-z]+\s*=`)
	templateStyleRE   = regexp.MustCompile(`(?is)<[a-z][^>]*\sstyle\s*=|<style\b`)
	templateJSURLRE   = regexp.MustCompile(`(?i)javascript:`)
	scriptSrcRE       = regexp.MustCompile(`(?i)\ssrc\s*=`)
	scriptJSONRE      = regexp.MustCompile(`(?i)\stype\s*=\s*"application/json"`)
)

// templateProblems lists the inline code and style in a template's text.
func templateProblems(text string) []string {
	var out []string
	for _, m := range templateScriptRE.FindAllStringSubmatch(text, -1) {
		attrs, body := m[1], strings.TrimSpace(m[2])
		switch {
		case scriptSrcRE.MatchString(attrs) && body == "":
		case scriptJSONRE.MatchString(attrs) && !scriptSrcRE.MatchString(attrs):
		default:
			out = append(out, "inline script: "+m[0])
		}
	}
	if n := strings.Count(strings.ToLower(text), "<script"); n != len(templateScriptRE.FindAllString(text, -1)) {
		out = append(out, "a <script> tag that is not closed")
	}
	for _, re := range []*regexp.Regexp{templateHandlerRE, templateStyleRE, templateJSURLRE} {
		for _, m := range re.FindAllString(text, -1) {
			out = append(out, "inline code or style: "+m)
		}
	}
	return out
}

// TestSecurityTemplatesHaveNoInlineCode reads every page template: scripts
// come from files (or are JSON data blocks), and no tag has an event
// handler or a style attribute.
func TestSecurityTemplatesHaveNoInlineCode(t *testing.T) {
	// The checks catch what they are for.
	for _, bad := range []string{
		`<script>alert(1)</script>`,
		`<script type="module">go()</script>`,
		`<script src="/static/a.js">go()</script>`,
		`<button onclick="go()">`,
		`<body
		  onload = "go()">`,
		`<p style="color:red">`,
		`<style>p{}</style>`,
		`<a href="javascript:go()">`,
	} {
		if len(templateProblems(bad)) == 0 {
			t.Errorf("the template check misses %q", bad)
		}
	}
	for _, good := range []string{
		`<script src="/static/a.js" defer></script>`,
		`<script type="application/json" id="data">{{.Data}}</script>`,
		`<p class="hint">Click once; the onboarding = easy.</p>`,
		`<noscript><p>Needs JavaScript.</p></noscript>`,
	} {
		if p := templateProblems(good); len(p) > 0 {
			t.Errorf("the template check refuses %q: %q", good, p)
		}
	}

	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("templates: %v, %v", names, err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(templateFiles, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range templateProblems(string(b)) {
			t.Errorf("%s: %s", name, p)
		}
	}
}

// TestSecurityNoSecretsInDatabase checks that the database file and its
// write-ahead log hold no token secret, session id or password in clear,
// only the hashes.
func TestSecurityNoSecretsInDatabase(t *testing.T) {
	e := newAuthEnv(t, nil)
	ctx := context.Background()
	const wrongPassword = "Tr0ub4dor&3 is not it"
	mustUser(t, e.st, "ann", crm.RoleAgent)
	token := mustToken(t, e.st, crm.RoleViewer)
	req := e.request(t, http.MethodGet, "/api/v1/customers", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, body := e.send(t, req); resp.StatusCode != http.StatusOK {
		t.Fatalf("token use: status %d; body: %s", resp.StatusCode, body)
	}
	if resp, _ := e.signIn(t, "ann", wrongPassword); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: status %d", resp.StatusCode)
	}
	resp, _ := e.signIn(t, "ann", testPassword)
	var session string
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatalf("sign-in set no session cookie (status %d)", resp.StatusCode)
	}
	link, err := NewSetupLink(ctx, e.h.Deps)
	if err != nil {
		t.Fatal(err)
	}
	setup, _ := url.Parse(link)

	var files [][]byte
	for _, name := range []string{e.st.Path(), e.st.Path() + "-wal"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if len(files[0])+len(files[1]) == 0 {
		t.Fatal("the database files are empty")
	}
	for what, secret := range map[string]string{
		"the token's secret":       token,
		"the token without prefix": strings.TrimPrefix(token, auth.TokenPrefix),
		"the session id":           session,
		"the password":             testPassword,
		"the wrong password":       wrongPassword,
		"the setup link's secret":  setup.Query().Get("token"),
	} {
		for i, b := range files {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s is in the database %s", what, []string{"file", "WAL"}[i])
			}
		}
	}

	db := openDB(t, e.st)
	for what, q := range map[string]struct {
		query string
		arg   []byte
	}{
		"the token's hash":   {`SELECT count(*) FROM tokens WHERE secret_hash = ?`, auth.Hash(token)},
		"the session's hash": {`SELECT count(*) FROM sessions WHERE id_hash = ?`, auth.Hash(session)},
		"the setup's hash":   {`SELECT count(*) FROM setup_links WHERE secret_hash = ?`, auth.Hash(setup.Query().Get("token"))},
	} {
		var n int
		if err := db.QueryRow(q.query, q.arg).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s: %d rows, %v; want 1", what, n, err)
		}
	}
	var hash string
	if err := db.QueryRow(`SELECT password FROM users WHERE name = 'ann'`).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if ok, err := auth.CheckPassword(hash, testPassword); !strings.HasPrefix(hash, "$argon2id$") || !ok || err != nil {
		t.Errorf("the stored password %q is not the argon2id hash of the password (%v, %v)", hash, ok, err)
	}
}

// TestSecurityNoSecretsInLog runs sign-ins, token use and refusals with the
// server logging everything, and checks that no password, token or
// session id reaches the log.
func TestSecurityNoSecretsInLog(t *testing.T) {
	e := newAuthEnv(t, nil)
	ctx := context.Background()
	const wrongPassword = "Tr0ub4dor&3 is not it"
	const badToken = auth.TokenPrefix + "AAAAnotARealTokenButLongEnoughToLookLikeOne0000"
	const newPassword = "a brand new password 42"
	mustUser(t, e.st, "ann", crm.RoleAdmin)
	token := mustToken(t, e.st, crm.RoleViewer)

	hash, err := auth.HashPassword(newPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateUser(ctx, &crm.User{Name: "bob", Role: crm.RoleAgent}, hash); err != nil {
		t.Fatal(err)
	}
	e.signIn(t, "ann", wrongPassword)
	e.signIn(t, "nobody", wrongPassword)
	e.signIn(t, "bob", newPassword)
	resp, _ := e.signIn(t, "ann", testPassword)
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil {
		t.Fatal("sign-in set no session cookie")
	}
	e.get(t, "/customers", session)
	e.get(t, "/customers/99999999", session)
	for _, authz := range []string{"Bearer " + token, "Bearer " + badToken, token} {
		req := e.request(t, http.MethodGet, "/api/v1/customers", nil)
		req.Header.Set("Authorization", authz)
		e.send(t, req)
	}
	req := e.request(t, http.MethodPost, "/api/v1/customers", nil)
	req.Header.Set("Authorization", "Bearer "+token) // a viewer: 403
	e.send(t, req)
	req = e.request(t, http.MethodPost, "/signout", nil)
	req.AddCookie(session)
	e.send(t, req)

	log := e.log.String()
	for what, secret := range map[string]string{
		"a password":          testPassword,
		"a wrong password":    wrongPassword,
		"a new password":      newPassword,
		"a password hash":     hash,
		"a token":             token,
		"a token's body":      strings.TrimPrefix(token, auth.TokenPrefix),
		"a bad token":         badToken,
		"a session id":        session.Value,
		"a session id's hash": hex.EncodeToString(auth.Hash(session.Value)),
	} {
		if strings.Contains(log, secret) {
			t.Errorf("%s is in the server log:\n%s", what, log)
		}
	}
}
