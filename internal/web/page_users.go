package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// Tabs of the admin pages: Users and API tokens share the Team tab.
const (
	tabUsers = "users"
	tabAudit = "audit"
)

// userListPage is the Team tab: every user, the form that adds one, and
// per user the forms that change their role, enabled state or password.
type userListPage struct {
	pageMeta
	Users  []userRow
	Roles  []crm.Role
	New    newUserForm
	Errors map[string]string // the add form's problems, by input name
	// ResetFor names the user whose password reset was refused; its
	// problems are shown next to that user's reset form, opened.
	ResetFor    string
	ResetErrors map[string]string
}

// newUserForm is what was typed into the add form; passwords are never
// sent back to the browser.
type newUserForm struct {
	Name string
	Role crm.Role
}

// userRow is one user of the table with what its forms need.
type userRow struct {
	*crm.User
	Path string // the user's address, /users/NAME escaped: a name may hold "/" or "?"
	Self bool   // the signed-in admin's own account
}

func (p *pages) userList(w http.ResponseWriter, r *http.Request) {
	data := userListPage{New: newUserForm{Role: crm.RoleAgent}}
	p.renderUsers(w, r, http.StatusOK, &data)
}

// userFlash confirms what a form did to u, as u now is.
func userFlash(done string, u *crm.User) string {
	switch done {
	case "created":
		return fmt.Sprintf("The user %s was added as %s. Give them their password by a safe route; they can sign in now.", u.Name, articleRole(u.Role))
	case "role":
		return fmt.Sprintf("%s is now %s. Their sessions ended: they sign in again under the new role.", u.Name, articleRole(u.Role))
	case "disable":
		if u.Disabled {
			return fmt.Sprintf("%s was disabled and signed out everywhere. Their name stays in the audit log.", u.Name)
		}
	case "enable":
		if !u.Disabled {
			return fmt.Sprintf("%s was enabled and can sign in again.", u.Name)
		}
	case "password":
		return fmt.Sprintf("%s has a new password and was signed out everywhere.", u.Name)
	}
	return ""
}

// articleRole says "an admin", "a viewer".
func articleRole(r crm.Role) string {
	if r == crm.RoleAdmin || r == crm.RoleAgent {
		return "an " + string(r)
	}
	return "a " + string(r)
}

// renderUsers fills in the table and writes the page with status, so that
// a refused form comes back with the list around it.
func (p *pages) renderUsers(w http.ResponseWriter, r *http.Request, status int, data *userListPage) {
	users, err := p.Store.ListUsers(r.Context())
	if err != nil {
		p.pageError(w, r, tabUsers, err)
		return
	}
	me := ""
	if c := callerFrom(r.Context()); c != nil && c.user != nil {
		me = c.user.Name
	}
	for i, u := range users {
		data.Users = append(data.Users, userRow{User: u, Path: "/users/" + url.PathEscape(u.Name), Self: u.Name == me})
		if u.Name == data.ResetFor {
			// The refused reset's inputs, as the template numbers them.
			ids := map[string]string{"password": fmt.Sprintf("pw-%d", i), "confirm": fmt.Sprintf("pw-%d-confirm", i)}
			for _, in := range invalidInputs(data.ResetErrors, "password", "confirm") {
				data.Invalid = append(data.Invalid, invalidInput{ID: ids[in.ID], Message: in.Message})
			}
		}
	}
	data.Title, data.Tab, data.Roles = "Team", tabUsers, crm.Roles
	p.render(w, r, status, "users.html", data)
}

// checkNewPassword gathers the problems of a new password and its
// confirmation into v, so that both are reported at once.
func checkNewPassword(v *crm.ValidationError, password, confirm string) {
	var ve *crm.ValidationError
	if errors.As(crm.ValidatePassword(password), &ve) {
		v.Problems = append(v.Problems, ve.Problems...)
	}
	if password != confirm {
		v.Add("confirm", "", "The two passwords differ; type the same password twice.")
	}
}

// userRedirect answers a change with Post/Redirect/Get, the flash saying
// what was done to whom.
func (p *pages) userRedirect(w http.ResponseWriter, r *http.Request, done string, u *crm.User) {
	p.redirectFlash(w, r, "/users", userFlash(done, u))
}

