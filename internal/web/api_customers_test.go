package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"localcrm/internal/crm"
	"localcrm/internal/importer"
)

func TestAPICustomerCRUD(t *testing.T) {
	s := newTestServer(t)
	s.call(t, http.MethodPost, "/api/v1/fields", map[string]any{"name": "vip", "type": "checkbox"}, http.StatusCreated, nil)

	// Create: values are stored in their normal form, defaults applied.
	var c map[string]any
	resp := s.call(t, http.MethodPost, "/api/v1/customers", map[string]any{
		"first_name": " Ann ", "last_name": "Lee", "email": "ann@example.com", "company": "AT&T", "vip": true,
	}, http.StatusCreated, &c)
	account := int64(c["account_number"].(float64))
	if account != 10000000 {
		t.Errorf("first account number %d, want 10000000", account)
	}
	if c["first_name"] != "Ann" || c["customer_type"] != "Default" || c["vip"] != "true" || c["company"] != "AT&T" {
		t.Errorf("created %v", c)
	}
	path := fmt.Sprintf("/api/v1/customers/%d", account)
	if resp.Header.Get("Location") != path {
		t.Errorf("Location %q, want %q", resp.Header.Get("Location"), path)
	}

	// Get: the CLI's JSON, keys in schema order, timestamps last.
	resp, b := s.request(t, http.MethodGet, path, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("get: status %d: %s", resp.StatusCode, b)
	}
	want := `^\{"account_number":10000000,"first_name":"Ann","last_name":"Lee","email":"ann@example.com","company":"AT&T",` +
		`"customer_type":"Default","vip":"true","created_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","updated_at":"[^"]+"\}\n$`
	if !regexp.MustCompile(want).Match(b) {
		t.Errorf("get: %s\nwant it to match %s", b, want)
	}

	// Update: only the keys given change; "" clears.
	c = nil // a fresh map for every response
	s.call(t, http.MethodPut, path, map[string]any{"company": "", "voice": "+1 555 0100", "vip": "no"}, http.StatusOK, &c)
	if _, ok := c["company"]; ok || c["voice"] != "+1 555 0100" || c["vip"] != "false" || c["email"] != "ann@example.com" {
		t.Errorf("updated %v", c)
	}
	// A customer read by GET can be sent back as it is.
	_, b = s.request(t, http.MethodGet, path, nil)
	var got map[string]any
	json.Unmarshal(b, &got)
	got["last_name"] = "Lee-Smith"
	c = nil
	s.call(t, http.MethodPut, path, got, http.StatusOK, &c)
	if c["last_name"] != "Lee-Smith" {
		t.Errorf("round trip: %v", c)
	}
	// Nothing to change, or a value that is not a scalar.
	s.fail(t, http.MethodPut, path, map[string]any{}, http.StatusBadRequest, "invalid")
	if e := s.fail(t, http.MethodPut, path, `{"company": ["a", "b"]}`, http.StatusBadRequest, "invalid"); e.Fields["company"] == "" {
		t.Errorf("array value: fields %v", e.Fields)
	}
	// The account number cannot be set, on create or to another on update.
	if e := s.fail(t, http.MethodPut, path, map[string]any{"account_number": 10000099}, http.StatusBadRequest, "invalid"); e.Fields["account_number"] == "" {
		t.Errorf("setting the account number: fields %v", e.Fields)
	}

	// Delete, then it is gone.
	resp, b = s.request(t, http.MethodDelete, path, nil)
	if resp.StatusCode != http.StatusNoContent || len(b) != 0 {
		t.Errorf("delete: status %d, body %q; want 204 and nothing", resp.StatusCode, b)
	}
	s.fail(t, http.MethodGet, path, nil, http.StatusNotFound, "not_found")
	s.fail(t, http.MethodDelete, path, nil, http.StatusNotFound, "not_found")
	s.fail(t, http.MethodPut, path, map[string]any{"company": "X"}, http.StatusNotFound, "not_found")
}

