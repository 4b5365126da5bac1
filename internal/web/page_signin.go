package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"localcrm/internal/auth"
	"localcrm/internal/crm"
)

// signinPage is the sign-in form, and the setup form that creates the
// first admin.
type signinPage struct {
	pageMeta
	Name    string
	Next    string // where to go once signed in
	NoUsers bool   // nobody can sign in yet: point to the setup link
	Token   string // the setup link's secret, on the setup form
	Errors  map[string]string
}

// home sends people to the customers, or to the sign-in page on the way.
func (p *pages) home(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/customers", http.StatusSeeOther)
}

func (p *pages) signinForm(w http.ResponseWriter, r *http.Request) {
	if callerFrom(r.Context()) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	data := signinPage{pageMeta: pageMeta{Title: "Sign in"}, Next: safeNext(r.URL.Query().Get("next"))}
	if n, err := p.Store.CountUsers(r.Context()); err == nil && n == 0 {
		data.NoUsers = true
	}
	p.render(w, r, http.StatusOK, "signin.html", &data)
}

// signinRefused is the one message of a failed sign-in, whatever failed: it
// must not tell whether the account exists or is disabled.
const signinRefused = "That name and password do not match an account that may sign in. Check both and try again."

// signin checks a name and password and, when they match an enabled user,
// starts a session. Failures are throttled per account and per address,
// on the record, and all alike to the person trying.
func (p *pages) signin(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	password := r.PostFormValue("password")
	data := signinPage{pageMeta: pageMeta{Title: "Sign in"}, Name: name, Next: safeNext(r.PostFormValue("next"))}
	u, ok, wait, err := p.throttledCheck(w, r, name, password)
	switch {
	case err != nil:
		p.pageFail(w, r, err)
		return
	case wait > 0:
		data.Alert = fmt.Sprintf("Too many failed sign-ins for this account or from this address. Try again in %s, or ask an admin to reset your password.", roundWait(wait))
		p.render(w, r, http.StatusTooManyRequests, "signin.html", &data)
		return
	case !ok:
		failed := crm.WithActor(r.Context(), crm.Actor{Name: truncate(name, crm.MaxUserNameLength), Kind: crm.ActorUser, Addr: p.clientAddr(r)})
		if err := p.Store.Audit(failed, crm.AuditSignInFailed, "user "+truncate(name, crm.MaxUserNameLength), ""); err != nil {
			p.pageFail(w, r, err)
			return
		}
		data.Alert = signinRefused
		p.render(w, r, http.StatusUnauthorized, "signin.html", &data)
		return
	}
	if err := p.startSession(w, r, u); err != nil {
		p.pageFail(w, r, err)
		return
	}
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

// dummyHash is checked against when no user has the name, so that a
// sign-in for an unknown name takes as long as one for a known name. It is
// made on first use: the command line never needs it.
var dummyHash = sync.OnceValues(func() (string, error) {
	return auth.HashPassword("localcrm: no such user")
})

// throttledCheck is checkPassword behind the sign-in throttle: while the
// account or the address has failed too often, it checks nothing and says
// how long to wait (Retry-After too); a wrong password counts as a
// failure, and a right one forgets the account's failures.
func (p *pages) throttledCheck(w http.ResponseWriter, r *http.Request, name, password string) (u *crm.User, ok bool, wait time.Duration, err error) {
	ctx, addr, key := r.Context(), p.clientAddr(r), crm.UserKey(name)
	if wait, err = p.Throttle.Wait(ctx, key, addr); err != nil || wait > 0 {
		if wait > 0 {
			w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		}
		return nil, false, wait, err
	}
	if u, ok, err = p.checkPassword(ctx, name, password); err != nil {
		return nil, false, 0, err
	}
	if ok {
		return u, true, 0, p.Throttle.Succeed(ctx, key)
	}
	return nil, false, 0, p.Throttle.Fail(ctx, key, addr)
}

// checkPassword reports whether name and password belong to an enabled
// user.
func (p *pages) checkPassword(ctx context.Context, name, password string) (*crm.User, bool, error) {
	u, hash, err := p.Store.UserByName(ctx, name)
	switch {
	case errors.Is(err, crm.ErrNotFound):
		u = nil
		if hash, err = dummyHash(); err != nil {
			return nil, false, err
		}
	case err != nil:
		return nil, false, err
	}
	if err := p.hashSlot(ctx); err != nil {
		return nil, false, err
	}
	defer func() { <-p.hashes }()
	match, err := auth.CheckPassword(hash, password)
	if err != nil {
		return nil, false, err
	}
	return u, match && u != nil && !u.Disabled, nil
}

// hashPassword hashes a new password within the bound on hashes at once.
func (p *pages) hashPassword(ctx context.Context, password string) (string, error) {
	if err := p.hashSlot(ctx); err != nil {
		return "", err
	}
	defer func() { <-p.hashes }()
	return auth.HashPassword(password)
}

// hashSlot waits for one of the few slots for password hashing, which the
// caller gives back with <-p.hashes: each hash takes 19 MiB, the server is
// sized to run in 64 MB, and a burst of sign-ins must not exhaust it.
func (p *pages) hashSlot(ctx context.Context) error {
	select {
	case p.hashes <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// startSession signs u in on this browser with a new random session id,
// ending the session the browser had before, if any.
func (p *pages) startSession(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	if c := callerFrom(r.Context()); c != nil && c.session != nil {
		if err := p.Store.DeleteSession(r.Context(), c.session); err != nil {
			return err
		}
	}
	id, err := auth.NewSecret("")
	if err != nil {
		return err
	}
	ctx := crm.WithActor(r.Context(), crm.Actor{Name: u.Name, Kind: crm.ActorUser, UserID: u.ID, Role: u.Role, Addr: p.clientAddr(r)})
	if err := p.Store.CreateSession(ctx, auth.Hash(id), u, p.Sessions); err != nil {
		return err
	}
	p.setSessionCookie(w, r, id, p.Sessions.Max)
	return nil
}

func (p *pages) signout(w http.ResponseWriter, r *http.Request) {
	if c := callerFrom(r.Context()); c != nil && c.session != nil {
		if err := p.Store.DeleteSession(r.Context(), c.session); err != nil {
			p.pageFail(w, r, err)
			return
		}
	}
	p.setSessionCookie(w, r, "", -1)
	p.redirectFlash(w, r, "/signin", "You are signed out.")
}

// safeNext keeps a post-sign-in destination on this site: a path, never
// another host ("//evil.example", "/\evil.example").
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/customers"
	}
	return next
}

// roundWait says how long to wait in words.
func roundWait(d time.Duration) string {
	if m := int(d.Round(time.Minute) / time.Minute); m > 1 {
		return fmt.Sprintf("%d minutes", m)
	}
	return "a minute"
}

// SetupLinkLifetime is how long the first admin's setup link works.
const SetupLinkLifetime = time.Hour

// NewSetupLink makes a one-time link that lets the first person to open it
// create the first admin, for a database with no user; it returns the
// link's path and query, for the server to print.
func NewSetupLink(ctx context.Context, d Deps) (string, error) {
	secret, err := auth.NewSecret("")
	if err != nil {
		return "", err
	}
	if err := d.Store.CreateSetupLink(ctx, auth.Hash(secret), time.Now().Add(SetupLinkLifetime)); err != nil {
		return "", err
	}
	return "/setup?token=" + secret, nil
}

func (p *pages) setupForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if err := p.Store.CheckSetupLink(r.Context(), auth.Hash(token)); err != nil {
		p.setupGone(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "setup.html", &signinPage{pageMeta: pageMeta{Title: "Create the first admin"}, Token: token})
}

// setupGone answers a setup link that is used, expired or unknown.
func (p *pages) setupGone(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, crm.ErrNotFound) {
		p.pageFail(w, r, err)
		return
	}
	p.render(w, r, http.StatusNotFound, "error.html", &errorPage{
		pageMeta: pageMeta{Title: "This setup link does not work"},
		Message: "The link has been used, has expired (it works for an hour), or was never made. If nobody has an account yet, " +
			"restart `localcrm serve` for a new link, or create an admin with `localcrm users add NAME --role admin`; otherwise sign in.",
	})
}

