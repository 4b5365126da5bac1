package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

func TestPageRootRedirectsToCustomers(t *testing.T) {
	e := newPageEnv(t)
	r := e.get(t, "/")
	if r.Status != http.StatusSeeOther || r.Location != "/customers" {
		t.Fatalf("GET / = %d to %q, want 303 to /customers", r.Status, r.Location)
	}
	e.get(t, "/static/style.css").want(t, http.StatusOK, "--accent")
	e.get(t, "/static/wizard.js").want(t, http.StatusOK, "/api/v1/imports")
}

func TestPageCustomerListAndSearch(t *testing.T) {
	e := newPageEnv(t)
	e.get(t, "/customers").want(t, http.StatusOK, "There are no customers yet", `aria-current="page">Customers`)
	ada := e.mustCustomer(t, map[string]string{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "company": "Analytical Engines", "voice": "+44 20 7946 0000"})
	e.mustCustomer(t, map[string]string{"first_name": "Grace", "last_name": "Hopper", "email": "grace@navy.example"})

	e.get(t, "/customers").want(t, http.StatusOK, "Ada Lovelace", "Grace Hopper", "1–2 of 2 customers", fmt.Sprintf(`href="/customers/%d"`, ada.AccountNumber))
	for _, q := range []string{"lovelace", "ada@example", "Analytical", "7946 0000", "+44 (0)20 7946-0000", "Ada Love"} {
		r := e.get(t, "/customers?q="+url.QueryEscape(q))
		r.want(t, http.StatusOK, "Ada Lovelace", "1–1 of 1 customer")
		if strings.Contains(r.Body, "Grace Hopper") {
			t.Errorf("search %q found Grace Hopper too", q)
		}
	}
	e.get(t, "/customers?q=nobody").want(t, http.StatusOK, "No customer matches “nobody”")
}

func TestPageCustomerListPages(t *testing.T) {
	e := newPageEnv(t)
	for i := range customersPerPage + 3 {
		e.mustCustomer(t, map[string]string{"first_name": "Person", "last_name": fmt.Sprintf("Number%02d", i)})
	}
	e.get(t, "/customers").want(t, http.StatusOK, "1–25 of 28 customers", `href="/customers?page=2"`, "Number24")
	r := e.get(t, "/customers?page=2")
	r.want(t, http.StatusOK, "26–28 of 28 customers", `href="/customers"`, "Number27")
	if strings.Contains(r.Body, "Number24") {
		t.Error("page 2 shows a customer of page 1")
	}
}

func TestPageCustomerCreate(t *testing.T) {
	e := newPageEnv(t)
	ctx := context.Background()
	tier := crm.Field{Key: "tier", Label: "Tier", Type: crm.TypePicklist, Values: []string{"Gold", "Silver"}}
	since := crm.Field{Key: "since", Label: "Customer since", Type: crm.TypeDate}
	vip := crm.Field{Key: "vip", Label: "VIP", Type: crm.TypeCheckbox}
	site := crm.Field{Key: "site", Label: "Web site", Type: crm.TypeURL}
	for _, f := range []*crm.Field{&tier, &since, &vip, &site} {
		if err := e.st.CreateField(ctx, f); err != nil {
			t.Fatal(err)
		}
	}

	// Each field has its own input.
	r := e.get(t, "/customers/new")
	r.want(t, http.StatusOK, "New customer",
		`<select id="f-tier" name="tier"`, `<option value="Gold">Gold</option>`,
		`name="since" type="date"`, `type="checkbox" id="f-vip" name="vip"`,
		`name="email" type="email"`, `name="site" type="url"`, `name="voice" type="tel"`,
		`<textarea id="f-comments"`, `<option value="Default" selected>Default</option>`)

	form := url.Values{
		"first_name": {"Ada"}, "last_name": {"Lovelace"}, "email": {"ada@example.com"},
		"tier": {"Gold"}, "since": {"2024-02-29"}, "vip": {"false", "true"}, "site": {""},
		"customer_type": {"Default"},
	}
	loc := e.post(t, "/customers", form).redirect(t, "/customers/")
	r = e.get(t, loc)
	r.want(t, http.StatusOK, "was created.", "Ada Lovelace", `value="ada@example.com"`, `value="2024-02-29"`, `value="Gold" selected`)
	if !strings.Contains(fieldBlock(t, r.Body, "vip"), "checked") {
		t.Error("the VIP box is not checked after saving it checked")
	}
}

