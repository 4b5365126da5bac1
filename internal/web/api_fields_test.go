package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

func TestAPIFieldList(t *testing.T) {
	s := newTestServer(t)
	resp, b := s.request(t, http.MethodGet, "/api/v1/fields", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if bytes.Contains(b, []byte(`"values":null`)) {
		t.Errorf("values must always be an array: %s", b)
	}
	var fields []crm.Field
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // the keys are exactly the CLI's
	if err := dec.Decode(&fields); err != nil {
		t.Fatal(err)
	}
	if len(fields) != len(crm.StandardFields()) || fields[0].Key != "account_number" || fields[1].Key != "first_name" {
		t.Fatalf("fields %+v", fields)
	}
	ct := fields[9]
	if ct.Key != "customer_type" || !reflect.DeepEqual(ct.Values, []string{"Default"}) || ct.Default != "Default" || !ct.Standard {
		t.Errorf("customer_type %+v", ct)
	}
	if !fields[1].Required || fields[1].MaxLength != 30 {
		t.Errorf("first_name %+v", fields[1])
	}
}

func TestAPIFieldCRUD(t *testing.T) {
	s := newTestServer(t)

	var f crm.Field
	resp := s.call(t, http.MethodPost, "/api/v1/fields", map[string]any{
		"name": "tier", "label": "Loyalty Tier", "type": "picklist", "values": []string{"Gold", "Silver"}, "default": "silver",
	}, http.StatusCreated, &f)
	want := crm.Field{Key: "tier", Label: "Loyalty Tier", Type: crm.TypePicklist, MaxLength: 85, Values: []string{"Gold", "Silver"}, Default: "Silver"}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("created %+v, want %+v", f, want)
	}
	if resp.Header.Get("Location") != "/api/v1/fields/tier" {
		t.Errorf("Location %q", resp.Header.Get("Location"))
	}
	s.call(t, http.MethodPost, "/api/v1/fields", map[string]any{"name": "notes2", "type": "text"}, http.StatusCreated, &f)
	if f.Label != "notes2" || f.MaxLength != 255 || f.Values == nil {
		t.Errorf("defaults: %+v", f)
	}

	// Refusals.
	e := s.fail(t, http.MethodPost, "/api/v1/fields", map[string]any{"name": "tier", "type": "text"}, http.StatusConflict, "conflict")
	if e.Fields["name"] == "" || !strings.Contains(e.Message, "tier") {
		t.Errorf("duplicate name: %q %v", e.Message, e.Fields)
	}
	e = s.fail(t, http.MethodPost, "/api/v1/fields", map[string]any{"name": "Bad Name", "type": "colour", "max_length": 5}, http.StatusBadRequest, "invalid")
	if e.Fields["name"] == "" || e.Fields["type"] == "" {
		t.Errorf("bad definition: fields %v", e.Fields)
	}
	e = s.fail(t, http.MethodPost, "/api/v1/fields", map[string]any{"name": "email", "type": "text"}, http.StatusBadRequest, "invalid")
	if !strings.Contains(e.Fields["name"], "standard") {
		t.Errorf("standard name: fields %v", e.Fields)
	}
	e = s.fail(t, http.MethodPost, "/api/v1/fields", map[string]any{"name": "size", "type": "text", "values": []string{"S", "M"}}, http.StatusBadRequest, "invalid")
	if e.Fields["values"] == "" {
		t.Errorf("values for a text field: fields %v", e.Fields)
	}
	e = s.fail(t, http.MethodPost, "/api/v1/fields", `{"name": "x", "type": "text", "colour": "red"}`, http.StatusBadRequest, "invalid")
	if e.Fields["colour"] == "" {
		t.Errorf("unknown key: fields %v", e.Fields)
	}

	// Update: only the keys given change.
	s.call(t, http.MethodPut, "/api/v1/fields/tier", map[string]any{"label": "Tier", "values": []string{"Gold", "Silver", "Bronze"}}, http.StatusOK, &f)
	if f.Label != "Tier" || len(f.Values) != 3 || f.Default != "Silver" {
		t.Errorf("updated %+v", f)
	}
	s.call(t, http.MethodPut, "/api/v1/fields/tier", map[string]any{"type": "picklist", "required": true}, http.StatusOK, &f)
	if !f.Required || f.Label != "Tier" {
		t.Errorf("updated %+v", f)
	}
	// The type and the name are fixed once saved.
	e = s.fail(t, http.MethodPut, "/api/v1/fields/tier", map[string]any{"type": "text"}, http.StatusBadRequest, "invalid")
	if !strings.Contains(e.Fields["type"], "cannot be changed") {
		t.Errorf("type change: fields %v", e.Fields)
	}
	e = s.fail(t, http.MethodPut, "/api/v1/fields/tier", map[string]any{"name": "level"}, http.StatusBadRequest, "invalid")
	if e.Fields["name"] == "" {
		t.Errorf("rename: fields %v", e.Fields)
	}
	e = s.fail(t, http.MethodPut, "/api/v1/fields/tier", map[string]any{"default": "Platinum"}, http.StatusBadRequest, "invalid")
	if e.Fields["default"] == "" {
		t.Errorf("bad default: fields %v", e.Fields)
	}
	// Standard fields: only the customer types change.
	s.call(t, http.MethodPut, "/api/v1/fields/customer_type", map[string]any{"values": []string{"Default", "VIP"}}, http.StatusOK, &f)
	if !reflect.DeepEqual(f.Values, []string{"Default", "VIP"}) {
		t.Errorf("customer types %q", f.Values)
	}
	if e := s.fail(t, http.MethodPut, "/api/v1/fields/customer_type", map[string]any{"label": "Kind"}, http.StatusBadRequest, "invalid"); e.Fields["label"] == "" {
		t.Errorf("customer_type label: fields %v", e.Fields)
	}
	s.fail(t, http.MethodPut, "/api/v1/fields/first_name", map[string]any{"label": "Given Name"}, http.StatusBadRequest, "invalid")
	s.fail(t, http.MethodPut, "/api/v1/fields/nope", map[string]any{"label": "X"}, http.StatusNotFound, "not_found")

	// The new field is on customers.
	var c map[string]any
	s.call(t, http.MethodPost, "/api/v1/customers", map[string]any{"first_name": "A", "last_name": "B", "tier": "gold"}, http.StatusCreated, &c)
	if c["tier"] != "Gold" {
		t.Errorf("customer with tier: %v", c)
	}

	// Delete takes the values with it.
	resp, b := s.request(t, http.MethodDelete, "/api/v1/fields/tier", nil)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: status %d: %s", resp.StatusCode, b)
	}
	c = nil
	s.call(t, http.MethodGet, "/api/v1/customers/10000000", nil, http.StatusOK, &c)
	if _, ok := c["tier"]; ok {
		t.Errorf("the deleted field's value is still there: %v", c)
	}
	s.fail(t, http.MethodDelete, "/api/v1/fields/tier", nil, http.StatusNotFound, "not_found")
	s.fail(t, http.MethodDelete, "/api/v1/fields/email", nil, http.StatusBadRequest, "invalid")
}
