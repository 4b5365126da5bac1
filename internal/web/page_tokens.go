package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"localcrm/internal/auth"
	"localcrm/internal/crm"
)

// tokenListPage is the API tokens page of the Team tab: every token (never
// a secret), the form that makes one and, right after making one, its
// secret, shown this once.
type tokenListPage struct {
	pageMeta
	Tokens   []tokenRow
	Roles    []crm.Role
	Expiries []tokenExpiry
	New      tokenForm
	Errors   map[string]string
	Secret   string     // the new token's secret, only in the response that made it
	Created  *crm.Token // the token the secret belongs to
}

// tokenForm is what was chosen in the form that makes a token.
type tokenForm struct {
	Name   string
	Role   crm.Role
	Expiry string
}

// tokenRow is one token of the table.
type tokenRow struct {
	*crm.Token
	Status string // active, revoked or expired
}

// tokenExpiry is one choice of how long a new token works.
type tokenExpiry struct {
	Value string
	Label string
	days  int // 0: never expires
}

// tokenExpiries are the lifetimes a token can have. A year at most, or
// never, which suits a script on a trusted server.
var tokenExpiries = []tokenExpiry{
	{"never", "Never", 0},
	{"30d", "In 30 days", 30},
	{"90d", "In 90 days", 90},
	{"1y", "In a year", 365},
}

func (p *pages) tokenList(w http.ResponseWriter, r *http.Request) {
	data := tokenListPage{New: tokenForm{Role: crm.RoleViewer, Expiry: "90d"}}
	p.renderTokens(w, r, http.StatusOK, &data)
}

// renderTokens fills in the table and writes the page with status.
func (p *pages) renderTokens(w http.ResponseWriter, r *http.Request, status int, data *tokenListPage) {
	tokens, err := p.Store.ListTokens(r.Context())
	if err != nil {
		p.pageError(w, r, tabUsers, err)
		return
	}
	now := time.Now()
	for _, t := range tokens {
		row := tokenRow{Token: t, Status: "active"}
		switch {
		case !t.RevokedAt.IsZero():
			row.Status = "revoked"
		case !t.Active(now):
			row.Status = "expired"
		}
		data.Tokens = append(data.Tokens, row)
	}
	data.Title, data.Tab, data.Roles, data.Expiries = "API tokens", tabUsers, crm.Roles, tokenExpiries
	p.render(w, r, status, "tokens.html", data)
}

// tokenCreate makes a token and shows its secret in this response, not
// through a redirect: the secret is kept nowhere, so no later page can
// show it. render marks the page no-store, so that the browser's history
// does not keep it either.
func (p *pages) tokenCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.pageError(w, r, tabUsers, crm.Invalid("form", "", "The form could not be read."))
		return
	}
	form := tokenForm{
		Name:   strings.TrimSpace(r.PostFormValue("name")),
		Role:   crm.Role(r.PostFormValue("role")),
		Expiry: r.PostFormValue("expiry"),
	}
	data := tokenListPage{New: form}
	var v crm.ValidationError
	switch n := utf8.RuneCountInString(form.Name); {
	case n == 0:
		v.Add("name", "", "Name the token after the script or system that uses it, so that you know what stops working when you revoke it.")
	case n > crm.MaxTokenNameLength:
		v.Add("name", form.Name, fmt.Sprintf("A token's name has at most %d characters; this one has %d.", crm.MaxTokenNameLength, n))
	}
	var ve *crm.ValidationError
	if errors.As(roleError(string(form.Role)), &ve) {
		v.Problems = append(v.Problems, ve.Problems...)
	}
	var expiry *tokenExpiry
	for i := range tokenExpiries {
		if tokenExpiries[i].Value == form.Expiry {
			expiry = &tokenExpiries[i]
		}
	}
	if expiry == nil {
		v.Add("expiry", form.Expiry, "Choose when the token stops working.")
	}
	if v.Err() != nil {
		data.Errors = v.Fields()
		data.Alert = "The token was not created: correct the entries marked below."
		data.Invalid = invalidInputs(data.Errors, "name", "role", "expiry")
		p.renderTokens(w, r, http.StatusUnprocessableEntity, &data)
		return
	}

	secret, err := auth.NewSecret(auth.TokenPrefix)
	if err != nil {
		p.pageFail(w, r, err)
		return
	}
	t := &crm.Token{Name: form.Name, Role: form.Role}
	if expiry.days > 0 {
		t.ExpiresAt = time.Now().AddDate(0, 0, expiry.days)
	}
	if err := p.Store.CreateToken(r.Context(), t, auth.Hash(secret)); err != nil {
		if errors.As(err, &ve) {
			data.Errors = ve.Fields()
			data.Alert = "The token was not created: correct the entries marked below."
			data.Invalid = invalidInputs(data.Errors, "name", "role", "expiry")
			p.renderTokens(w, r, http.StatusUnprocessableEntity, &data)
			return
		}
		p.pageError(w, r, tabUsers, err)
		return
	}
	data = tokenListPage{New: tokenForm{Role: crm.RoleViewer, Expiry: "90d"}, Secret: secret, Created: t}
	data.Flash = fmt.Sprintf("Token %d (%s) was created with the role %s.", t.ID, t.Name, t.Role)
	p.renderTokens(w, r, http.StatusCreated, &data)
}

func (p *pages) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		p.pageNotFound(w, r, tabUsers, fmt.Sprintf("token %q", raw))
		return
	}
	if err := p.Store.RevokeToken(r.Context(), id); err != nil {
		p.pageError(w, r, tabUsers, err)
		return
	}
	p.redirectFlash(w, r, "/tokens", fmt.Sprintf("Token %d was revoked: scripts that use it are refused from now on.", id))
}
