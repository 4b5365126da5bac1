package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// summaryLinks returns the ids the error summary of a page links to, in
// order, and fails unless the summary is there to take the focus.
func summaryLinks(t *testing.T, body string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<section class="alert error-summary" id="error-summary" tabindex="-1" autofocus[^>]*>(.*?)</section>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no error summary that takes the focus; body:\n%s", pageSnippet(body))
	}
	var ids []string
	for _, l := range regexp.MustCompile(`<a href="#([^"]+)">`).FindAllStringSubmatch(m[1], -1) {
		ids = append(ids, l[1])
	}
	return ids
}

// TestPageErrorSummary: a form the server refuses comes back with a
// summary of its problems, which takes the focus and links to each input
// in error, in the order of the form.
func TestPageErrorSummary(t *testing.T) {
	e := newPageEnv(t)
	tests := []struct {
		name  string
		path  string
		form  url.Values
		links []string
	}{
		{"customer", "/customers", url.Values{"email": {"not an email"}}, []string{"f-first_name", "f-last_name", "f-email"}},
		{"field", "/fields", url.Values{"name": {"Shoe Size"}, "type": {"number"}, "max_length": {"lots"}, "default": {"large"}}, []string{"name", "max_length", "default"}},
		{"user", "/users", url.Values{"name": {"agent7"}, "role": {"agent"}, "password": {"short"}, "confirm": {"other"}}, []string{"password", "confirm"}},
		{"user's password", "/users/admin", url.Values{"action": {"password"}, "password": {"short"}, "confirm": {"short"}}, []string{"pw-0"}},
		{"token", "/tokens", url.Values{"name": {""}, "role": {"viewer"}, "expiry": {"90d"}}, []string{"name"}},
		{"sign-in", "/signin", url.Values{"name": {"admin"}, "password": {"wrong"}}, nil},
	}
	for _, tt := range tests {
		r := e.post(t, tt.path, tt.form)
		if r.Status < 400 {
			t.Errorf("%s: status %d, want the form refused", tt.name, r.Status)
			continue
		}
		if got := summaryLinks(t, r.Body); strings.Join(got, ",") != strings.Join(tt.links, ",") {
			t.Errorf("%s: the summary links to %q, want %q", tt.name, got, tt.links)
		}
		for _, id := range tt.links {
			if !regexp.MustCompile(`id="` + id + `"[^>]*aria-invalid="true"`).MatchString(r.Body) {
				t.Errorf("%s: #%s is not marked invalid", tt.name, id)
			}
		}
		if strings.Count(r.Body, " autofocus") != 1 {
			t.Errorf("%s: %d elements ask for the focus, want only the summary", tt.name, strings.Count(r.Body, " autofocus"))
		}
	}
	// Without an error, the sign-in form's name takes the focus.
	r := e.do(t, newPageRequest(http.MethodGet, "/signin"))
	r.want(t, http.StatusOK, `required autofocus`)
	if strings.Contains(r.Body, "error-summary") {
		t.Error("the sign-in form shows an error summary before any error")
	}
}

// newPageRequest is a request without the admin's cookie.
func newPageRequest(method, path string) *http.Request {
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("Cookie", "none=1")
	return req
}

// TestPageFieldEveryError: the new-field form reports every problem at
// once, a taken name included, not one per try.
func TestPageFieldEveryError(t *testing.T) {
	e := newPageEnv(t)
	if err := e.st.CreateField(context.Background(), &crm.Field{Key: "tier", Label: "Tier", Type: crm.TypeText}); err != nil {
		t.Fatal(err)
	}
	r := e.post(t, "/fields", url.Values{"name": {"tier"}, "label": {strings.Repeat("L", 33)}, "type": {"date"}, "default": {"2024-02-30"}})
	r.want(t, http.StatusUnprocessableEntity,
		`id="err-label">The label is 33 characters long`,
		`id="err-name">A custom field named &#34;tier&#34; already exists. Choose another name.`,
		`id="err-default">The default value is not a real calendar date`)
	r = e.post(t, "/fields", url.Values{"name": {"size"}, "type": {"number"}, "max_length": {"lots"}, "default": {"1,5"}})
	r.want(t, http.StatusUnprocessableEntity, `id="err-max_length">The maximum length must be a whole number`, `id="err-default">The default value is not a number`)
	r = e.post(t, "/fields", url.Values{"name": {"size"}, "type": {"number"}, "max_length": {"300"}, "default": {"x"}})
	r.want(t, http.StatusUnprocessableEntity, `id="err-max_length">The maximum length of a number field must be from 1 to 255.`, `id="err-default">The default value is not a number`)
}

