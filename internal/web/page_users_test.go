package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// user reads a user from the store.
func (e *pageEnv) user(t *testing.T, name string) *crm.User {
	t.Helper()
	u, _, err := e.st.UserByName(context.Background(), name)
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	return u
}

// signinStatus signs in through the form from a browser with no session,
// and returns the status: 303 when it worked.
func (e *pageEnv) signinStatus(t *testing.T, name, password string) int {
	t.Helper()
	req := newFormRequest(t, "/signin", url.Values{"name": {name}, "password": {password}})
	req.AddCookie(&http.Cookie{Name: "other", Value: "x"}) // keeps e.do from adding the admin's session
	return e.do(t, req).Status
}

// getAs requests path with the session cookie c.
func (e *pageEnv) getAs(t *testing.T, c *http.Cookie, path string) pageResult {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(c)
	return e.do(t, req)
}

func TestPageUserCreate(t *testing.T) {
	e := newPageEnv(t)
	r := e.get(t, "/users")
	r.want(t, http.StatusOK, `aria-current="page">Team`, `href="/tokens"`, `data-user="admin"`, `<span class="badge">you</span>`, "Add a user")

	// Every problem of the form at once, each next to its input, and
	// nothing typed is lost but the passwords.
	r = e.post(t, "/users", url.Values{"name": {"bad name"}, "role": {"agent"}, "password": {"short"}, "confirm": {"other"}})
	r.want(t, http.StatusUnprocessableEntity, "The user was not added",
		`id="err-name">A user name cannot hold spaces`, `id="err-password">A password needs at least 12 characters`,
		`id="err-confirm">The two passwords differ`, `value="bad name"`)
	if strings.Contains(r.Body, `value="short"`) {
		t.Error("the refused form sends the password back")
	}
	r = e.post(t, "/users", url.Values{"name": {"carol"}, "role": {"boss"}, "password": {testPassword}, "confirm": {testPassword}})
	r.want(t, http.StatusUnprocessableEntity, `id="err-role">The role must be one of`)

	loc := e.post(t, "/users", url.Values{"name": {"bob"}, "role": {"agent"}, "password": {testPassword}, "confirm": {testPassword}}).redirect(t, "/users")
	e.get(t, loc).want(t, http.StatusOK, "The user bob was added as an agent.", `data-user="bob"`)
	if u := e.user(t, "bob"); u.Role != crm.RoleAgent || u.Disabled {
		t.Errorf("bob is %+v", u)
	}
	if got := e.signinStatus(t, "bob", testPassword); got != http.StatusSeeOther {
		t.Errorf("bob signs in with status %d, want 303", got)
	}

	// Names differ by more than case.
	r = e.post(t, "/users", url.Values{"name": {"BOB"}, "role": {"viewer"}, "password": {testPassword}, "confirm": {testPassword}})
	r.want(t, http.StatusUnprocessableEntity, `id="err-name">There is already a user named BOB`)

	// The address cannot make the page confirm anything.
	if r := e.get(t, "/users?done=created&user=bob"); strings.Contains(r.Body, `class="flash"`) {
		t.Error("the page confirms what its address says")
	}
}

