package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"localcrm/internal/crm"
	"localcrm/internal/importer"
)

// TestAPIPhonesAndLookup: the default country through the API, an import
// that reads its numbers with a country and a country column, the caller
// lookup by phone in any writing, by email and by account number, search
// by a number, and the export's forms of the numbers.
func TestAPIPhonesAndLookup(t *testing.T) {
	s := newTestServer(t)
	viewer := mustToken(t, s.Store, crm.RoleViewer)
	asViewer := func(method, path string, body any) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, s.Raw+path, strings.NewReader(fmt.Sprint(body)))
		req.Header.Set("Authorization", "Bearer "+viewer)
		return apiSend(t, req)
	}

	var set crm.Settings
	s.call(t, http.MethodPut, "/api/v1/settings", map[string]string{"default_country": "gb"}, http.StatusOK, &set)
	if set.DefaultCountry != "GB" {
		t.Errorf("PUT settings: %+v", set)
	}
	e := s.fail(t, http.MethodPut, "/api/v1/settings", map[string]string{"default_country": "Atlantis"}, http.StatusBadRequest, "invalid")
	if e.Fields["default_country"] != `The default country "Atlantis" is not a country localcrm knows; write a two-letter ISO code such as GB or US.` {
		t.Errorf("an unknown country: %+v", e)
	}
	resp, b := asViewer(http.MethodPut, "/api/v1/settings", `{"default_country": "US"}`)
	apiCheckError(t, "a viewer changes the settings", resp, b, http.StatusForbidden, "forbidden")
	if resp, b := asViewer(http.MethodGet, "/api/v1/settings", ""); resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"default_country":"GB"`) {
		t.Errorf("a viewer reads the settings: %d %s", resp.StatusCode, b)
	}

	file := "First Name,Last Name,Email,Phone,Country\n" +
		"Ann,Lee,ann@example.com,020 7946 0958,\n" +
		"Bob,Ray,bob@example.com,(202) 555-0143,US\n" +
		"Cy,Orr,cy@example.com,7946 095,\n"
	id := s.prepare(t, []byte(file), map[string]any{"country_column": "Country", "check_phones": true})
	var dry importer.Summary
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/dry-run", id), nil, http.StatusOK, &dry)
	if dry.Rejected != 1 || len(dry.Errors) != 1 || dry.Errors[0].Field != "voice" || !dry.CheckPhones || dry.CountryColumn != "Country" {
		t.Fatalf("the dry run: %+v", dry)
	}
	s.call(t, http.MethodPut, fmt.Sprintf("/api/v1/imports/%d/mapping", id), map[string]any{"check_phones": false}, http.StatusOK, nil)
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/start", id), nil, http.StatusAccepted, nil)
	if done := s.waitFinished(t, id); done.Created != 3 || done.PhonesAsWritten != 1 {
		t.Fatalf("the import: %+v", done)
	}
	bad := s.fail(t, http.MethodPut, fmt.Sprintf("/api/v1/imports/%d/mapping", s.mustUpload(t, "x.csv", []byte(file)).ID),
		map[string]any{"country": "Atlantis"}, http.StatusBadRequest, "invalid")
	if bad.Fields["country"] == "" {
		t.Errorf("an unknown import country: %+v", bad)
	}

	type lookup struct {
		Customers []struct {
			AccountNumber int64  `json:"account_number"`
			LastName      string `json:"last_name"`
			VoiceE164     string `json:"voice_e164"`
		} `json:"customers"`
		E164 string `json:"e164"`
	}
	for _, q := range []string{"+44 20 7946 0958", "020 7946 0958", "442079460958", "0044-20-7946-0958"} {
		resp, b := asViewer(http.MethodGet, "/api/v1/customers/lookup?phone="+url.QueryEscape(q), "")
		var got lookup
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &got) != nil || len(got.Customers) != 1 ||
			got.Customers[0].LastName != "Lee" || got.Customers[0].VoiceE164 != "+442079460958" || got.E164 != "+442079460958" {
			t.Errorf("lookup phone=%q: %d %s", q, resp.StatusCode, b)
		}
	}
	var got lookup
	s.call(t, http.MethodGet, "/api/v1/customers/lookup?phone=%2B12025550143", nil, http.StatusOK, &got)
	if len(got.Customers) != 1 || got.Customers[0].LastName != "Ray" {
		t.Errorf("lookup of the US number: %+v", got)
	}
	s.call(t, http.MethodGet, "/api/v1/customers/lookup?email=BOB@Example.COM", nil, http.StatusOK, &got)
	if len(got.Customers) != 1 || got.Customers[0].LastName != "Ray" {
		t.Errorf("lookup by email: %+v", got)
	}
	s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/customers/lookup?account=%d", got.Customers[0].AccountNumber), nil, http.StatusOK, &got)
	if len(got.Customers) != 1 || got.Customers[0].LastName != "Ray" {
		t.Errorf("lookup by account: %+v", got)
	}
	s.call(t, http.MethodGet, "/api/v1/customers/lookup?phone=%2B442079460000", nil, http.StatusOK, &got)
	if len(got.Customers) != 0 {
		t.Errorf("lookup of a number no one has: %+v", got)
	}
	s.fail(t, http.MethodGet, "/api/v1/customers/lookup", nil, http.StatusBadRequest, "invalid")
	s.fail(t, http.MethodGet, "/api/v1/customers/lookup?phone=1&email=a@b.c", nil, http.StatusBadRequest, "invalid")
	if e := s.fail(t, http.MethodGet, "/api/v1/customers/lookup?phone=0958", nil, http.StatusBadRequest, "invalid"); e.Fields["phone"] == "" {
		t.Errorf("four digits: %+v", e)
	}
	s.fail(t, http.MethodGet, "/api/v1/customers/lookup?account=abc", nil, http.StatusBadRequest, "invalid")

	var page apiCustomerPage
	s.call(t, http.MethodGet, "/api/v1/customers?search="+url.QueryEscape("(020) 7946-0958"), nil, http.StatusOK, &page)
	if page.Total != 1 {
		t.Errorf("search by a number: %+v", page)
	}

	resp, b = s.request(t, http.MethodGet, "/api/v1/customers/export?phones=both&format=json", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"voice":"(202) 555-0143","voice_e164":"+12025550143"`) {
		t.Errorf("export phones=both: %d %s", resp.StatusCode, b)
	}
	resp, b = s.request(t, http.MethodGet, "/api/v1/customers/export?phones=e164", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), ",'+12025550143,") || !strings.Contains(string(b), ",7946 095,") {
		t.Errorf("export phones=e164: %d %s", resp.StatusCode, b)
	}
	resp, b = s.request(t, http.MethodGet, "/api/v1/customers/export?phones=dial", nil)
	apiCheckError(t, "phones=dial", resp, b, http.StatusBadRequest, "invalid")
}