func TestPageCustomerCreateInvalid(t *testing.T) {
	e := newPageEnv(t)
	form := url.Values{"first_name": {""}, "last_name": {"Lovelace"}, "email": {"not an email"}, "voice": {"call me"}}
	r := e.post(t, "/customers", form)
	r.want(t, http.StatusUnprocessableEntity, "The customer was not saved", `value="Lovelace"`, `value="not an email"`)
	for key, msg := range map[string]string{
		"first_name": "First Name must have a value.",
		"email":      "Email is not one email address",
		"voice":      "Voice is not a phone number",
	} {
		block := fieldBlock(t, r.Body, key)
		if !strings.Contains(block, msg) || !strings.Contains(block, `aria-invalid="true"`) {
			t.Errorf("the %s field does not show %q next to it:\n%s", key, msg, block)
		}
	}
	if strings.Contains(fieldBlock(t, r.Body, "last_name"), `class="error"`) {
		t.Error("Last Name shows an error though it is valid")
	}
	if n, _ := e.st.CountCustomers(context.Background()); n != 0 {
		t.Errorf("%d customers saved from an invalid form", n)
	}
}

func TestPageCustomerEdit(t *testing.T) {
	e := newPageEnv(t)
	ada := e.mustCustomer(t, map[string]string{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "company": "Engines"})
	grace := e.mustCustomer(t, map[string]string{"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"})
	path := fmt.Sprintf("/customers/%d", ada.AccountNumber)

	e.get(t, path).want(t, http.StatusOK, "Ada Lovelace", fmt.Sprintf("Account number <strong>%d</strong>", ada.AccountNumber), `value="Engines"`, "Save changes")

	// Saving changes a value and clears another.
	form := url.Values{"first_name": {"Augusta Ada"}, "last_name": {"Lovelace"}, "email": {"ada@example.com"}, "company": {""}}
	loc := e.post(t, path, form).redirect(t, path)
	e.get(t, loc).want(t, http.StatusOK, "Your changes were saved.", `value="Augusta Ada"`)
	c, err := e.st.GetCustomer(context.Background(), ada.AccountNumber)
	if err != nil {
		t.Fatal(err)
	}
	if c.Get("company") != "" || c.Get("first_name") != "Augusta Ada" {
		t.Errorf("after saving: %v", c.Values)
	}

	// An invalid value is shown next to its field; nothing changes.
	r := e.post(t, path, url.Values{"first_name": {strings.Repeat("x", 31)}, "last_name": {"Lovelace"}})
	r.want(t, http.StatusUnprocessableEntity, "Save changes")
	if block := fieldBlock(t, r.Body, "first_name"); !strings.Contains(block, "31 characters long; the limit is 30") {
		t.Errorf("no length error next to First Name:\n%s", block)
	}

	// Another customer's email is a conflict naming that customer.
	r = e.post(t, path, url.Values{"first_name": {"Ada"}, "last_name": {"Lovelace"}, "email": {"GRACE@example.com"}})
	r.want(t, http.StatusUnprocessableEntity)
	block := fieldBlock(t, r.Body, "email")
	if !strings.Contains(block, fmt.Sprintf("already belongs to customer %d", grace.AccountNumber)) ||
		!strings.Contains(block, fmt.Sprintf(`href="/customers/%d"`, grace.AccountNumber)) {
		t.Errorf("the email conflict does not name customer %d:\n%s", grace.AccountNumber, block)
	}

	e.get(t, "/customers/99999999").want(t, http.StatusNotFound, "Not found")
	e.get(t, "/customers/abc").want(t, http.StatusNotFound)
}

func TestPageCustomerDelete(t *testing.T) {
	e := newPageEnv(t)
	ada := e.mustCustomer(t, map[string]string{"first_name": "Ada", "last_name": "Lovelace"})
	path := fmt.Sprintf("/customers/%d/delete", ada.AccountNumber)
	e.get(t, path).want(t, http.StatusOK, fmt.Sprintf("Delete Ada Lovelace (account %d)?", ada.AccountNumber), "cannot be undone", "Delete Ada Lovelace</button>", "Keep it")
	loc := e.post(t, path, nil).redirect(t, "/customers")
	e.get(t, loc).want(t, http.StatusOK, fmt.Sprintf("Customer %d was deleted.", ada.AccountNumber))
	if _, err := e.st.GetCustomer(context.Background(), ada.AccountNumber); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	e.post(t, path, nil).want(t, http.StatusNotFound)
}

func TestPageRefusesCrossSitePosts(t *testing.T) {
	e := newPageEnv(t)
	req := newFormRequest(t, "/customers", url.Values{"first_name": {"Eve"}, "last_name": {"Mallory"}})
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := e.do(t, req); r.Status != http.StatusForbidden {
		t.Errorf("a cross-site form post got %d, want 403", r.Status)
	}
}

func newFormRequest(t *testing.T, path string, form url.Values) *http.Request {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}
