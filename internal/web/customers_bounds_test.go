package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPageCustomerListBounds: a page number near the integer limit, or
// past the last page, shows the last page; a search longer than the store
// takes is the list page with an alert, not an error page.
func TestPageCustomerListBounds(t *testing.T) {
	e := newPageEnv(t)
	for i := range customersPerPage + 1 {
		e.mustCustomer(t, map[string]string{"first_name": fmt.Sprintf("P%02d", i), "last_name": "Lee"})
	}
	last := fmt.Sprintf("%d–%d of %d customers", customersPerPage+1, customersPerPage+1, customersPerPage+1)
	for _, page := range []string{"2", "3", "9223372036854775807", "4611686018427387904", "99999999999999999999999", "1099511627776"} {
		r := e.get(t, "/customers?page="+page)
		r.want(t, http.StatusOK, last, `rel="prev"`)
		if strings.Contains(r.Body, `rel="next"`) {
			t.Errorf("page %s: the last page links to a next one", page)
		}
	}
	for _, page := range []string{"", "1", "0", "-5", "-9223372036854775808", "-99999999999999999999999", "x"} {
		e.get(t, "/customers?page="+url.QueryEscape(page)).want(t, http.StatusOK, fmt.Sprintf("1–%d of %d customers", customersPerPage, customersPerPage+1))
	}

	long := strings.Repeat("é", 201)
	r := e.get(t, "/customers?q="+url.QueryEscape(long))
	r.want(t, http.StatusUnprocessableEntity, `id="error-summary-h">A search has at most 200 characters; this one has 201.`, `<form class="search"`, `maxlength="200"`)
	if strings.Contains(r.Body, "No customer matches") || strings.Contains(r.Body, "Cannot do that") {
		t.Errorf("a refused search: %s", pageSnippet(r.Body))
	}
	e.get(t, "/customers?q="+url.QueryEscape(strings.Repeat("é", 200))).want(t, http.StatusOK, "No customer matches")
}

// TestAPICustomerListBounds: the API refuses a search or an offset past
// the store's bounds as invalid, 400.
func TestAPICustomerListBounds(t *testing.T) {
	s := newTestServer(t)
	e := s.fail(t, http.MethodGet, "/api/v1/customers?search="+url.QueryEscape(strings.Repeat("a", 201)), nil, http.StatusBadRequest, "invalid")
	if e.Fields["search"] == "" {
		t.Errorf("a long search: %+v, want the search field's problem", e)
	}
	e = s.fail(t, http.MethodGet, "/api/v1/customers?offset=1099511627777", nil, http.StatusBadRequest, "invalid")
	if e.Fields["offset"] == "" {
		t.Errorf("a huge offset: %+v, want the offset field's problem", e)
	}
	s.fail(t, http.MethodGet, "/api/v1/customers?offset=99999999999999999999999", nil, http.StatusBadRequest, "invalid")
	s.call(t, http.MethodGet, "/api/v1/customers?offset=1099511627776", nil, http.StatusOK, nil)
}
