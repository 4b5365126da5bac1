package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

func (e *pageEnv) field(t *testing.T, key string) (crm.Field, bool) {
	t.Helper()
	sc, err := e.st.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sc.Field(key)
}

func TestPageFieldList(t *testing.T) {
	e := newPageEnv(t)
	r := e.get(t, "/fields")
	r.want(t, http.StatusOK, `aria-current="page">Fields`, "No custom fields yet",
		"<code>first_name</code>", `data-label="Max chars">30</td>`, `data-label="Max chars">254</td>`,
		"8 digits", "Values: Default.", `href="/fields/customer_type"`)
	if strings.Contains(r.Body, `href="/fields/first_name"`) {
		t.Error("a standard field links to an edit form")
	}
	e.get(t, "/fields/first_name").want(t, http.StatusUnprocessableEntity, "First Name is a standard field; it cannot be changed.")
	e.get(t, "/fields/nope").want(t, http.StatusNotFound)
}

func TestPageFieldCreate(t *testing.T) {
	e := newPageEnv(t)
	e.get(t, "/fields/new").want(t, http.StatusOK, "New custom field", `<select id="type" name="type"`,
		`<option value="picklist">`, "The type cannot be changed after saving.", "Picklist values, one per line")

	// Invalid definitions come back with each problem next to its input.
	r := e.post(t, "/fields", url.Values{"name": {"Loyalty Tier"}, "label": {"Tier"}, "type": {"picklist"}, "values": {"\n"}})
	r.want(t, http.StatusUnprocessableEntity, "The field was not created", `value="Loyalty Tier"`)
	if !strings.Contains(r.Body, `id="err-name">The name may hold only lowercase letters`) {
		t.Error("no name error next to the name")
	}
	if !strings.Contains(r.Body, `id="err-values">A picklist field needs at least one value.`) {
		t.Error("no values error next to the values")
	}
	r = e.post(t, "/fields", url.Values{"name": {"size"}, "type": {"text"}, "max_length": {"lots"}})
	r.want(t, http.StatusUnprocessableEntity, `id="err-max_length">The maximum length must be a whole number`)
	e.post(t, "/fields", url.Values{"name": {"email"}, "type": {"text"}}).want(t, http.StatusUnprocessableEntity, "is the name of a standard field")

	loc := e.post(t, "/fields", url.Values{"name": {"tier"}, "label": {"Tier"}, "type": {"picklist"}, "values": {"Gold\nSilver\r\n\nBronze"}}).redirect(t, "/fields")
	r = e.get(t, loc)
	r.want(t, http.StatusOK, "The field Tier was created.", "<code>tier</code>", "Gold, Silver, Bronze", `aria-label="Delete Tier"`)
	f, ok := e.field(t, "tier")
	if !ok || f.Type != crm.TypePicklist || !slices.Equal(f.Values, []string{"Gold", "Silver", "Bronze"}) {
		t.Fatalf("created field: %+v", f)
	}
	e.post(t, "/fields", url.Values{"name": {"tier"}, "type": {"text"}}).want(t, http.StatusUnprocessableEntity, `id="err-name">A custom field named &#34;tier&#34; already exists. Choose another name.`)
}

func TestPageFieldEdit(t *testing.T) {
	e := newPageEnv(t)
	ctx := context.Background()
	if err := e.st.CreateField(ctx, &crm.Field{Key: "notes2", Label: "More notes", Type: crm.TypeText, MaxLength: 100}); err != nil {
		t.Fatal(err)
	}
	r := e.get(t, "/fields/notes2")
	r.want(t, http.StatusOK, "Edit field More notes", `value="More notes"`, `value="100"`,
		"The type cannot be changed after saving.", `id="type" value="Text" readonly`, `id="name" value="notes2" readonly`)
	if strings.Contains(r.Body, `name="type"`) {
		t.Error("the edit form posts a type, which cannot change")
	}

	loc := e.post(t, "/fields/notes2", url.Values{"label": {"Notes, more"}, "max_length": {"500"}, "required": {"true"}, "default": {"none"}}).redirect(t, "/fields/notes2")
	e.get(t, loc).want(t, http.StatusOK, "Your changes were saved.", `value="Notes, more"`, `value="500"`)
	if f, _ := e.field(t, "notes2"); f.Label != "Notes, more" || f.MaxLength != 500 || !f.Required || f.Default != "none" {
		t.Errorf("after saving: %+v", f)
	}

	// A type change is refused, saying why.
	r = e.post(t, "/fields/notes2", url.Values{"label": {"Notes"}, "type": {"number"}})
	r.want(t, http.StatusUnprocessableEntity, `id="err-type">The type of &#34;notes2&#34; is text and cannot be changed once saved; create a new field of type number instead.`)
	if f, _ := e.field(t, "notes2"); f.Type != crm.TypeText || f.Label != "Notes, more" {
		t.Errorf("after a refused type change: %+v", f)
	}
	r = e.post(t, "/fields/notes2", url.Values{"label": {strings.Repeat("L", 33)}, "max_length": {"9000"}})
	r.want(t, http.StatusUnprocessableEntity, `id="err-label">The label is 33 characters long`, `id="err-max_length">The maximum length of a text field must be from 1 to 4000.`)
}

