package web

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"localcrm/internal/auth"
	"localcrm/internal/crm"
	"localcrm/internal/importer"
	"localcrm/internal/store"
)

// authEnv is the whole site on a real SQLite file, served over real HTTP
// as it is: nobody is signed in and no user exists unless a test makes one.
type authEnv struct {
	h      *Handler
	st     *store.Store
	srv    *httptest.Server
	client *http.Client   // follows no redirect, so that tests see where one leads
	log    *apiSyncBuffer // the server's log, every level
}

// newAuthEnv starts a server on a new database; configure (when not nil)
// may change the dependencies before the handler is built.
func newAuthEnv(t *testing.T, configure func(*Deps)) *authEnv {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "localcrm.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	buf := &apiSyncBuffer{}
	log := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	im := importer.New(st, dir)
	run := importer.NewRunner(im, log)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = run.Shutdown(ctx)
	})
	d := Deps{Store: st, Importer: im, Runner: run, Log: log}
	if configure != nil {
		configure(&d)
	}
	e := &authEnv{h: New(d), st: st, log: buf}
	e.srv = httptest.NewServer(e.h)
	t.Cleanup(e.srv.Close)
	e.client = noRedirects(e.srv.Client())
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", buf.String())
		}
	})
	return e
}

// noRedirects makes c return a redirect instead of following it.
func noRedirects(c *http.Client) *http.Client {
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Timeout = time.Minute
	return c
}

// request builds a request for the test server: a form body when form is
// not nil, and same-origin, as a browser sends from localcrm's own pages.
func (e *authEnv) request(t *testing.T, method, path string, form url.Values) *http.Request {
	t.Helper()
	return newSiteRequest(t, e.srv.URL, method, path, form)
}

func newSiteRequest(t *testing.T, base, method, path string, form url.Values) *http.Request {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return req
}

// send sends req and returns the response with its body read.
func (e *authEnv) send(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	return sendWith(t, e.client, req)
}

func sendWith(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read response: %v", req.Method, req.URL.Path, err)
	}
	return resp, string(b)
}

// get sends a GET with the cookie (none when nil).
func (e *authEnv) get(t *testing.T, path string, cookie *http.Cookie) (*http.Response, string) {
	t.Helper()
	req := e.request(t, http.MethodGet, path, nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return e.send(t, req)
}

// signIn posts the sign-in form as a browser at the test server would.
func (e *authEnv) signIn(t *testing.T, name, password string) (*http.Response, string) {
	t.Helper()
	return e.send(t, e.request(t, http.MethodPost, "/signin", url.Values{"name": {name}, "password": {password}}))
}

// session returns the cookie of a new session of u, as signing in over
// plain HTTP would give it.
func (e *authEnv) session(t *testing.T, u *crm.User) *http.Cookie {
	t.Helper()
	id, err := auth.NewSecret("")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateSession(context.Background(), auth.Hash(id), u, e.h.Sessions); err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: sessionCookie, Value: id}
}

