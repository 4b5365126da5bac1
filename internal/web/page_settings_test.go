package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// TestPageDefaultCountry: an admin sets the default country of phone
// numbers on the Fields tab; a refused country comes back next to its
// input with what to write; a viewer sees it, without the form; and a
// customer's page says how each number is dialled.
func TestPageDefaultCountry(t *testing.T) {
	e := newPageEnv(t)
	e.get(t, "/fields").want(t, http.StatusOK, `<h2 id="phones-h">Phone numbers</h2>`, `id="default_country" name="default_country" value=""`)

	r := e.post(t, "/settings", url.Values{"default_country": {"Atlantis"}})
	r.want(t, http.StatusUnprocessableEntity, "The default country was not changed.", `value="Atlantis"`,
		`id="err-default_country">The default country &#34;Atlantis&#34; is not a country localcrm knows; write a two-letter ISO code such as GB or US.`)

	loc := e.post(t, "/settings", url.Values{"default_country": {"united kingdom"}}).redirect(t, "/fields")
	e.get(t, loc).want(t, http.StatusOK, "Phone numbers written without a country code are now read as numbers of GB.", `name="default_country" value="GB"`)

	viewer := e.signedIn(t, mustUser(t, e.st, "vera", crm.RoleViewer))
	req := httptest.NewRequest(http.MethodGet, "/fields", nil)
	req.AddCookie(viewer)
	got := e.do(t, req)
	got.want(t, http.StatusOK, `Default country: <strong id="default-country">GB</strong>`)
	if strings.Contains(got.Body, `action="/settings"`) {
		t.Error("a viewer is shown the settings form")
	}

	c := e.mustCustomer(t, map[string]string{"first_name": "Ann", "last_name": "Lee", "voice": "020 7946 0958", "fax": "12-34"})
	e.get(t, fmt.Sprintf("/customers/%d", c.AccountNumber)).want(t, http.StatusOK, "Dialled as &#43;442079460958.",
		"Not a phone number of its country: kept as written, with no international form.")
}
