package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"localcrm/internal/auth"
	"localcrm/internal/crm"
	"localcrm/internal/importer"
	"localcrm/internal/store"
)

// pageEnv is the whole site over a real SQLite database in a temporary
// folder, for page handler tests.
type pageEnv struct {
	h   *Handler
	st  *store.Store
	im  *importer.Importer
	run *importer.Runner
	// admin is the session cookie of the admin "admin" (password
	// testPassword), sent with every request that carries no cookie of its
	// own, so that tests of other things need not sign in.
	admin *http.Cookie
	// flash is the flash cookie the last response set, sent with the next
	// request as a browser would, until a response deletes it.
	flash *http.Cookie
}

// testPassword is the password of the users the tests make.
const testPassword = "correct horse battery"

func newPageEnv(t *testing.T) *pageEnv {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "localcrm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	im := importer.New(st, dir)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	run := importer.NewRunner(im, log)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = run.Shutdown(ctx)
	})
	// httptest.NewRequest's requests are for example.com.
	e := &pageEnv{h: New(Deps{Store: st, Importer: im, Runner: run, Log: log, Hosts: []string{"example.com"}}), st: st, im: im, run: run}
	e.admin = e.signedIn(t, mustUser(t, st, "admin", crm.RoleAdmin))
	return e
}

// mustUser creates a user with testPassword.
func mustUser(t *testing.T, st *store.Store, name string, role crm.Role) *crm.User {
	t.Helper()
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	u := &crm.User{Name: name, Role: role}
	if err := st.CreateUser(context.Background(), u, hash); err != nil {
		t.Fatal(err)
	}
	return u
}

// signedIn returns the cookie of a new session of u, as signing in would
// give it over plain HTTP.
func (e *pageEnv) signedIn(t *testing.T, u *crm.User) *http.Cookie {
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

// pageResult is a response as a test reads it.
type pageResult struct {
	Status   int
	Body     string
	Location string
}

func (e *pageEnv) do(t *testing.T, req *http.Request) pageResult {
	t.Helper()
	if req.Header.Get("Cookie") == "" && req.Header.Get("Authorization") == "" {
		req.AddCookie(e.admin)
	}
	if e.flash != nil {
		req.AddCookie(e.flash)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == flashCookie {
			e.flash = c
			if c.MaxAge < 0 {
				e.flash = nil
			}
		}
	}
	return pageResult{Status: rec.Code, Body: rec.Body.String(), Location: rec.Header().Get("Location")}
}

func (e *pageEnv) get(t *testing.T, path string) pageResult {
	t.Helper()
	return e.do(t, httptest.NewRequest(http.MethodGet, path, nil))
}

func (e *pageEnv) post(t *testing.T, path string, form url.Values) pageResult {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(t, req)
}

// want checks the status and that the body holds every string of wants.
func (r pageResult) want(t *testing.T, status int, wants ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body:\n%s", r.Status, status, pageSnippet(r.Body))
	}
	for _, w := range wants {
		if !strings.Contains(r.Body, w) {
			t.Errorf("the page lacks %q; body:\n%s", w, pageSnippet(r.Body))
		}
	}
}

// redirect checks a Post/Redirect/Get answer and returns where it leads.
func (r pageResult) redirect(t *testing.T, prefix string) string {
	t.Helper()
	if r.Status != http.StatusSeeOther {
		t.Fatalf("status %d, want 303 to %s; body:\n%s", r.Status, prefix, pageSnippet(r.Body))
	}
	if !strings.HasPrefix(r.Location, prefix) {
		t.Fatalf("redirect to %q, want %s…", r.Location, prefix)
	}
	return r.Location
}

// pageSnippet keeps failure output readable: the main part of a page.
func pageSnippet(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 4000 {
		body = body[:4000] + "…"
	}
	return body
}

// fieldBlock returns the part of a customer form that belongs to one
// field: its label, input, error and hint.
func fieldBlock(t *testing.T, body, key string) string {
	t.Helper()
	start := strings.Index(body, `id="field-`+key+`"`)
	if start < 0 {
		t.Fatalf("the form has no field %s", key)
	}
	rest := body[start+1:]
	if end := strings.Index(rest, `<div class="field`); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

// mustCustomer creates a customer in the store.
func (e *pageEnv) mustCustomer(t *testing.T, values map[string]string) *crm.Customer {
	t.Helper()
	c := &crm.Customer{Values: values}
	if err := e.st.CreateCustomer(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}