// openDB opens the store's file beside the store, as someone with a SQL
// shell would, to age rows and read what is kept.
func openDB(t *testing.T, st *store.Store) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+st.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// sqlTime is a time as the store keeps it.
func sqlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// sessionRows counts the sessions kept under the hash of the cookie's id.
func sessionRows(t *testing.T, db *sql.DB, c *http.Cookie) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sessions WHERE id_hash = ?`, auth.Hash(c.Value)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantSignIn checks that a page request was sent to the sign-in page.
func wantSignIn(t *testing.T, what string, resp *http.Response, body string) {
	t.Helper()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !isSignInRedirect(loc) {
		t.Fatalf("%s: status %d to %q, want 303 to /signin; body: %s", what, resp.StatusCode, loc, pageSnippet(body))
	}
}

// isSignInRedirect reports whether loc is where require sends a caller who
// is not signed in. Sign-out leads to /signin too, but with its flash
// cookie: see flashLess.
func isSignInRedirect(loc string) bool {
	return loc == "/signin" || strings.HasPrefix(loc, "/signin?next=")
}

// walkValues are the values the route walk puts in a pattern's wildcards.
type walkValues struct {
	account   string // a customer's account number
	field     string // a custom field's key
	user      string // a user name
	id        string // an import's or a token's ID
	signinFor string // the user the walk signs in as on POST /signin
}

// walkRequest turns a route pattern into a concrete method and path that
// the pattern serves.
func walkRequest(pattern string, v walkValues) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = http.MethodGet, pattern
	}
	path = strings.TrimSuffix(path, "{$}")
	switch {
	case path == "/api/v1/":
		path += "no-such-thing"
	case path == "/static/":
		path += "style.css"
	}
	name := v.field
	if strings.HasPrefix(path, "/users/") {
		name = v.user
	}
	return method, strings.NewReplacer(
		"{id}", v.id,
		"{account}", v.account,
		"{account_number}", v.account,
		"{name}", name,
	).Replace(path)
}

// TestAuthRouteWalk walks every route of the table with callers of every
// role and nobody: whoever is not signed in is sent to sign in (or gets
// 401 from the API), a role below the route's need gets 403, and a role at
// or above it passes the auth layer, whatever the handler then does with
// the request.
func TestAuthRouteWalk(t *testing.T) {
	e := newAuthEnv(t, nil)
	ctx := context.Background()
	tokens := map[crm.Role]string{}
	users := map[crm.Role]*crm.User{}
	for _, role := range crm.Roles {
		users[role] = mustUser(t, e.st, "walk-"+string(role), role)
		tokens[role] = mustToken(t, e.st, role)
	}
	c := &crm.Customer{}
	c.Set(crm.KeyFirstName, "Ann")
	c.Set(crm.KeyLastName, "Lee")
	if err := e.st.CreateCustomer(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateField(ctx, &crm.Field{Key: "tier", Label: "Tier", Type: crm.TypeText}); err != nil {
		t.Fatal(err)
	}
	v := walkValues{account: strconv.FormatInt(c.AccountNumber, 10), field: "tier", user: "nobody-here", id: "4242", signinFor: users[crm.RoleViewer].Name}

	if len(e.h.routes) == 0 {
		t.Fatal("the handler has no routes")
	}
	seen := map[string]bool{}
	for _, rt := range e.h.routes {
		if seen[rt.pattern] {
			t.Errorf("the route table lists %q twice", rt.pattern)
		}
		seen[rt.pattern] = true
		if rt.need != anyone && !slices.Contains(crm.Roles, rt.need) {
			t.Errorf("route %q needs %q, which is no role", rt.pattern, rt.need)
		}
		if rt.handler == nil {
			t.Errorf("route %q has no handler", rt.pattern)
		}
	}

	for _, rt := range e.h.routes {
		method, path := walkRequest(rt.pattern, v)
		isAPI := strings.HasPrefix(path, "/api/")
		t.Run(rt.pattern, func(t *testing.T) {
			// The request is one that this route, and no other, serves.
			if _, got := e.h.mux.Handler(httptest.NewRequest(method, path, nil)); got != rt.pattern {
				t.Fatalf("%s %s reaches the route %q, not %q", method, path, got, rt.pattern)
			}
			build := func() *http.Request {
				var req *http.Request
				switch {
				case rt.pattern == "POST /signin":
					req = e.request(t, method, path, url.Values{"name": {v.signinFor}, "password": {testPassword}})
				case isAPI && (method == http.MethodPost || method == http.MethodPut):
					r, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader("{}"))
					if err != nil {
						t.Fatal(err)
					}
					r.Header.Set("Content-Type", "application/json")
					r.Header.Set("Sec-Fetch-Site", "same-origin")
					req = r
				case method == http.MethodPost:
					req = e.request(t, method, path, url.Values{})
				default:
					req = e.request(t, method, path, nil)
				}
				return req
			}
			what := func(who string) string { return fmt.Sprintf("%s %s as %s", method, path, who) }

			// Nobody signed in.
			resp, body := e.send(t, build())
			switch {
			case rt.need == anyone:
				if s := resp.StatusCode; s == http.StatusUnauthorized || s == http.StatusForbidden || s == http.StatusMisdirectedRequest ||
					s == http.StatusSeeOther && isSignInRedirect(resp.Header.Get("Location")) {
					t.Errorf("%s: status %d (to %q), want the route open to all", what("anonymous"), s, resp.Header.Get("Location"))
				}
			case isAPI:
				apiCheckError(t, what("anonymous"), resp, []byte(body), http.StatusUnauthorized, "unauthenticated")
				if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s: WWW-Authenticate %q, want a Bearer challenge", what("anonymous"), resp.Header.Get("WWW-Authenticate"))
				}
			default:
				wantSignIn(t, what("anonymous"), resp, body)
				if method == http.MethodGet && path != "/" {
					if want := "/signin?next=" + url.QueryEscape(path); resp.Header.Get("Location") != want {
						t.Errorf("%s: redirect to %q, want %q", what("anonymous"), resp.Header.Get("Location"), want)
					}
				}
			}

			// Every role, from the least able up, so that what an able
			// role changes (a delete) comes after the refusals.
			for _, role := range crm.Roles {
				req := build()
				if isAPI {
					req.Header.Set("Authorization", "Bearer "+tokens[role])
				} else {
					req.AddCookie(e.session(t, users[role]))
				}
				resp, body := e.send(t, req)
				s, loc := resp.StatusCode, resp.Header.Get("Location")
				switch {
				case !role.Allows(rt.need) && isAPI:
					apiCheckError(t, what(string(role)), resp, []byte(body), http.StatusForbidden, "forbidden")
				case !role.Allows(rt.need):
					if s != http.StatusForbidden {
						t.Errorf("%s: status %d (to %q), want 403", what(string(role)), s, loc)
					}
				case s == http.StatusUnauthorized || s == http.StatusForbidden || s == http.StatusMisdirectedRequest:
					t.Errorf("%s: status %d, want the route to let %s in; body: %s", what(string(role)), s, role, pageSnippet(body))
				case s == http.StatusSeeOther && isSignInRedirect(loc) && flashLess(resp):
					t.Errorf("%s: sent to sign in (%q), want the route to let %s in", what(string(role)), loc, role)
				case s >= 500:
					// The handler's business, not the auth layer's; worth a look.
					t.Logf("%s: status %d; body: %s", what(string(role)), s, pageSnippet(body))
				}
			}
		})
	}
}

// wantNeeds is who may use each route, written out a second time on
// purpose: the walk checks that the auth layer enforces the table, and
// this checks the table itself, so that a route added, or a role lowered,
// without a second look here fails.
var wantNeeds = map[string]crm.Role{
	"GET /api/v1/customers":                        crm.RoleViewer,
	"POST /api/v1/customers":                       crm.RoleAgent,
	"GET /api/v1/customers/{account_number}":       crm.RoleViewer,
	"PUT /api/v1/customers/{account_number}":       crm.RoleAgent,
	"DELETE /api/v1/customers/{account_number}":    crm.RoleManager,
	"GET /api/v1/customers/export":                 crm.RoleManager,
	"GET /api/v1/customers/lookup":                 crm.RoleViewer,
	"GET /api/v1/settings":                         crm.RoleViewer,
	"PUT /api/v1/settings":                         crm.RoleAdmin,
	"POST /settings":                               crm.RoleAdmin,
	"GET /api/v1/fields":                           crm.RoleViewer,
	"POST /api/v1/fields":                          crm.RoleAdmin,
	"PUT /api/v1/fields/{name}":                    crm.RoleAdmin,
	"DELETE /api/v1/fields/{name}":                 crm.RoleAdmin,
	"GET /api/v1/imports":                          crm.RoleManager,
	"POST /api/v1/imports":                         crm.RoleManager,
	"GET /api/v1/imports/{id}":                     crm.RoleManager,
	"DELETE /api/v1/imports/{id}":                  crm.RoleManager,
	"PUT /api/v1/imports/{id}/mapping":             crm.RoleManager,
	"POST /api/v1/imports/{id}/dry-run":            crm.RoleManager,
	"GET /api/v1/imports/{id}/dry-run/rejects.csv": crm.RoleManager,
	"GET /api/v1/imports/{id}/values":              crm.RoleManager,
	"POST /api/v1/imports/{id}/start":              crm.RoleManager,
	"POST /api/v1/imports/{id}/cancel":             crm.RoleManager,
	"POST /api/v1/imports/{id}/resume":             crm.RoleManager,
	"GET /api/v1/imports/{id}/report.csv":          crm.RoleManager,
	"GET /api/v1/imports/{id}/rejects.csv":         crm.RoleManager,
	"GET /api/v1/imports/{id}/report.json":         crm.RoleManager,
	"GET /api/v1/imports/{id}/events":              crm.RoleManager,
	"POST /api/v1/imports/{id}/revert":             crm.RoleManager,
	"GET /api/v1/imports/{id}/revert.csv":          crm.RoleManager,
	"GET /api/v1/templates":                        crm.RoleManager,
	"POST /api/v1/templates":                       crm.RoleManager,
	"DELETE /api/v1/templates/{name}":              crm.RoleManager,
	"POST /api/v1/imports/{id}/template":           crm.RoleManager,
	"GET /api/v1/audit":                            crm.RoleAdmin,
	"/api/v1/":                                     crm.RoleViewer,
	"GET /healthz":                                 anyone,
	"GET /static/":                                 anyone,
	"GET /{$}":                                     anyone,
	"GET /signin":                                  anyone,
	"POST /signin":                                 anyone,
	"POST /signout":                                crm.RoleViewer,
	"GET /password":                                crm.RoleViewer,
	"POST /password":                               crm.RoleViewer,
	"GET /setup":                                   anyone,
	"POST /setup":                                  anyone,
	"GET /customers":                               crm.RoleViewer,
	"GET /customers/new":                           crm.RoleAgent,
	"POST /customers":                              crm.RoleAgent,
	"GET /customers/{account}":                     crm.RoleViewer,
	"POST /customers/{account}":                    crm.RoleAgent,
	"GET /customers/{account}/delete":              crm.RoleManager,
	"POST /customers/{account}/delete":             crm.RoleManager,
	"GET /fields":                                  crm.RoleViewer,
	"GET /fields/new":                              crm.RoleAdmin,
	"POST /fields":                                 crm.RoleAdmin,
	"GET /fields/{name}":                           crm.RoleAdmin,
	"POST /fields/{name}":                          crm.RoleAdmin,
	"POST /fields/{name}/values":                   crm.RoleAdmin,
	"GET /fields/{name}/delete":                    crm.RoleAdmin,
	"POST /fields/{name}/delete":                   crm.RoleAdmin,
	"GET /imports":                                 crm.RoleManager,
	"GET /imports/new":                             crm.RoleManager,
	"GET /imports/{id}":                            crm.RoleManager,
	"GET /imports/{id}/cancel":                     crm.RoleManager,
	"POST /imports/{id}/cancel":                    crm.RoleManager,
	"POST /imports/{id}/resume":                    crm.RoleManager,
	"GET /imports/{id}/delete":                     crm.RoleManager,
	"GET /imports/{id}/revert":                     crm.RoleManager,
	"POST /imports/{id}/revert":                    crm.RoleManager,
	"POST /imports/{id}/delete":                    crm.RoleManager,
	"GET /users":                                   crm.RoleAdmin,
	"POST /users":                                  crm.RoleAdmin,
	"POST /users/{name}":                           crm.RoleAdmin,
	"GET /tokens":                                  crm.RoleAdmin,
	"POST /tokens":                                 crm.RoleAdmin,
	"POST /tokens/{id}/revoke":                     crm.RoleAdmin,
	"GET /audit":                                   crm.RoleAdmin,
}

// TestAuthRouteTableNeeds compares the handler's route table with
// wantNeeds, both ways.
func TestAuthRouteTableNeeds(t *testing.T) {
	e := newAuthEnv(t, nil)
	inTable := map[string]bool{}
	for _, rt := range e.h.routes {
		inTable[rt.pattern] = true
		want, ok := wantNeeds[rt.pattern]
		switch {
		case !ok:
			t.Errorf("route %q (needs %q) is not in wantNeeds: add it there once its role is agreed", rt.pattern, rt.need)
		case rt.need != want:
			t.Errorf("route %q needs %q, want %q", rt.pattern, rt.need, want)
		}
	}
	for pattern := range wantNeeds {
		if !inTable[pattern] {
			t.Errorf("route %q is in wantNeeds but not in the route table", pattern)
		}
	}
}

// TestAuthUnroutedAPIPathsNeedSignIn checks that the API's catch-all makes
// every path under /api/v1/ ask for a token first: an unknown path or a
// method no route takes says nothing to a caller who is not signed in.
func TestAuthUnroutedAPIPathsNeedSignIn(t *testing.T) {
	e := newAuthEnv(t, nil)
	viewer := mustToken(t, e.st, crm.RoleViewer)
	tests := []struct {
		method, path string
		signedIn     int // the status for a viewer's token
	}{
		{http.MethodGet, "/api/v1/contacts", http.StatusNotFound},
		{http.MethodGet, "/api/v1/customers/10000000/notes", http.StatusNotFound},
		{http.MethodPatch, "/api/v1/customers", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/api/v1/fields", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		resp, body := e.send(t, e.request(t, tt.method, tt.path, nil))
		apiCheckError(t, tt.method+" "+tt.path+" anonymous", resp, []byte(body), http.StatusUnauthorized, "unauthenticated")

		req := e.request(t, tt.method, tt.path, nil)
		req.Header.Set("Authorization", "Bearer "+viewer)
		if resp, body := e.send(t, req); resp.StatusCode != tt.signedIn {
			t.Errorf("%s %s as a viewer: status %d, want %d; body: %s", tt.method, tt.path, resp.StatusCode, tt.signedIn, body)
		}
	}
	// A header that is not a Bearer token, or a token nobody made, is nobody.
	// So is a real token sent without "Bearer ".
	for _, authz := range []string{"Basic YWRtaW46YWRtaW4=", "Bearer lcrm_not-a-token", "Bearer", viewer} {
		req := e.request(t, http.MethodGet, "/api/v1/customers", nil)
		req.Header.Set("Authorization", authz)
		resp, body := e.send(t, req)
		apiCheckError(t, "Authorization: "+authz, resp, []byte(body), http.StatusUnauthorized, "unauthenticated")
	}
}

// TestAuthCookieFlags signs in through the form and checks the session
// cookie: HttpOnly, SameSite=Lax, Path=/, and Secure with the __Host-
// prefix exactly when the browser reached the server over HTTPS.
func TestAuthCookieFlags(t *testing.T) {
	tests := []struct {
		name        string
		tls         bool
		behindProxy bool
		forwarded   string // X-Forwarded-Proto sent
		cookie      string
		secure      bool
	}{
		{name: "plain HTTP", cookie: "localcrm_session"},
		{name: "TLS", tls: true, cookie: "__Host-localcrm_session", secure: true},
		{name: "behind a TLS proxy", behindProxy: true, forwarded: "https", cookie: "__Host-localcrm_session", secure: true},
		{name: "behind a proxy over HTTP", behindProxy: true, forwarded: "http", cookie: "localcrm_session"},
		{name: "X-Forwarded-Proto without a proxy is not believed", forwarded: "https", cookie: "localcrm_session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAuthEnv(t, func(d *Deps) { d.BehindProxy = tt.behindProxy })
			mustUser(t, e.st, "ann", crm.RoleViewer)
			base, client := e.srv.URL, e.client
			if tt.tls {
				srv := httptest.NewTLSServer(e.h)
				t.Cleanup(srv.Close)
				base, client = srv.URL, noRedirects(srv.Client())
			}
			send := func(method, path string, form url.Values, c *http.Cookie) (*http.Response, string) {
				t.Helper()
				req := newSiteRequest(t, base, method, path, form)
				if tt.forwarded != "" {
					req.Header.Set("X-Forwarded-Proto", tt.forwarded)
				}
				if c != nil {
					req.AddCookie(c)
				}
				return sendWith(t, client, req)
			}

			resp, body := send(http.MethodPost, "/signin", url.Values{"name": {"ann"}, "password": {testPassword}}, nil)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/customers" {
				t.Fatalf("sign in: status %d to %q; body: %s", resp.StatusCode, resp.Header.Get("Location"), pageSnippet(body))
			}
			var c *http.Cookie
			for _, x := range resp.Cookies() {
				if strings.Contains(x.Name, "localcrm_session") {
					if c != nil {
						t.Errorf("two session cookies: %s and %s", c.Name, x.Name)
					}
					c = x
				}
			}
			if c == nil {
				t.Fatalf("no session cookie; Set-Cookie: %q", resp.Header.Values("Set-Cookie"))
			}
			if c.Name != tt.cookie || c.Secure != tt.secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.MaxAge <= 0 {
				t.Errorf("cookie %s (Secure %v, HttpOnly %v, SameSite %v, Path %q, Domain %q, Max-Age %d); want %s, Secure %v, HttpOnly, SameSite=Lax, Path=/, no Domain, a Max-Age",
					c.Name, c.Secure, c.HttpOnly, c.SameSite, c.Path, c.Domain, c.MaxAge, tt.cookie, tt.secure)
			}
			if c.Value == "" {
				t.Fatal("the session cookie is empty")
			}
			if hsts := resp.Header.Get("Strict-Transport-Security"); (hsts != "") != tt.secure {
				t.Errorf("Strict-Transport-Security %q over a connection that is secure: %v", hsts, tt.secure)
			}

			if resp, body := send(http.MethodGet, "/customers", nil, c); resp.StatusCode != http.StatusOK {
				t.Fatalf("with the new cookie: status %d; body: %s", resp.StatusCode, pageSnippet(body))
			}

			resp, body = send(http.MethodPost, "/signout", url.Values{}, c)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" || flashLess(resp) {
				t.Fatalf("sign out: status %d to %q without a flash; body: %s", resp.StatusCode, resp.Header.Get("Location"), pageSnippet(body))
			}
			// The flash that says so is kept like the session: HttpOnly, Lax,
			// Secure and __Host- over HTTPS, and only for a minute.
			if f := pageFlashCookie(resp); f.Name != strings.Replace(tt.cookie, "session", "flash", 1) || f.Secure != tt.secure || !f.HttpOnly ||
				f.SameSite != http.SameSiteLaxMode || f.Path != "/" || f.Domain != "" || f.MaxAge <= 0 || f.MaxAge > 60 {
				t.Errorf("flash cookie %s (Secure %v, HttpOnly %v, SameSite %v, Path %q, Domain %q, Max-Age %d)", f.Name, f.Secure, f.HttpOnly, f.SameSite, f.Path, f.Domain, f.MaxAge)
			}
			cleared := false
			for _, x := range resp.Cookies() {
				cleared = cleared || x.Name == tt.cookie && x.Value == "" && x.MaxAge < 0
			}
			if !cleared {
				t.Errorf("sign-out does not clear the cookie; Set-Cookie: %q", resp.Header.Values("Set-Cookie"))
			}
			resp, body = send(http.MethodGet, "/customers", nil, c)
			wantSignIn(t, "the signed-out cookie", resp, body)
			if n := sessionRows(t, openDB(t, e.st), c); n != 0 {
				t.Errorf("%d session rows after sign-out, want 0", n)
			}
		})
	}
}

// TestAuthSessionExpiry ages sessions in the database: one idle too long,
// or alive too long however busy, ends, and its row goes; one used within
// the idle time keeps working and is marked used again.
func TestAuthSessionExpiry(t *testing.T) {
	e := newAuthEnv(t, nil)
	u := mustUser(t, e.st, "ann", crm.RoleViewer)
	db := openDB(t, e.st)
	now := time.Now()
	tests := []struct {
		name          string
		created, seen time.Time
		works         bool
	}{
		{"idle past the limit", now.Add(-DefaultSessionIdle - time.Minute), now.Add(-DefaultSessionIdle - time.Minute), false},
		{"idle just past the limit", now.Add(-2 * time.Hour), now.Add(-DefaultSessionIdle - 5*time.Second), false},
		{"past the absolute limit though used a minute ago", now.Add(-DefaultSessionMax - time.Minute), now.Add(-time.Minute), false},
		{"used within the idle time", now.Add(-2 * time.Hour), now.Add(-DefaultSessionIdle + 5*time.Minute), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.session(t, u)
			if _, err := db.Exec(`UPDATE sessions SET created_at = ?, seen_at = ? WHERE id_hash = ?`,
				sqlTime(tt.created), sqlTime(tt.seen), auth.Hash(c.Value)); err != nil {
				t.Fatal(err)
			}
			resp, body := e.get(t, "/customers", c)
			if !tt.works {
				wantSignIn(t, "the aged session", resp, body)
				if n := sessionRows(t, db, c); n != 0 {
					t.Errorf("the ended session still has %d rows", n)
				}
				return
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200; body: %s", resp.StatusCode, pageSnippet(body))
			}
			var seen string
			if err := db.QueryRow(`SELECT seen_at FROM sessions WHERE id_hash = ?`, auth.Hash(c.Value)).Scan(&seen); err != nil {
				t.Fatal(err)
			}
			if got, _ := time.Parse("2006-01-02T15:04:05.000Z07:00", seen); got.Before(now.Add(-time.Minute)) {
				t.Errorf("seen_at %s after use, want about now (%s)", seen, sqlTime(now))
			}
			if resp, _ := e.get(t, "/customers", c); resp.StatusCode != http.StatusOK {
				t.Errorf("second use: status %d, want 200", resp.StatusCode)
			}
		})
	}
}

// TestAuthChangedUserIsSignedOut checks that disabling a user, changing
// their role or resetting their password ends their open sessions at once.
func TestAuthChangedUserIsSignedOut(t *testing.T) {
	e := newAuthEnv(t, nil)
	mustUser(t, e.st, "boss", crm.RoleAdmin) // so that the changes leave an admin
	yes, viewer, hash := true, crm.RoleViewer, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	tests := []struct {
		name   string
		change store.UserChange
	}{
		{"disabled", store.UserChange{Disabled: &yes}},
		{"role changed", store.UserChange{Role: &viewer}},
		{"password reset", store.UserChange{PasswordHash: &hash}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := mustUser(t, e.st, fmt.Sprintf("agent%d", i), crm.RoleAgent)
			c := e.session(t, u)
			if resp, body := e.get(t, "/customers/new", c); resp.StatusCode != http.StatusOK {
				t.Fatalf("before the change: status %d; body: %s", resp.StatusCode, pageSnippet(body))
			}
			if _, err := e.st.ChangeUser(context.Background(), u.Name, tt.change); err != nil {
				t.Fatal(err)
			}
			resp, body := e.get(t, "/customers", c)
			wantSignIn(t, "after the change", resp, body)
		})
	}
}

// fakeClock is a time that a test moves by hand; the server reads it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestAuthSignInThrottle checks the limits on guessing: five failures for
// an account stop even the right password, other accounts from the same
// address go on until the address's twenty, and all of it ends once the
// failures leave the window.
func TestAuthSignInThrottle(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	var th *auth.Throttle
	e := newAuthEnv(t, func(d *Deps) {
		th = auth.NewThrottle(d.Store)
		th.Now = clock.Now
		d.Throttle = th
	})
	for _, name := range []string{"ann", "bob", "cleo"} {
		mustUser(t, e.st, name, crm.RoleViewer)
	}
	wantRefused := func(what string, resp *http.Response, body string) {
		t.Helper()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, signinRefused) {
			t.Fatalf("%s: status %d, want 401 with the refusal; body: %s", what, resp.StatusCode, pageSnippet(body))
		}
	}
	wantThrottled := func(what string, resp *http.Response, body string) {
		t.Helper()
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("%s: status %d, want 429; body: %s", what, resp.StatusCode, pageSnippet(body))
		}
		secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil || secs <= 0 || secs > int(th.Window/time.Second)+1 {
			t.Errorf("%s: Retry-After %q, want seconds within the window", what, resp.Header.Get("Retry-After"))
		}
		if len(resp.Cookies()) > 0 {
			t.Errorf("%s: a throttled sign-in set cookies %q", what, resp.Header.Values("Set-Cookie"))
		}
	}
	wantIn := func(what string, resp *http.Response, body string) {
		t.Helper()
		if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
			t.Fatalf("%s: status %d, want 303 with a session cookie; body: %s", what, resp.StatusCode, pageSnippet(body))
		}
	}

	for i := range 5 {
		resp, body := e.signIn(t, "ann", "wrong password "+strconv.Itoa(i))
		wantRefused(fmt.Sprintf("wrong password %d", i+1), resp, body)
		clock.Add(time.Second)
	}
	resp, body := e.signIn(t, "ann", testPassword)
	wantThrottled("the right password after 5 failures", resp, body)
	resp, body = e.signIn(t, "ANN", testPassword) // the same account in other case
	wantThrottled("the right password in capitals", resp, body)

	resp, body = e.signIn(t, "bob", testPassword)
	wantIn("another account from the same address", resp, body)

	// 5 failures so far from this address; 15 more reach its limit of 20.
	for i := range 15 {
		resp, body := e.signIn(t, fmt.Sprintf("guess%d", i), "wrong password")
		wantRefused(fmt.Sprintf("unknown user %d", i), resp, body)
	}
	resp, body = e.signIn(t, "cleo", testPassword)
	wantThrottled("an untouched account after 20 failures from the address", resp, body)

	clock.Add(th.Window)
	resp, body = e.signIn(t, "ann", testPassword)
	wantIn("ann once the window has passed", resp, body)
	resp, body = e.signIn(t, "cleo", testPassword)
	wantIn("cleo once the window has passed", resp, body)

	entries, total, err := e.st.ListAudit(context.Background(), crm.AuditFilter{Action: crm.AuditSignInFailed, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if total != 20 || len(entries) != 20 {
		t.Errorf("%d sign-in-failed entries (%d listed), want 20: the throttled tries are no failures of the password", total, len(entries))
	}
	for _, en := range entries {
		if en.Addr != "127.0.0.1" {
			t.Errorf("audit entry %d: address %q, want 127.0.0.1", en.ID, en.Addr)
		}
	}
}

// TestAuthSignInThrottleSharedByServers checks that two servers on one
// database share the limits: failures on the first throttle the account on
// the second, so that a load balancer in front of several servers gives
// nobody more guesses.
func TestAuthSignInThrottleSharedByServers(t *testing.T) {
	first := newAuthEnv(t, nil)
	mustUser(t, first.st, "ann", crm.RoleViewer)
	second := newAuthEnv(t, func(d *Deps) {
		st, err := store.Open(context.Background(), first.st.Path())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		d.Store = st
	})
	for i := range 5 {
		if resp, body := first.signIn(t, "ann", "wrong password "+strconv.Itoa(i)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d on the first server: status %d, want 401; body: %s", i+1, resp.StatusCode, pageSnippet(body))
		}
	}
	if resp, body := second.signIn(t, "ann", testPassword); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the right password on the second server after 5 failures on the first: status %d, want 429; body: %s", resp.StatusCode, pageSnippet(body))
	}
}

// TestAuthSignInRefusalSaysNothing tries one name as an unknown user, then
// with a wrong password, then disabled with the right password: the three
// answers must be the same, byte for byte, and each is on the record.
func TestAuthSignInRefusalSaysNothing(t *testing.T) {
	e := newAuthEnv(t, nil)
	mustUser(t, e.st, "boss", crm.RoleAdmin)
	var answers []string
	refuse := func(what, password string) {
		t.Helper()
		resp, body := e.signIn(t, "dana", password)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, signinRefused) {
			t.Fatalf("%s: status %d, want 401 with the refusal; body: %s", what, resp.StatusCode, pageSnippet(body))
		}
		if len(resp.Cookies()) > 0 {
			t.Errorf("%s: cookies set: %q", what, resp.Header.Values("Set-Cookie"))
		}
		answers = append(answers, fmt.Sprintf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body))
	}
	refuse("unknown user", testPassword)
	u := mustUser(t, e.st, "dana", crm.RoleAgent)
	refuse("wrong password", "not the password at all")
	yes := true
	if _, err := e.st.ChangeUser(context.Background(), u.Name, store.UserChange{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	refuse("disabled user", testPassword)
	for i, what := range []string{"a wrong password", "a disabled user"} {
		if answers[i+1] != answers[0] {
			t.Errorf("the answer for %s differs from the one for an unknown user:\n%s\n---\n%s", what, answers[i+1], answers[0])
		}
	}

	entries, _, err := e.st.ListAudit(context.Background(), crm.AuditFilter{Action: crm.AuditSignInFailed})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("%d sign-in-failed entries, want 3: %+v", len(entries), entries)
	}
	for _, en := range entries {
		if en.Actor != "dana" || en.Addr != "127.0.0.1" || en.Target != "user dana" {
			t.Errorf("audit entry %+v, want actor dana from 127.0.0.1 about user dana", en)
		}
	}
}

// TestAuthSetupLink follows the first admin's one-time link: it shows a
// form, creates an admin and signs them in, and then works no more; nor
// does an unknown, late or expired link.
func TestAuthSetupLink(t *testing.T) {
	ctx := context.Background()
	setupForm := func(token, name string) url.Values {
		return url.Values{"token": {token}, "name": {name}, "password": {testPassword}, "confirm": {testPassword}}
	}
	tokenOf := func(t *testing.T, link string) string {
		t.Helper()
		u, err := url.Parse(link)
		if err != nil || u.Path != "/setup" || u.Query().Get("token") == "" {
			t.Fatalf("setup link %q, want /setup?token=…", link)
		}
		return u.Query().Get("token")
	}
	wantGone := func(t *testing.T, what string, resp *http.Response, body string) {
		t.Helper()
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "does not work") {
			t.Errorf("%s: status %d, want 404 saying the link does not work; body: %s", what, resp.StatusCode, pageSnippet(body))
		}
	}

	t.Run("used once", func(t *testing.T) {
		e := newAuthEnv(t, nil)
		link, err := NewSetupLink(ctx, e.h.Deps)
		if err != nil {
			t.Fatal(err)
		}
		token := tokenOf(t, link)
		resp, body := e.get(t, link, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="confirm"`) || !strings.Contains(body, `name="token"`) {
			t.Fatalf("GET %s: status %d, want the setup form; body: %s", link, resp.StatusCode, pageSnippet(body))
		}

		resp, body = e.send(t, e.request(t, http.MethodPost, "/setup", setupForm(token, "root")))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /setup: status %d, want 303; body: %s", resp.StatusCode, pageSnippet(body))
		}
		var c *http.Cookie
		for _, x := range resp.Cookies() {
			if x.Name == sessionCookie && x.Value != "" {
				c = x
			}
		}
		if c == nil {
			t.Fatalf("POST /setup signs nobody in; Set-Cookie: %q", resp.Header.Values("Set-Cookie"))
		}
		if resp, body := e.get(t, "/fields/new", c); resp.StatusCode != http.StatusOK {
			t.Errorf("the new admin on an admin page: status %d; body: %s", resp.StatusCode, pageSnippet(body))
		}
		u, _, err := e.st.UserByName(ctx, "root")
		if err != nil || u.Role != crm.RoleAdmin || u.Disabled {
			t.Fatalf("the new user: %+v, %v; want an enabled admin", u, err)
		}

		resp, body = e.send(t, e.request(t, http.MethodPost, "/setup", setupForm(token, "root2")))
		wantGone(t, "the same link again", resp, body)
		resp, body = e.get(t, link, nil)
		wantGone(t, "GET the used link", resp, body)
		if n, _ := e.st.CountUsers(ctx); n != 1 {
			t.Errorf("%d users after a second try, want 1", n)
		}

		late, err := NewSetupLink(ctx, e.h.Deps)
		if err != nil {
			t.Fatal(err)
		}
		resp, body = e.get(t, late, nil)
		wantGone(t, "a link made once a user exists", resp, body)
		resp, body = e.send(t, e.request(t, http.MethodPost, "/setup", setupForm(tokenOf(t, late), "root3")))
		wantGone(t, "POST with a link made once a user exists", resp, body)
		if n, _ := e.st.CountUsers(ctx); n != 1 {
			t.Errorf("%d users, want 1", n)
		}
	})

	t.Run("unknown", func(t *testing.T) {
		e := newAuthEnv(t, nil)
		if _, err := NewSetupLink(ctx, e.h.Deps); err != nil {
			t.Fatal(err)
		}
		resp, body := e.get(t, "/setup?token=made-up", nil)
		wantGone(t, "GET an unknown link", resp, body)
		resp, body = e.get(t, "/setup", nil)
		wantGone(t, "GET with no token", resp, body)
		resp, body = e.send(t, e.request(t, http.MethodPost, "/setup", setupForm("made-up", "root")))
		wantGone(t, "POST an unknown link", resp, body)
		if n, _ := e.st.CountUsers(ctx); n != 0 {
			t.Errorf("%d users, want 0", n)
		}
	})

	t.Run("expired", func(t *testing.T) {
		e := newAuthEnv(t, nil)
		link, err := NewSetupLink(ctx, e.h.Deps)
		if err != nil {
			t.Fatal(err)
		}
		token := tokenOf(t, link)
		res, err := openDB(t, e.st).Exec(`UPDATE setup_links SET expires_at = ? WHERE secret_hash = ?`, sqlTime(time.Now().Add(-time.Second)), auth.Hash(token))
		if n, _ := res.RowsAffected(); err != nil || n != 1 {
			t.Fatalf("age the link: %d rows, %v", n, err)
		}
		resp, body := e.get(t, link, nil)
		wantGone(t, "GET an expired link", resp, body)
		resp, body = e.send(t, e.request(t, http.MethodPost, "/setup", setupForm(token, "root")))
		wantGone(t, "POST an expired link", resp, body)
		if n, _ := e.st.CountUsers(ctx); n != 0 {
			t.Errorf("%d users, want 0", n)
		}
	})
}