// TestPageFieldDefaultChoice: a picklist's default is chosen from its
// values, and a checkbox's as yes or no; other types type it.
func TestPageFieldDefaultChoice(t *testing.T) {
	e := newPageEnv(t)
	// A new field: the inputs of other types than the chosen one are
	// hidden and disabled, so that they are not sent.
	r := e.get(t, "/fields/new")
	r.want(t, http.StatusOK, `<input id="default" name="default" value="" maxlength="85" aria-describedby="hint-default">`,
		`data-types="picklist" hidden>`, `<select id="default-pick" name="default" aria-describedby="hint-default-pick" disabled>`,
		`<select id="default-check" name="default" aria-describedby="hint-default-check" disabled>`, `src="/static/field.js"`)

	// A picklist refused for its name comes back with its values to choose from.
	r = e.post(t, "/fields", url.Values{"name": {"Tier"}, "type": {"picklist"}, "values": {"Gold\r\nSilver\ngold\n"}, "default": {"Silver"}})
	r.want(t, http.StatusUnprocessableEntity, `<select id="default-pick" name="default" aria-describedby="hint-default-pick">`,
		`<option value="">No default</option>`, `<option value="Gold">Gold</option><option value="Silver" selected>Silver</option>`,
		`<input id="default" name="default" value="" maxlength="85" aria-describedby="hint-default" disabled>`)
	if strings.Contains(r.Body, `<option value="gold">`) {
		t.Error("a value there twice is offered twice as the default")
	}
	loc := e.post(t, "/fields", url.Values{"name": {"tier"}, "type": {"picklist"}, "values": {"Gold\nSilver"}, "default": {"Silver"}}).redirect(t, "/fields")
	e.get(t, loc).want(t, http.StatusOK, "The field tier was created.")
	if f, _ := e.field(t, "tier"); f.Default != "Silver" {
		t.Errorf("the picklist's default is %q, want Silver", f.Default)
	}
	r = e.get(t, "/fields/tier")
	r.want(t, http.StatusOK, `<select id="default-pick" name="default"`, `<option value="Silver" selected>Silver</option>`)
	if strings.Contains(r.Body, `id="default"`) || strings.Contains(r.Body, `id="default-check"`) {
		t.Error("a saved picklist's form offers the default of another type")
	}
	// No default, chosen as such.
	e.post(t, "/fields/tier", url.Values{"label": {"Tier"}, "default": {""}}).redirect(t, "/fields/tier")
	if f, _ := e.field(t, "tier"); f.Default != "" {
		t.Errorf("the default after choosing none: %q", f.Default)
	}

	// A checkbox: yes, no or none.
	e.post(t, "/fields", url.Values{"name": {"vip"}, "type": {"checkbox"}, "default": {"false"}}).redirect(t, "/fields")
	e.get(t, "/fields/vip").want(t, http.StatusOK, `<select id="default-check" name="default"`, `<option value="false" selected>No (not ticked)</option>`)
	if f, _ := e.field(t, "vip"); f.Default != "false" {
		t.Errorf("the checkbox's default is %q, want false", f.Default)
	}
}