func TestPageFieldPicklistValues(t *testing.T) {
	e := newPageEnv(t)
	if err := e.st.CreateField(context.Background(), &crm.Field{Key: "tier", Label: "Tier", Type: crm.TypePicklist, Values: []string{"Gold", "Silver"}, Default: "Silver"}); err != nil {
		t.Fatal(err)
	}
	values := func() []string {
		f, _ := e.field(t, "tier")
		return f.Values
	}
	e.get(t, "/fields/tier").want(t, http.StatusOK, "Values of Tier", `aria-label="Move Gold up" disabled`, `aria-label="Move Silver down" disabled`, `aria-label="Remove Gold"`, "Add value")

	e.post(t, "/fields/tier/values", url.Values{"op": {"add"}, "value": {"Bronze"}}).redirect(t, "/fields/tier#values")
	e.post(t, "/fields/tier/values", url.Values{"op": {"up:2"}}).redirect(t, "/fields/tier")
	if got := values(); !slices.Equal(got, []string{"Gold", "Bronze", "Silver"}) {
		t.Fatalf("after add and up: %v", got)
	}
	e.post(t, "/fields/tier/values", url.Values{"op": {"down:0"}}).redirect(t, "/fields/tier")
	e.post(t, "/fields/tier/values", url.Values{"op": {"remove:0"}}).redirect(t, "/fields/tier")
	if got := values(); !slices.Equal(got, []string{"Gold", "Silver"}) {
		t.Fatalf("after down and remove: %v", got)
	}
	r := e.post(t, "/fields/tier/values", url.Values{"op": {"add"}, "value": {"gold"}})
	r.want(t, http.StatusUnprocessableEntity, "is there twice", `value="gold"`)
	e.post(t, "/fields/tier/values", url.Values{"op": {"remove:1"}}).want(t, http.StatusUnprocessableEntity, "Change the default value before removing it.")
	e.post(t, "/fields/tier/values", url.Values{"op": {"remove:7"}}).want(t, http.StatusUnprocessableEntity, "no longer in the list")

	// Customer types are the values of the standard field customer_type.
	e.get(t, "/fields/customer_type").want(t, http.StatusOK, "Customer types", `aria-label="Remove Default"`)
	e.post(t, "/fields/customer_type/values", url.Values{"op": {"add"}, "value": {"Partner"}}).redirect(t, "/fields/customer_type")
	if f, _ := e.field(t, crm.KeyCustomerType); !slices.Equal(f.Values, []string{"Default", "Partner"}) {
		t.Errorf("customer types: %v", f.Values)
	}
	e.get(t, "/fields").want(t, http.StatusOK, "Values: Default, Partner.")
	e.post(t, "/fields/customer_type", url.Values{"label": {"Kind"}}).want(t, http.StatusUnprocessableEntity, "Only the values of Customer Type can change.")
}

func TestPageFieldDelete(t *testing.T) {
	e := newPageEnv(t)
	ctx := context.Background()
	if err := e.st.CreateField(ctx, &crm.Field{Key: "tier", Label: "Tier", Type: crm.TypeText}); err != nil {
		t.Fatal(err)
	}
	c := e.mustCustomer(t, map[string]string{"first_name": "Ada", "last_name": "Lovelace", "tier": "Gold"})
	e.get(t, "/fields/tier/delete").want(t, http.StatusOK, "Delete the field Tier (tier)?", "Every customer&#39;s value for this field is deleted", "Delete the field Tier</button>")
	loc := e.post(t, "/fields/tier/delete", nil).redirect(t, "/fields")
	e.get(t, loc).want(t, http.StatusOK, "The field Tier (tier) and its values were deleted.", "No custom fields yet")
	if _, ok := e.field(t, "tier"); ok {
		t.Error("the field is still there")
	}
	if got, _ := e.st.GetCustomer(ctx, c.AccountNumber); got.Get("tier") != "" {
		t.Errorf("the customer keeps the deleted field's value %q", got.Get("tier"))
	}
	e.post(t, "/fields/tier/delete", nil).want(t, http.StatusNotFound)
	e.post(t, "/fields/email/delete", nil).want(t, http.StatusUnprocessableEntity, "standard field")
}