// TestAuthChangeOwnPassword has a user change their own password: not
// without the current one (a wrong one counts as a failed sign-in), not to
// one too short, and then the new one signs in, the old one does not, the
// browser that changed it stays signed in and every other is signed out,
// on the record.
func TestAuthChangeOwnPassword(t *testing.T) {
	e := newAuthEnv(t, nil)
	ann := mustUser(t, e.st, "ann", crm.RoleAgent)
	here, elsewhere := e.session(t, ann), e.session(t, ann)
	change := func(current, password, confirm string) (*http.Response, string) {
		t.Helper()
		req := e.request(t, http.MethodPost, "/password", url.Values{"current": {current}, "password": {password}, "confirm": {confirm}})
		req.AddCookie(here)
		return e.send(t, req)
	}
	if resp, body := e.get(t, "/password", here); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Change your password") {
		t.Fatalf("GET /password: status %d; body: %s", resp.StatusCode, pageSnippet(body))
	}
	if resp, _ := e.get(t, "/password", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /password signed out: status %d, want 303 to the sign-in page", resp.StatusCode)
	}

	const fresh = "a new and longer passphrase"
	resp, body := change("wrong password", "short", "shorter")
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a wrong current password: status %d, want 422; body: %s", resp.StatusCode, pageSnippet(body))
	}
	for _, want := range []string{"This is not your current password", "at least 12 characters", "The two passwords differ"} {
		if !strings.Contains(body, want) {
			t.Errorf("the refusal does not say %q: %s", want, pageSnippet(body))
		}
	}
	for i := range 4 { // the fifth wrong password in all
		if resp, body := change("wrong password "+strconv.Itoa(i), fresh, fresh); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong current password %d: status %d; body: %s", i+2, resp.StatusCode, pageSnippet(body))
		}
	}
	if resp, body := change(testPassword, fresh, fresh); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the right password after five wrong ones: status %d, want 429; body: %s", resp.StatusCode, pageSnippet(body))
	}
	if err := e.h.Throttle.Succeed(context.Background(), crm.UserKey("ann")); err != nil {
		t.Fatal(err)
	}

	resp, body = change(testPassword, fresh, fresh)
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		t.Fatalf("the change: status %d, cookies %q, want 303 with a new session; body: %s", resp.StatusCode, resp.Header.Values("Set-Cookie"), pageSnippet(body))
	}
	var renewed *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			renewed = c
		}
	}
	if resp, _ := e.get(t, "/customers", renewed); renewed == nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the browser that changed the password is not signed in with its new cookie")
	}
	for what, c := range map[string]*http.Cookie{"the old session here": here, "another browser's": elsewhere} {
		if resp, _ := e.get(t, "/customers", c); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: status %d, want 303 to the sign-in page", what, resp.StatusCode)
		}
	}
	if resp, _ := e.signIn(t, "ann", testPassword); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old password: status %d, want 401", resp.StatusCode)
	}
	if resp, _ := e.signIn(t, "ann", fresh); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the new password: status %d, want 303", resp.StatusCode)
	}
	entries, _, err := e.st.ListAudit(context.Background(), crm.AuditFilter{Action: crm.AuditUserChanged, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Actor != "ann" || entries[0].Detail != "password changed by its owner" {
		t.Errorf("audit of the change: %+v, want one entry by ann, \"password changed by its owner\"", entries)
	}
}
