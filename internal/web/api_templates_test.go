package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// apiTemplateJSON is a template as the API writes it.
type apiTemplateJSON struct {
	Name        string            `json:"name"`
	Mapping     map[string]string `json:"mapping"`
	OnDuplicate string            `json:"on_duplicate"`
	DateFormat  string            `json:"date_format"`
	BatchSize   int               `json:"batch_size"`
	FromImport  int64             `json:"from_import"`
	SavedBy     string            `json:"saved_by"`
	SavedAt     string            `json:"saved_at"`
}

// TestAPITemplates saves a template from an import through the API, lists
// it, applies it to the next upload and deletes it; each mistake is an
// error that says what to send instead.
func TestAPITemplates(t *testing.T) {
	s := newTestServer(t)
	if _, b := s.request(t, http.MethodGet, "/api/v1/templates", nil); string(b) != "[]\n" {
		t.Errorf("GET /api/v1/templates of none: %s", b)
	}

	march := s.mustUpload(t, "march.csv", []byte("Given,Family,E-mail,Cell No.,Tier\nAnn,Lee,ann@example.com,555 0100,Gold\n"))
	s.call(t, http.MethodPut, fmt.Sprintf("/api/v1/imports/%d/mapping", march.ID), map[string]any{
		"mapping":      map[string]string{"Given": "first_name", "Family": "last_name", "E-mail": "email", "Cell No.": "alternative"},
		"on_duplicate": "update", "date_format": "DD/MM/YYYY", "batch_size": 25,
	}, http.StatusOK, nil)

	var tpl apiTemplateJSON
	resp := s.call(t, http.MethodPost, "/api/v1/templates", map[string]any{"import_id": march.ID, "name": " Shop export "}, http.StatusCreated, &tpl)
	if loc := resp.Header.Get("Location"); loc != "/api/v1/templates/Shop%20export" {
		t.Errorf("Location %q", loc)
	}
	wantMapping := map[string]string{"given": "first_name", "family": "last_name", "email": "email", "cellnumber": "alternative", "tier": ""}
	if tpl.Name != "Shop export" || !reflect.DeepEqual(tpl.Mapping, wantMapping) || tpl.OnDuplicate != "update" || tpl.DateFormat != "DD/MM/YYYY" ||
		tpl.BatchSize != 25 || tpl.FromImport != march.ID || !strings.Contains(tpl.SavedBy, "tests") || tpl.SavedAt == "" {
		t.Errorf("the saved template: %+v", tpl)
	}

	// The name is taken in any case, until "replace" says otherwise.
	e := s.fail(t, http.MethodPost, "/api/v1/templates", map[string]any{"import_id": march.ID, "name": "SHOP EXPORT"}, http.StatusConflict, "conflict")
	if want := `A template named "SHOP EXPORT" exists; choose another name, or send "replace": true to replace it.`; e.Message != want || e.Fields["name"] != want {
		t.Errorf("a name in use: %+v", e)
	}
	s.call(t, http.MethodPost, "/api/v1/templates", map[string]any{"import_id": march.ID, "name": "shop export", "replace": true}, http.StatusOK, &tpl)
	if tpl.Name != "shop export" {
		t.Errorf("the replacement is named %q", tpl.Name)
	}
	for _, tt := range []struct {
		body   any
		status int
		code   string
		field  string
		want   string
	}{
		{map[string]any{"name": "x"}, http.StatusBadRequest, "invalid", "import_id", `Give the import to save as a template as "import_id"`},
		{map[string]any{"import_id": 999, "name": "x"}, http.StatusNotFound, "not_found", "", "There is no import 999; GET /api/v1/imports lists them."},
		{map[string]any{"import_id": march.ID, "name": " "}, http.StatusBadRequest, "invalid", "name", "A template needs a name"},
		{map[string]any{"import_id": march.ID, "name": strings.Repeat("x", 81)}, http.StatusBadRequest, "invalid", "name", "at most 80 characters"},
		{map[string]any{"import_id": march.ID, "name": "x", "overwrite": true}, http.StatusBadRequest, "invalid", "overwrite", "the keys are import_id, name, replace"},
	} {
		e := s.fail(t, http.MethodPost, "/api/v1/templates", tt.body, tt.status, tt.code)
		if got := e.Message + " | " + e.Fields[tt.field]; !strings.Contains(e.Message, tt.want) || tt.field != "" && !strings.Contains(e.Fields[tt.field], tt.want) {
			t.Errorf("POST /api/v1/templates %v: %s; want %q", tt.body, got, tt.want)
		}
	}
	var list []apiTemplateJSON
	s.call(t, http.MethodGet, "/api/v1/templates", nil, http.StatusOK, &list)
	if len(list) != 1 || list[0].Name != "shop export" {
		t.Errorf("GET /api/v1/templates: %+v", list)
	}

	// April's file: the template maps it, and says so column by column;
	// the response is what the mapping's PUT answers, with the reasons.
	april := s.mustUpload(t, "april.csv", []byte("GIVEN,family,Email,Cell no,Mobile\nBo,Ng,bo@example.com,1,2\n"))
	path := fmt.Sprintf("/api/v1/imports/%d/template", april.ID)
	var applied map[string]any
	s.call(t, http.MethodPost, path, map[string]string{"name": "Shop Export"}, http.StatusOK, &applied)
	var put map[string]any
	s.call(t, http.MethodPut, fmt.Sprintf("/api/v1/imports/%d/mapping", april.ID), map[string]any{}, http.StatusOK, &put)
	for key := range put {
		if _, ok := applied[key]; !ok {
			t.Errorf("the template's response lacks %q, which the mapping's PUT gives", key)
		}
	}
	var got struct {
		Mapping     map[string]string `json:"mapping"`
		Reasons     map[string]string `json:"reasons"`
		Unmapped    []string          `json:"unmapped"`
		OnDuplicate string            `json:"on_duplicate"`
		BatchSize   int               `json:"batch_size"`
	}
	b, _ := json.Marshal(applied)
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"GIVEN": "first_name", "family": "last_name", "Email": "email", "Cell no": "alternative"}
	from := `from template "shop export"`
	if !reflect.DeepEqual(got.Mapping, want) || got.OnDuplicate != "update" || got.BatchSize != 25 || strings.Join(got.Unmapped, ",") != "Mobile" {
		t.Errorf("after the template: %+v", got)
	}
	if !reflect.DeepEqual(got.Reasons, map[string]string{"GIVEN": from, "family": from, "Email": from, "Cell no": from}) {
		t.Errorf("reasons %v", got.Reasons)
	}

	e = s.fail(t, http.MethodPost, path, map[string]string{"name": "monthly"}, http.StatusNotFound, "not_found")
	if want := `There is no template named "monthly"; the saved templates are "shop export".`; e.Message != want || e.Fields["name"] != want {
		t.Errorf("an unknown template: %+v", e)
	}
	if e := s.fail(t, http.MethodPost, path, map[string]string{}, http.StatusBadRequest, "invalid"); !strings.Contains(e.Fields["name"], "GET /api/v1/templates lists them") {
		t.Errorf("no name: %+v", e)
	}
	if e := s.fail(t, http.MethodPost, "/api/v1/imports/999/template", map[string]string{"name": "shop export"}, http.StatusNotFound, "not_found"); !strings.Contains(e.Message, "There is no import 999") {
		t.Errorf("no import: %+v", e)
	}

	// Deleted, in any case; then it is gone, and the message says how to
	// save one.
	if resp, b := s.request(t, http.MethodDelete, "/api/v1/templates/SHOP%20EXPORT", nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", resp.StatusCode, b)
	}
	e = s.fail(t, http.MethodDelete, "/api/v1/templates/shop%20export", nil, http.StatusNotFound, "not_found")
	if !strings.Contains(e.Message, `no template is saved yet; save one from an import first (POST /api/v1/templates with "import_id" and "name").`) {
		t.Errorf("deleting it again: %+v", e)
	}
}