func (p *pages) userCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.pageError(w, r, tabUsers, crm.Invalid("form", "", "The form could not be read."))
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	password := r.PostFormValue("password")
	data := userListPage{New: newUserForm{Name: name, Role: crm.Role(r.PostFormValue("role"))}}

	// Every problem of the form at once: name, role, password, confirmation.
	var v crm.ValidationError
	for _, err := range []error{crm.ValidateUserName(name), roleError(r.PostFormValue("role"))} {
		var ve *crm.ValidationError
		if errors.As(err, &ve) {
			v.Problems = append(v.Problems, ve.Problems...)
		}
	}
	checkNewPassword(&v, password, r.PostFormValue("confirm"))
	if v.Err() == nil {
		hash, err := p.hashPassword(r.Context(), password)
		if err != nil {
			p.pageFail(w, r, err)
			return
		}
		u := &crm.User{Name: name, Role: data.New.Role}
		err = p.Store.CreateUser(r.Context(), u, hash)
		var ve *crm.ValidationError
		switch {
		case err == nil:
			p.userRedirect(w, r, "created", u)
			return
		case errors.Is(err, crm.ErrConflict):
			v.Add("name", name, fmt.Sprintf("There is already a user named %s (names are compared ignoring case). Choose another name.", name))
		case errors.As(err, &ve):
			v.Problems = append(v.Problems, ve.Problems...)
		default:
			p.pageError(w, r, tabUsers, err)
			return
		}
	}
	data.Errors = v.Fields()
	data.Alert = "The user was not added: correct the entries marked below."
	data.Invalid = invalidInputs(data.Errors, "name", "role", "password", "confirm")
	p.renderUsers(w, r, http.StatusUnprocessableEntity, &data)
}

// roleError checks a role chosen in a form.
func roleError(s string) error {
	_, err := crm.ParseRole(s)
	return err
}

// userChange applies one of the per-user forms: a new role, disable,
// enable, or a new password. The store ends the user's sessions and
// refuses to leave nobody who can manage users; that refusal is the page's
// alert.
func (p *pages) userChange(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.pageError(w, r, tabUsers, crm.Invalid("form", "", "The form could not be read."))
		return
	}
	name := r.PathValue("name")
	action := r.PostFormValue("action")
	var c store.UserChange
	switch action {
	case "role":
		role, err := crm.ParseRole(r.PostFormValue("role"))
		if err != nil {
			p.userRefused(w, r, err)
			return
		}
		c.Role = &role
	case "disable", "enable":
		disabled := action == "disable"
		c.Disabled = &disabled
	case "password":
		password := r.PostFormValue("password")
		var v crm.ValidationError
		checkNewPassword(&v, password, r.PostFormValue("confirm"))
		if v.Err() != nil {
			p.renderUsers(w, r, http.StatusUnprocessableEntity, &userListPage{
				pageMeta:    pageMeta{Alert: "The password of " + name + " was not changed: see the message next to it below."},
				New:         newUserForm{Role: crm.RoleAgent},
				ResetFor:    name,
				ResetErrors: v.Fields(),
			})
			return
		}
		hash, err := p.hashPassword(r.Context(), password)
		if err != nil {
			p.pageFail(w, r, err)
			return
		}
		c.PasswordHash = &hash
	default:
		p.pageError(w, r, tabUsers, crm.Invalid("action", action, "Unknown change to a user; reload the page and try again."))
		return
	}
	u, err := p.Store.ChangeUser(r.Context(), name, c)
	if err != nil {
		p.userRefused(w, r, err)
		return
	}
	p.userRedirect(w, r, action, u)
}

// userRefused shows a change the store refused (the last admin, an unknown
// role) as the alert of the Team page; a missing user is not found.
func (p *pages) userRefused(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, crm.ErrInvalid) {
		p.pageError(w, r, tabUsers, err)
		return
	}
	p.renderUsers(w, r, http.StatusUnprocessableEntity, &userListPage{
		pageMeta: pageMeta{Alert: "Nothing was changed. " + err.Error()},
		New:      newUserForm{Role: crm.RoleAgent},
	})
}