// setup creates the first admin with a setup link and signs them in.
func (p *pages) setup(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	name := strings.TrimSpace(r.PostFormValue("name"))
	password := r.PostFormValue("password")
	data := signinPage{pageMeta: pageMeta{Title: "Create the first admin"}, Token: token, Name: name}
	problems := &crm.ValidationError{}
	for _, err := range []error{crm.ValidateUserName(name), crm.ValidatePassword(password)} {
		var ve *crm.ValidationError
		if errors.As(err, &ve) {
			problems.Problems = append(problems.Problems, ve.Problems...)
		}
	}
	if password != r.PostFormValue("confirm") {
		problems.Add("confirm", "", "The two passwords differ; type the same password twice.")
	}
	if problems.Err() != nil {
		data.Errors = problems.Fields()
		data.Alert = "The admin was not created: correct the entries marked below."
		data.Invalid = invalidInputs(data.Errors, "name", "password", "confirm")
		p.render(w, r, http.StatusUnprocessableEntity, "setup.html", &data)
		return
	}
	hash, err := p.hashPassword(r.Context(), password)
	if err != nil {
		p.pageFail(w, r, err)
		return
	}
	u := &crm.User{Name: name, Role: crm.RoleAdmin}
	ctx := crm.WithActor(r.Context(), crm.Actor{Name: name, Kind: crm.ActorUser, Addr: p.clientAddr(r)})
	if err := p.Store.CreateFirstAdmin(ctx, auth.Hash(token), u, hash); err != nil {
		p.setupGone(w, r, err)
		return
	}
	if err := p.startSession(w, r, u); err != nil {
		p.pageFail(w, r, err)
		return
	}
	http.Redirect(w, r, "/users", http.StatusSeeOther)
}
