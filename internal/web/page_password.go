package web

import (
	"fmt"
	"net/http"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// This file is the page where whoever is signed in changes their own
// password: an admin's reset is for a forgotten one, and a password an
// admin chose (or read out over the phone) should not stay in use.

type passwordPage struct {
	pageMeta
	Errors map[string]string
}

func (p *pages) passwordForm(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "password.html", &passwordPage{pageMeta: pageMeta{Title: "Change your password"}})
}

// passwordChange checks the current password, throttled as a sign-in is
// (a session left open must not become a way to guess it), sets the new
// one, and signs this browser in again: the change ends every session of
// the user, those on other devices included.
func (p *pages) passwordChange(w http.ResponseWriter, r *http.Request) {
	c := callerFrom(r.Context())
	if c == nil || c.user == nil {
		p.pageError(w, r, "", crm.Invalid("session", "", "Sign in to change your password."))
		return
	}
	ctx, me := r.Context(), c.user
	data := passwordPage{pageMeta: pageMeta{Title: "Change your password"}}
	refuse := func(status int, alert string, errs map[string]string) {
		data.Alert, data.Errors = alert, errs
		data.Invalid = invalidInputs(errs, "current", "password", "confirm")
		p.render(w, r, status, "password.html", &data)
	}
	_, ok, wait, err := p.throttledCheck(w, r, me.Name, r.PostFormValue("current"))
	if err != nil {
		p.pageFail(w, r, err)
		return
	}
	if wait > 0 {
		refuse(http.StatusTooManyRequests, fmt.Sprintf("Too many wrong passwords for this account. Try again in %s, or ask an admin to reset your password.", roundWait(wait)), nil)
		return
	}
	password := r.PostFormValue("password")
	var v crm.ValidationError
	checkNewPassword(&v, password, r.PostFormValue("confirm"))
	if !ok {
		v.Add("current", "", "This is not your current password. Type the password you signed in with.")
	}
	if v.Err() != nil {
		refuse(http.StatusUnprocessableEntity, "Your password was not changed: correct the entries marked below.", v.Fields())
		return
	}
	hash, err := p.hashPassword(ctx, password)
	if err != nil {
		p.pageFail(w, r, err)
		return
	}
	if _, err := p.Store.ChangeUser(ctx, me.Name, store.UserChange{PasswordHash: &hash}); err != nil {
		p.pageFail(w, r, err)
		return
	}
	if err := p.startSession(w, r, me); err != nil {
		p.pageFail(w, r, err)
		return
	}
	p.redirectFlash(w, r, "/customers", "Your password is changed. Any other browser signed in as you was signed out.")
}