func TestPageUserChange(t *testing.T) {
	e := newPageEnv(t)
	bob := mustUser(t, e.st, "bob", crm.RoleAgent)
	session := e.signedIn(t, bob)
	e.getAs(t, session, "/customers").want(t, http.StatusOK)

	// A new role; bob signs in again to get it.
	loc := e.post(t, "/users/bob", url.Values{"action": {"role"}, "role": {"manager"}}).redirect(t, "/users")
	e.get(t, loc).want(t, http.StatusOK, "bob is now a manager.")
	if u := e.user(t, "bob"); u.Role != crm.RoleManager {
		t.Errorf("bob's role is %s, want manager", u.Role)
	}
	e.getAs(t, session, "/customers").redirect(t, "/signin")

	// Disabling signs bob out at once and keeps him out.
	session = e.signedIn(t, e.user(t, "bob"))
	e.getAs(t, session, "/imports").want(t, http.StatusOK)
	loc = e.post(t, "/users/bob", url.Values{"action": {"disable"}}).redirect(t, "/users")
	e.get(t, loc).want(t, http.StatusOK, "bob was disabled and signed out everywhere.", `<span class="status status-disabled">disabled</span>`, `aria-label="Enable bob"`)
	e.getAs(t, session, "/customers").redirect(t, "/signin")
	if got := e.signinStatus(t, "bob", testPassword); got != http.StatusUnauthorized {
		t.Errorf("a disabled user signs in with status %d, want 401", got)
	}

	// Enabled again, he can sign in.
	loc = e.post(t, "/users/bob", url.Values{"action": {"enable"}}).redirect(t, "/users")
	e.get(t, loc).want(t, http.StatusOK, "bob was enabled and can sign in again.")
	if got := e.signinStatus(t, "bob", testPassword); got != http.StatusSeeOther {
		t.Errorf("an enabled user signs in with status %d, want 303", got)
	}

	// A new password: refused ones are explained next to bob's form, which
	// stays open; a good one replaces the old one.
	r := e.post(t, "/users/bob", url.Values{"action": {"password"}, "password": {"short"}, "confirm": {"short"}})
	r.want(t, http.StatusUnprocessableEntity, "The password of bob was not changed", "A password needs at least 12 characters")
	bobRow := r.Body[strings.Index(r.Body, `data-user="bob"`):]
	bobRow = bobRow[:strings.Index(bobRow, "</tr>")]
	if !strings.Contains(bobRow, `<details class="reset" open>`) || !strings.Contains(bobRow, `-error">A password needs at least 12`) {
		t.Errorf("the error is not in bob's open reset form:\n%s", bobRow)
	}
	e.post(t, "/users/bob", url.Values{"action": {"password"}, "password": {"another good password"}, "confirm": {"another good passw0rd"}}).
		want(t, http.StatusUnprocessableEntity, "The two passwords differ")
	session = e.signedIn(t, e.user(t, "bob"))
	loc = e.post(t, "/users/bob", url.Values{"action": {"password"}, "password": {"another good password"}, "confirm": {"another good password"}}).redirect(t, "/users")
	e.get(t, loc).want(t, http.StatusOK, "bob has a new password")
	e.getAs(t, session, "/customers").redirect(t, "/signin")
	if got := e.signinStatus(t, "bob", testPassword); got != http.StatusUnauthorized {
		t.Errorf("the old password signs in with status %d, want 401", got)
	}
	if got := e.signinStatus(t, "bob", "another good password"); got != http.StatusSeeOther {
		t.Errorf("the new password signs in with status %d, want 303", got)
	}

	// The store's refusal to leave no admin is the page's alert.
	r = e.post(t, "/users/admin", url.Values{"action": {"disable"}})
	r.want(t, http.StatusUnprocessableEntity, `id="error-summary-h">Nothing was changed. admin is the last enabled admin`)
	e.post(t, "/users/admin", url.Values{"action": {"role"}, "role": {"viewer"}}).want(t, http.StatusUnprocessableEntity, "last enabled admin")
	if u := e.user(t, "admin"); u.Disabled || u.Role != crm.RoleAdmin {
		t.Errorf("the last admin was changed: %+v", u)
	}

	e.post(t, "/users/nobody", url.Values{"action": {"disable"}}).want(t, http.StatusNotFound)
	e.post(t, "/users/bob", url.Values{"action": {"delete"}}).want(t, http.StatusUnprocessableEntity, "Unknown change to a user")
	e.post(t, "/users/bob", url.Values{"action": {"role"}, "role": {"boss"}}).want(t, http.StatusUnprocessableEntity, "The role must be one of")
}

// TestPageUserOddName: a name holding "/" or "?" still reaches its own
// user, since the forms' addresses are escaped.
func TestPageUserOddName(t *testing.T) {
	e := newPageEnv(t)
	mustUser(t, e.st, "a/b?c", crm.RoleViewer)
	r := e.get(t, "/users")
	r.want(t, http.StatusOK, `action="/users/a%2Fb%3Fc"`)
	e.post(t, "/users/a%2Fb%3Fc", url.Values{"action": {"role"}, "role": {"agent"}}).redirect(t, "/users")
	if u := e.user(t, "a/b?c"); u.Role != crm.RoleAgent {
		t.Errorf("role %s, want agent", u.Role)
	}
}
