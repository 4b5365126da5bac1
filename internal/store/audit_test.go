package store_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// auditCount is how many entries of the audit log have the action.
func auditCount(t *testing.T, st *store.Store, action crm.AuditAction) int {
	t.Helper()
	_, n, err := st.ListAudit(t.Context(), crm.AuditFilter{Action: action})
	if err != nil {
		t.Fatalf("ListAudit(%s): %v", action, err)
	}
	return n
}

func TestAuditLogRefusesChanges(t *testing.T) {
	st := openTestStore(t)
	mustUser(t, st, "root", crm.RoleAdmin)
	db := rawDB(t, st)
	before := countRows(t, db, `SELECT count(*) FROM audit_log`)
	if before == 0 {
		t.Fatal("creating a user wrote no audit entry")
	}
	for _, q := range []string{
		`UPDATE audit_log SET actor = 'someone else'`,
		`UPDATE audit_log SET detail = '' WHERE id = 1`,
		`DELETE FROM audit_log`,
		`DELETE FROM audit_log WHERE id = 1`,
		`INSERT OR REPLACE INTO audit_log (id, at, actor, actor_kind, addr, action, target, detail) VALUES (1, '', 'someone else', '', '', '', '', '')`,
		`REPLACE INTO audit_log (id, at, actor, actor_kind, addr, action, target, detail) SELECT id, at, 'someone else', actor_kind, addr, action, target, detail FROM audit_log`,
		`TRUNCATE audit_log`, // PostgreSQL
	} {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("%s: no error, want the audit log to refuse it", q)
		}
	}
	if after := countRows(t, db, `SELECT count(*) FROM audit_log WHERE actor <> 'someone else'`); after != before {
		t.Errorf("%d unchanged entries after the refusals, want %d", after, before)
	}
}

func TestAuditEntryCommitsWithItsChange(t *testing.T) {
	st := openTestStore(t)
	ctx := crm.WithActor(t.Context(), crm.Actor{Name: "ann", Kind: crm.ActorUser, UserID: 1, Role: crm.RoleAdmin, Addr: "192.0.2.7"})

	// A change and its entry, together.
	account := mustCreate(t, st, customer("first_name", "Ann", "last_name", "Lee"))
	entries, _, err := st.ListAudit(ctx, crm.AuditFilter{Action: crm.AuditCustomerAdded})
	if err != nil || len(entries) != 1 {
		t.Fatalf("customer-created entries: %v, %v; want 1", entries, err)
	}
	c := &crm.Customer{}
	c.Set("first_name", "Bo")
	c.Set("last_name", "Yu")
	if err := st.CreateCustomer(ctx, c); err != nil {
		t.Fatal(err)
	}
	entries, _, err = st.ListAudit(ctx, crm.AuditFilter{Action: crm.AuditCustomerAdded})
	if err != nil || len(entries) != 2 {
		t.Fatalf("customer-created entries: %v, %v; want 2", entries, err)
	}
	e := entries[0]
	if e.Actor != "ann" || e.ActorKind != crm.ActorUser || e.Addr != "192.0.2.7" || e.Target != fmt.Sprintf("customer %d", c.AccountNumber) || e.At.IsZero() {
		t.Errorf("entry %+v, want ann from 192.0.2.7 creating customer %d", e, c.AccountNumber)
	}
	if entries[1].ActorKind != crm.ActorSystem || entries[1].Target != fmt.Sprintf("customer %d", account) {
		t.Errorf("entry without an actor %+v, want the system's", entries[1])
	}

	// Failed changes leave no entry.
	if err := st.CreateCustomer(ctx, customer("first_name", "Cy", "last_name", "Oh", "email", "not an email")); !errors.Is(err, crm.ErrInvalid) {
		t.Fatalf("invalid customer: error = %v, want ErrInvalid", err)
	}
	if n := auditCount(t, st, crm.AuditCustomerAdded); n != 2 {
		t.Errorf("%d customer-created entries after an invalid customer, want 2", n)
	}

	mustUser(t, st, "root", crm.RoleAdmin)
	if err := st.CreateUser(ctx, &crm.User{Name: "ROOT", Role: crm.RoleViewer}, testHash); !errors.Is(err, crm.ErrConflict) {
		t.Fatalf("duplicate user: error = %v, want ErrConflict", err)
	}
	if n := auditCount(t, st, crm.AuditUserCreated); n != 1 {
		t.Errorf("%d user-created entries after a duplicate name, want 1", n)
	}

	yes := true
	if _, err := st.ChangeUser(ctx, "root", store.UserChange{Disabled: &yes}); !errors.Is(err, crm.ErrInvalid) {
		t.Fatalf("disable the last admin: error = %v, want ErrInvalid", err)
	}
	if n := auditCount(t, st, crm.AuditUserChanged); n != 0 {
		t.Errorf("%d user-changed entries after a refused change, want 0", n)
	}
	if err := st.RevokeToken(ctx, 4242); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("revoke an unknown token: error = %v, want ErrNotFound", err)
	}
	if n := auditCount(t, st, crm.AuditTokenRevoked); n != 0 {
		t.Errorf("%d token-revoked entries after a failed revoke, want 0", n)
	}
}