// TestPageImportCustomersLink: an import's report links to the customers
// it created and updated: the customer list filtered to the import, also
// in the API.
func TestPageImportCustomersLink(t *testing.T) {
	e := newPageEnv(t)
	ctx := context.Background()
	grace := e.mustCustomer(t, map[string]string{"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"})
	other := e.mustCustomer(t, map[string]string{"first_name": "Linus", "last_name": "Torvalds", "email": "linus@example.com"})
	imp := e.pageImport(t, pageImportCSV) // creates Ada and Alan, updates Grace (her line's date is bad: rejected)
	o := imp.Options
	o.OnDuplicate = crm.DuplicateUpdate
	if _, err := e.im.Configure(ctx, imp.ID, o); err != nil {
		t.Fatal(err)
	}
	upd := e.pageImport(t, "First Name;Last Name;E-mail\nGrace;Hopper-Smith;grace@example.com\n")
	o = upd.Options
	o.OnDuplicate = crm.DuplicateUpdate
	if _, err := e.im.Configure(ctx, upd.ID, o); err != nil {
		t.Fatal(err)
	}
	e.runImport(t, imp.ID)
	if got := e.runImport(t, upd.ID); got.Counts.Updated != 1 {
		t.Fatalf("the second import updated %d", got.Counts.Updated)
	}

	link := fmt.Sprintf(`id="import-customers" href="/customers?import=%d"`, imp.ID)
	e.get(t, fmt.Sprintf("/imports/%d", imp.ID)).want(t, http.StatusOK, link, "Saved in steps of 100")
	r := e.get(t, fmt.Sprintf("/customers?import=%d", imp.ID))
	r.want(t, http.StatusOK, "Ada Lovelace", "Alan Turing", "1–2 of 2 customers from import #", fmt.Sprintf(`<a href="/imports/%d">import #%d</a> created or updated`, imp.ID, imp.ID))
	if strings.Contains(r.Body, "Grace") || strings.Contains(r.Body, "Linus") {
		t.Errorf("the customers of import %d include others: %s", imp.ID, pageSnippet(r.Body))
	}
	r = e.get(t, fmt.Sprintf("/customers?import=%d", upd.ID))
	r.want(t, http.StatusOK, "Grace Hopper-Smith", "1–1 of 1 customer from import #")
	if strings.Contains(r.Body, "Linus") || strings.Contains(r.Body, "Ada") {
		t.Errorf("the customers of import %d include others: %s", upd.ID, pageSnippet(r.Body))
	}
	e.get(t, "/customers?import=999").want(t, http.StatusOK, "Import #999 created or updated no customer")
	e.get(t, "/customers?import=x").want(t, http.StatusNotFound)

	// The API lists the same.
	resp := e.get(t, fmt.Sprintf("/api/v1/customers?import=%d", upd.ID))
	var page struct {
		Customers []map[string]any `json:"customers"`
		Total     int              `json:"total"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &page); err != nil || resp.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/customers?import=%d: %d %s", upd.ID, resp.Status, resp.Body)
	}
	if page.Total != 1 || len(page.Customers) != 1 || page.Customers[0]["email"] != grace.Get("email") {
		t.Errorf("the API's customers of import %d: %+v", upd.ID, page)
	}
	e.get(t, "/api/v1/customers?import=0").want(t, http.StatusBadRequest, "import must be a whole number")
	if got := e.get(t, "/customers?import="+fmt.Sprint(upd.ID)); strings.Contains(got.Body, other.Get("email")) {
		t.Error("a customer no import touched is listed as an import's")
	}
}

func TestPageBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 bytes", 1: "1 byte", 1023: "1023 bytes", 1024: "1 KB", 754284: "737 KB",
		1<<20 - 513: "1,023 KB", 1<<20 - 512: "1.0 MB", 1_260_000: "1.2 MB", 104_857_600: "100.0 MB", 3 << 30: "3.0 GB",
	} {
		if got := pageBytes(n); got != want {
			t.Errorf("pageBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPageBreakable(t *testing.T) {
	if got := pageBreakable("contacts_export<1>.csv"); got != "contacts_<wbr>export&lt;1&gt;.<wbr>csv" {
		t.Errorf("pageBreakable = %q", got)
	}
}