func TestAPICustomerErrors(t *testing.T) {
	s := newTestServer(t)
	var first map[string]any
	s.call(t, http.MethodPost, "/api/v1/customers", map[string]string{"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"}, http.StatusCreated, &first)

	// A duplicate email, in another case: 409 naming the customer that has it.
	e := s.fail(t, http.MethodPost, "/api/v1/customers", map[string]string{"first_name": "Anne", "last_name": "Leigh", "email": "ANN@example.com"}, http.StatusConflict, "conflict")
	if !strings.Contains(e.Message, "10000000") || !strings.Contains(e.Fields["email"], "10000000") {
		t.Errorf("conflict: %q, fields %v; want both to name customer 10000000", e.Message, e.Fields)
	}
	// The same on update.
	var other map[string]any
	s.call(t, http.MethodPost, "/api/v1/customers", map[string]string{"first_name": "Bob", "last_name": "Stone"}, http.StatusCreated, &other)
	e = s.fail(t, http.MethodPut, fmt.Sprintf("/api/v1/customers/%.0f", other["account_number"]), map[string]string{"email": "ann@EXAMPLE.com"}, http.StatusConflict, "conflict")
	if !strings.Contains(e.Message, "10000000") {
		t.Errorf("conflict on update: %q", e.Message)
	}

	// A bad email and no last name: both reported, field by field.
	e = s.fail(t, http.MethodPost, "/api/v1/customers", map[string]string{"first_name": "Cy", "email": "cy at example"}, http.StatusBadRequest, "invalid")
	if len(e.Fields) != 2 || !strings.Contains(e.Fields["email"], "email address") || !strings.Contains(e.Fields["last_name"], "Last Name") {
		t.Errorf("fields %v, want email and last_name", e.Fields)
	}
	// Unknown keys are field errors too.
	e = s.fail(t, http.MethodPost, "/api/v1/customers", map[string]string{"first_name": "Cy", "last_name": "Dee", "shoe_size": "44"}, http.StatusBadRequest, "invalid")
	if e.Fields["shoe_size"] == "" {
		t.Errorf("unknown key: fields %v", e.Fields)
	}
	// Malformed JSON says what is wrong.
	for body, want := range map[string]string{
		`{"first_name": "Cy"`:   "ends before",
		`{"first_name": "Cy",}`: "not valid JSON",
		`["Cy", "Dee"]`:         "JSON object",
		``:                      "empty",
		`{"a": "b"} {"c": "d"}`: "more than one",
		`null`:                  "JSON object",
	} {
		e := s.fail(t, http.MethodPost, "/api/v1/customers", body, http.StatusBadRequest, "invalid")
		if !strings.Contains(e.Message, want) {
			t.Errorf("body %q: message %q, want it to say %q", body, e.Message, want)
		}
	}
	// Unknown accounts.
	s.fail(t, http.MethodGet, "/api/v1/customers/10009999", nil, http.StatusNotFound, "not_found")
	s.fail(t, http.MethodGet, "/api/v1/customers/ann", nil, http.StatusNotFound, "not_found")
	// Nothing was created by the refusals.
	var page apiCustomerPage
	s.call(t, http.MethodGet, "/api/v1/customers", nil, http.StatusOK, &page)
	if page.Total != 2 {
		t.Errorf("%d customers, want 2", page.Total)
	}
}

