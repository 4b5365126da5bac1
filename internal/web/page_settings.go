package web

import (
	"errors"
	"net/http"
	"strings"

	"localcrm/internal/crm"
)

// settingsUpdate saves the settings form of the Fields tab: the default
// country of phone numbers.
func (p *pages) settingsUpdate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.pageError(w, r, tabFields, crm.Invalid("form", "", "The form could not be read."))
		return
	}
	typed := strings.TrimSpace(r.PostFormValue("default_country"))
	code, err := p.Store.SetDefaultCountry(r.Context(), typed)
	var v *crm.ValidationError
	if errors.As(err, &v) {
		p.renderFields(w, r, http.StatusUnprocessableEntity, &typed, v.Problems[0].Message)
		return
	}
	if err != nil {
		p.pageError(w, r, tabFields, err)
		return
	}
	msg := "Phone numbers written without a country code are now read as numbers of " + code + "."
	if code == "" {
		msg = "There is no default country now: phone numbers need their country code to get an international form."
	}
	p.redirectFlash(w, r, "/fields", msg)
}
