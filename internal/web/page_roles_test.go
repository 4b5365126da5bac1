package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// TestPageControlsByRole checks that each role sees exactly the controls
// it may use: the server refuses the others anyway, and a button that can
// only fail is a trap.
func TestPageControlsByRole(t *testing.T) {
	e := newPageEnv(t)
	if err := e.st.CreateField(context.Background(), &crm.Field{Key: "tier", Label: "Tier", Type: crm.TypeText}); err != nil {
		t.Fatal(err)
	}
	ada := e.mustCustomer(t, map[string]string{"first_name": "Ada", "last_name": "Lovelace"})
	customer := fmt.Sprintf("/customers/%d", ada.AccountNumber)

	// control is a piece of a page that appears only for role and above.
	type control struct {
		page, marker string
		need         crm.Role
	}
	controls := []control{
		// The header's tabs.
		{"/customers", `href="/imports"`, crm.RoleManager},
		{"/customers", `href="/users"`, crm.RoleAdmin},
		{"/customers", `href="/audit"`, crm.RoleAdmin},
		// The customers list.
		{"/customers", `href="/customers/new">New customer`, crm.RoleAgent},
		{"/customers", `href="/imports/new">Import a file`, crm.RoleManager},
		// A customer: editable by agents, deletable by managers.
		{customer, `>Save changes</button>`, crm.RoleAgent},
		{customer, `Delete customer…`, crm.RoleManager},
		{customer, `href="` + customer + `/delete"`, crm.RoleManager},
		// The fields: defined by admins.
		{"/fields", `>New custom field</a>`, crm.RoleAdmin},
		{"/fields", `href="/fields/new"`, crm.RoleAdmin},
		{"/fields", `aria-label="Edit Tier"`, crm.RoleAdmin},
		{"/fields", `href="/fields/tier/delete"`, crm.RoleAdmin},
		{"/fields", `href="/fields/tier"`, crm.RoleAdmin},
		{"/fields", `href="/fields/customer_type"`, crm.RoleAdmin},
	}
	// readOnly is what marks a customer as read-only: below agent only.
	readOnly := []string{`<fieldset disabled>`, `id="read-only"`}

	for _, role := range crm.Roles {
		t.Run(string(role), func(t *testing.T) {
			u := mustUser(t, e.st, "user-"+string(role), role)
			c := e.signedIn(t, u)
			bodies := map[string]string{}
			for _, path := range []string{"/customers", customer, "/fields"} {
				r := e.getAs(t, c, path)
				r.want(t, http.StatusOK)
				bodies[path] = r.Body
			}
			for _, ctl := range controls {
				want := role.Allows(ctl.need)
				if got := strings.Contains(bodies[ctl.page], ctl.marker); got != want {
					t.Errorf("%s on %s: shown %v, want %v", ctl.marker, ctl.page, got, want)
				}
			}
			for _, marker := range readOnly {
				want := !role.Allows(crm.RoleAgent)
				if got := strings.Contains(bodies[customer], marker); got != want {
					t.Errorf("%s on the customer: shown %v, want %v", marker, got, want)
				}
			}
			// Everyone still reads the customer's values and the fields.
			if !strings.Contains(bodies[customer], `value="Lovelace"`) || !strings.Contains(bodies["/fields"], "<code>tier</code>") {
				t.Error("the customer's values or the custom field are not shown")
			}

			// The import wizard offers to create a field only to admins.
			if !role.Allows(crm.RoleManager) {
				e.getAs(t, c, "/imports/new").want(t, http.StatusForbidden)
				return
			}
			r := e.getAs(t, c, "/imports/new")
			r.want(t, http.StatusOK)
			m := regexp.MustCompile(`(?s)<script type="application/json" id="wizard-data">(.*?)</script>`).FindStringSubmatch(r.Body)
			if m == nil {
				t.Fatal("no wizard data")
			}
			var data wizardData
			if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
				t.Fatal(err)
			}
			if want := role == crm.RoleAdmin; data.CanCreateFields != want {
				t.Errorf("can_create_fields is %v, want %v", data.CanCreateFields, want)
			}
			if want := role == crm.RoleAdmin; strings.Contains(r.Body, "or create a custom field for one") != want {
				t.Errorf("the unmatched columns' hint offers to create a field: %v, want %v", !want, want)
			}
		})
	}
}