func TestListAuditFiltersAndPages(t *testing.T) {
	st := openTestStore(t)
	db := rawDB(t, st)
	// Two old entries, written as a restored backup would have them.
	for _, at := range []string{"2020-01-01T00:00:00.000Z", "2020-06-01T00:00:00.000Z"} {
		if _, err := db.Exec(`INSERT INTO audit_log (at, actor, actor_kind, addr, action, target, detail) VALUES (?, 'old', 'user', '', 'sign-in', 'user old', '')`, at); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now().Add(-time.Second)
	as := func(name string) *crm.Actor { return &crm.Actor{Name: name, Kind: crm.ActorUser, Addr: "192.0.2.9"} }
	for i, a := range []struct {
		who    *crm.Actor
		action crm.AuditAction
	}{
		{as("ann"), crm.AuditSignIn},
		{as("ann"), crm.AuditExport},
		{as("bob"), crm.AuditSignIn},
		{as("ann"), crm.AuditSignInFailed},
		{as("bob"), crm.AuditExport},
		{as("ann"), crm.AuditSignIn},
		{as("cleo"), crm.AuditSignIn},
	} {
		if err := st.Audit(crm.WithActor(t.Context(), *a.who), a.action, fmt.Sprintf("entry %d", i), ""); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name    string
		f       crm.AuditFilter
		targets []string // newest first
		total   int
	}{
		{"all", crm.AuditFilter{}, []string{"entry 6", "entry 5", "entry 4", "entry 3", "entry 2", "entry 1", "entry 0", "user old", "user old"}, 9},
		{"since", crm.AuditFilter{Since: start}, []string{"entry 6", "entry 5", "entry 4", "entry 3", "entry 2", "entry 1", "entry 0"}, 7},
		{"since between the old ones", crm.AuditFilter{Since: time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC), Actor: "old"}, []string{"user old"}, 1},
		{"actor", crm.AuditFilter{Actor: "ann"}, []string{"entry 5", "entry 3", "entry 1", "entry 0"}, 4},
		{"action", crm.AuditFilter{Action: crm.AuditExport}, []string{"entry 4", "entry 1"}, 2},
		{"actor and action", crm.AuditFilter{Actor: "ann", Action: crm.AuditSignIn}, []string{"entry 5", "entry 0"}, 2},
		{"actor is exact", crm.AuditFilter{Actor: "an"}, nil, 0},
		{"first page", crm.AuditFilter{Since: start, Limit: 3}, []string{"entry 6", "entry 5", "entry 4"}, 7},
		{"second page", crm.AuditFilter{Since: start, Limit: 3, Offset: 3}, []string{"entry 3", "entry 2", "entry 1"}, 7},
		{"last page", crm.AuditFilter{Since: start, Limit: 3, Offset: 6}, []string{"entry 0"}, 7},
		{"past the end", crm.AuditFilter{Since: start, Limit: 3, Offset: 9}, nil, 7},
	}
	for _, tt := range tests {
		entries, total, err := st.ListAudit(t.Context(), tt.f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var targets []string
		for _, e := range entries {
			targets = append(targets, e.Target)
		}
		if !slices.Equal(targets, tt.targets) || total != tt.total {
			t.Errorf("%s: %q of %d, want %q of %d", tt.name, targets, total, tt.targets, tt.total)
		}
	}
}
