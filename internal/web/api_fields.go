package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"localcrm/internal/crm"
)

// apiFieldBody is the body of POST /api/v1/fields and PUT
// /api/v1/fields/{name}. Pointers tell a key left out from a zero value:
// an update changes only the keys given.
type apiFieldBody struct {
	Name      *string   `json:"name"`
	Label     *string   `json:"label"`
	Type      *string   `json:"type"`
	MaxLength *int      `json:"max_length"`
	Values    *[]string `json:"values"`
	Default   *string   `json:"default"`
	Required  *bool     `json:"required"`
}

var apiFieldKeys = []string{"name", "label", "type", "max_length", "values", "default", "required"}

// apply sets the given keys on f.
func (b *apiFieldBody) apply(f *crm.Field) {
	if b.Name != nil {
		f.Key = strings.TrimSpace(*b.Name)
	}
	if b.Label != nil {
		f.Label = *b.Label
	}
	if b.Type != nil {
		f.Type = crm.FieldType(strings.ToLower(strings.TrimSpace(*b.Type)))
	}
	if b.MaxLength != nil {
		f.MaxLength = *b.MaxLength
	}
	if b.Values != nil {
		f.Values = *b.Values
	}
	if b.Default != nil {
		f.Default = *b.Default
	}
	if b.Required != nil {
		f.Required = *b.Required
	}
}

func (h *Handler) apiFieldList(w http.ResponseWriter, r *http.Request) error {
	sc, err := h.Store.Schema(r.Context())
	if err != nil {
		return err
	}
	fields := make([]crm.Field, len(sc.Fields))
	for i, f := range sc.Fields {
		fields[i] = apiFieldOut(f)
	}
	apiWriteJSON(w, http.StatusOK, fields)
	return nil
}

func (h *Handler) apiFieldCreate(w http.ResponseWriter, r *http.Request) error {
	var body apiFieldBody
	if err := apiDecode(w, r, &body, apiFieldKeys); err != nil {
		return err
	}
	var f crm.Field
	body.apply(&f)
	ctx := r.Context()
	if err := h.Store.CreateField(ctx, &f); err != nil {
		if errors.Is(err, crm.ErrConflict) {
			msg := fmt.Sprintf("There is already a field named %q; choose another name.", f.Key)
			return apiFail(err, map[string]string{"name": msg}, "%s", msg)
		}
		return err
	}
	w.Header().Set("Location", "/api/v1/fields/"+f.Key)
	return h.apiWriteField(w, r, http.StatusCreated, f.Key)
}

func (h *Handler) apiFieldUpdate(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	var body apiFieldBody
	if err := apiDecode(w, r, &body, apiFieldKeys); err != nil {
		return err
	}
	ctx := r.Context()
	sc, err := h.Store.Schema(ctx)
	if err != nil {
		return err
	}
	old, ok := sc.Field(name)
	if !ok {
		return apiNoField(name)
	}
	if old.Key == crm.KeyCustomerType {
		// Only its values, the customer types, are the admin's to change.
		var v crm.ValidationError
		for _, k := range []struct {
			key   string
			given bool
		}{{"label", body.Label != nil}, {"type", body.Type != nil}, {"max_length", body.MaxLength != nil},
			{"default", body.Default != nil}, {"required", body.Required != nil}} {
			if k.given {
				v.Add(k.key, "", fmt.Sprintf("The %s of %s cannot change: only its values, the customer types, can.", k.key, old.Label))
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
	}
	f := old
	body.apply(&f)
	if f.Key != old.Key {
		return crm.ValidateChange(old, f) // refuses the new name, and a new type
	}
	if err := h.Store.UpdateField(ctx, &f); err != nil {
		if errors.Is(err, crm.ErrNotFound) {
			return apiNoField(name) // deleted meanwhile
		}
		return err
	}
	return h.apiWriteField(w, r, http.StatusOK, name)
}

func (h *Handler) apiFieldDelete(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if err := h.Store.DeleteField(r.Context(), name); err != nil {
		if errors.Is(err, crm.ErrNotFound) {
			return apiNoField(name)
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiWriteField writes the field named key as the schema now holds it.
func (h *Handler) apiWriteField(w http.ResponseWriter, r *http.Request, status int, key string) error {
	sc, err := h.Store.Schema(r.Context())
	if err != nil {
		return err
	}
	f, ok := sc.Field(key)
	if !ok {
		return apiNoField(key) // deleted meanwhile
	}
	apiWriteJSON(w, status, apiFieldOut(f))
	return nil
}

// apiFieldOut is f as the API writes it, with values always an array, as
// the CLI's `fields list --json` writes it.
func apiFieldOut(f crm.Field) crm.Field {
	if f.Values == nil {
		f.Values = []string{}
	}
	return f
}

func apiNoField(name string) error {
	return apiFail(crm.ErrNotFound, nil, "There is no field %q; GET /api/v1/fields lists them.", name)
}