func TestAPICustomerList(t *testing.T) {
	s := newTestServer(t)
	var page apiCustomerPage
	s.call(t, http.MethodGet, "/api/v1/customers", nil, http.StatusOK, &page)
	if page.Customers == nil || len(page.Customers) != 0 || page.Total != 0 || page.Limit != apiDefaultLimit || page.Offset != 0 {
		t.Errorf("empty list: %+v", page)
	}
	for i := 1; i <= 7; i++ {
		company := "Acme"
		if i%2 == 0 {
			company = "Initech"
		}
		s.call(t, http.MethodPost, "/api/v1/customers", map[string]string{
			"first_name": fmt.Sprintf("Name%d", i), "last_name": "Doe", "company": company, "email": fmt.Sprintf("n%d@example.com", i),
		}, http.StatusCreated, nil)
	}
	s.call(t, http.MethodGet, "/api/v1/customers?search=initech&limit=2&offset=1", nil, http.StatusOK, &page)
	if page.Total != 3 || page.Limit != 2 || page.Offset != 1 || len(page.Customers) != 2 {
		t.Fatalf("search: total %d, limit %d, offset %d, %d customers; want 3, 2, 1, 2", page.Total, page.Limit, page.Offset, len(page.Customers))
	}
	var c map[string]any
	json.Unmarshal(page.Customers[0], &c)
	if c["first_name"] != "Name4" || c["account_number"] != float64(10000003) {
		t.Errorf("second Initech customer: %v", c)
	}
	if !strings.HasPrefix(string(page.Customers[0]), `{"account_number":10000003,"first_name":"Name4"`) {
		t.Errorf("list item not in the CLI's form: %s", page.Customers[0])
	}
	s.call(t, http.MethodGet, "/api/v1/customers?search=Name7%20Doe", nil, http.StatusOK, &page)
	if page.Total != 1 {
		t.Errorf("search by full name: %d, want 1", page.Total)
	}
	e := s.fail(t, http.MethodGet, "/api/v1/customers?limit=0&offset=-1", nil, http.StatusBadRequest, "invalid")
	if e.Fields["limit"] == "" || e.Fields["offset"] == "" {
		t.Errorf("bad paging: fields %v", e.Fields)
	}
	s.fail(t, http.MethodGet, "/api/v1/customers?limit=100000", nil, http.StatusBadRequest, "invalid")
}

// TestAPICustomerExport: a manager downloads the whole file, the same bytes
// `localcrm export` writes, and the download is on record; a viewer, who
// may read customers a page at a time, may not take the file whole.
func TestAPICustomerExport(t *testing.T) {
	s := newTestServer(t)
	ctx := context.Background()
	for _, name := range []string{"Ada", "Grace"} {
		c := &crm.Customer{}
		c.Set("first_name", name)
		c.Set("last_name", "x;=cmd|' /C calc'!A0")
		if err := s.Store.CreateCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	var want bytes.Buffer
	if _, err := importer.Export(ctx, s.Store, "csv", &want); err != nil {
		t.Fatal(err)
	}
	manager := mustToken(t, s.Store, crm.RoleManager)
	get := func(token, query string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, s.Raw+"/api/v1/customers/export"+query, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return apiSend(t, req)
	}
	resp, b := get(manager, "")
	if resp.StatusCode != http.StatusOK || !bytes.Equal(b, want.Bytes()) {
		t.Fatalf("export: %d\n%s\nwant\n%s", resp.StatusCode, b, want.Bytes())
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="customers-`) || !strings.HasSuffix(cd, `.csv"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if resp, b := get(manager, "?format=json"); resp.StatusCode != http.StatusOK || !bytes.HasPrefix(b, []byte("[\n  {\"account_number\":")) {
		t.Errorf("JSON export: %d %s", resp.StatusCode, b)
	}
	resp, b = get(manager, "?format=xml")
	apiCheckError(t, "format=xml", resp, b, http.StatusBadRequest, "invalid")
	resp, b = get(mustToken(t, s.Store, crm.RoleViewer), "")
	apiCheckError(t, "export as a viewer", resp, b, http.StatusForbidden, "forbidden")

	entries, _, err := s.Store.ListAudit(ctx, crm.AuditFilter{Action: crm.AuditExport})
	if err != nil || len(entries) != 2 || entries[1].Detail != "format: csv; 2 customers; download" || !strings.HasPrefix(entries[1].Actor, "token ") {
		t.Errorf("export entries: %+v, %v", entries, err)
	}
}
