package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"localcrm/internal/auth"
	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// testHash stands for a password hash: the store keeps what it is given.
const testHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"

// mustUser creates a user and returns it.
func mustUser(t *testing.T, st *store.Store, name string, role crm.Role) *crm.User {
	t.Helper()
	u := &crm.User{Name: name, Role: role}
	if err := st.CreateUser(t.Context(), u, testHash); err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

// rawDB opens the store's database beside it, as a SQL shell would: on
// SQLite a connection of its own to the file, on PostgreSQL the store's
// pool.
func rawDB(t *testing.T, st *store.Store) *sql.DB {
	t.Helper()
	if onPostgres() {
		return st.DB()
	}
	db, err := sql.Open("sqlite", "file:"+st.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// sqlTime is a time as the store keeps it.
func sqlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// mustSession signs u in with a new random session id, which it returns.
func mustSession(t *testing.T, st *store.Store, u *crm.User, lim store.SessionLimits) []byte {
	t.Helper()
	id, err := auth.NewSecret("")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(t.Context(), auth.Hash(id), u, lim); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return auth.Hash(id)
}

func countRows(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestUserNamesAreUniqueIgnoringCase(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	mustUser(t, st, "Ann.Lee", crm.RoleAgent)
	for _, name := range []string{"Ann.Lee", "ann.lee", "ANN.LEE"} {
		if err := st.CreateUser(ctx, &crm.User{Name: name, Role: crm.RoleViewer}, testHash); !errors.Is(err, crm.ErrConflict) {
			t.Errorf("CreateUser(%q) error = %v, want ErrConflict", name, err)
		}
	}
	for _, u := range []*crm.User{{Name: "", Role: crm.RoleViewer}, {Name: "ann lee", Role: crm.RoleViewer}, {Name: "bob", Role: "boss"}} {
		if err := st.CreateUser(ctx, u, testHash); !errors.Is(err, crm.ErrInvalid) {
			t.Errorf("CreateUser(%q, %q) error = %v, want ErrInvalid", u.Name, u.Role, err)
		}
	}
	if n, err := st.CountUsers(ctx); err != nil || n != 1 {
		t.Errorf("CountUsers = %d, %v; want 1", n, err)
	}
	u, hash, err := st.UserByName(ctx, "aNN.lEE")
	if err != nil || u.Name != "Ann.Lee" || u.Role != crm.RoleAgent || hash != testHash {
		t.Errorf("UserByName(aNN.lEE) = %+v, %q, %v; want Ann.Lee with the hash", u, hash, err)
	}
	if _, _, err := st.UserByName(ctx, "nobody"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("UserByName(nobody) error = %v, want ErrNotFound", err)
	}
}

func TestChangeUserKeepsAnEnabledAdmin(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	yes, no, agent, admin := true, false, crm.RoleAgent, crm.RoleAdmin
	mustUser(t, st, "root", crm.RoleAdmin)
	mustUser(t, st, "ann", crm.RoleViewer)

	refused := []struct {
		what string
		c    store.UserChange
	}{
		{"disable the last admin", store.UserChange{Disabled: &yes}},
		{"demote the last admin", store.UserChange{Role: &agent}},
	}
	for _, r := range refused {
		if _, err := st.ChangeUser(ctx, "root", r.c); !errors.Is(err, crm.ErrInvalid) {
			t.Errorf("%s: error = %v, want ErrInvalid", r.what, err)
		}
	}
	if u, _, _ := st.UserByName(ctx, "root"); u.Role != crm.RoleAdmin || u.Disabled {
		t.Fatalf("after refused changes root is %+v, want an enabled admin", u)
	}

	// A disabled admin is no admin: it does not let the last enabled one go.
	mustUser(t, st, "old-root", crm.RoleAdmin)
	if _, err := st.ChangeUser(ctx, "old-root", store.UserChange{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ChangeUser(ctx, "root", store.UserChange{Role: &agent}); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("demote root beside a disabled admin: error = %v, want ErrInvalid", err)
	}

	// With another enabled admin, root may go.
	if _, err := st.ChangeUser(ctx, "ann", store.UserChange{Role: &admin}); err != nil {
		t.Fatal(err)
	}
	if u, err := st.ChangeUser(ctx, "ROOT", store.UserChange{Role: &agent, Disabled: &yes}); err != nil || u.Role != crm.RoleAgent || !u.Disabled {
		t.Fatalf("demote and disable root beside ann: %+v, %v", u, err)
	}
	if _, err := st.ChangeUser(ctx, "ann", store.UserChange{Disabled: &yes}); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("disable ann, now the last admin: error = %v, want ErrInvalid", err)
	}
	if _, err := st.ChangeUser(ctx, "old-root", store.UserChange{Disabled: &no}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ChangeUser(ctx, "ann", store.UserChange{Disabled: &yes}); err != nil {
		t.Errorf("disable ann beside old-root, enabled again: %v", err)
	}
	if _, err := st.ChangeUser(ctx, "nobody", store.UserChange{Disabled: &yes}); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("change nobody: error = %v, want ErrNotFound", err)
	}
	bad := crm.Role("boss")
	if _, err := st.ChangeUser(ctx, "old-root", store.UserChange{Role: &bad}); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("role boss: error = %v, want ErrInvalid", err)
	}
}

func TestChangeUserEndsTheirSessions(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	lim := store.SessionLimits{Idle: time.Hour, Max: 12 * time.Hour}
	mustUser(t, st, "root", crm.RoleAdmin)
	ann := mustUser(t, st, "ann", crm.RoleAgent)
	bob := mustUser(t, st, "bob", crm.RoleAgent)
	viewer := crm.RoleViewer
	annSession, bobSession := mustSession(t, st, ann, lim), mustSession(t, st, bob, lim)
	if _, err := st.ChangeUser(ctx, "ann", store.UserChange{Role: &viewer}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Session(ctx, annSession, lim); !errors.Is(err, crm.ErrUnauthenticated) {
		t.Errorf("ann's session after her role changed: error = %v, want ErrUnauthenticated", err)
	}
	if u, err := st.Session(ctx, bobSession, lim); err != nil || u.Name != "bob" {
		t.Errorf("bob's session: %+v, %v; want it to go on", u, err)
	}
}

func TestSessionLifetimes(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	db := rawDB(t, st)
	lim := store.SessionLimits{Idle: time.Hour, Max: 12 * time.Hour}
	root := mustUser(t, st, "root", crm.RoleAdmin)
	now := time.Now()
	tests := []struct {
		name          string
		created, seen time.Time
		ok            bool
	}{
		{"fresh", now, now, true},
		{"used within the idle time", now.Add(-3 * time.Hour), now.Add(-50 * time.Minute), true},
		{"idle too long", now.Add(-3 * time.Hour), now.Add(-61 * time.Minute), false},
		{"alive too long", now.Add(-12*time.Hour - time.Minute), now.Add(-time.Minute), false},
	}
	for _, tt := range tests {
		id := mustSession(t, st, root, lim)
		if _, err := db.Exec(`UPDATE sessions SET created_at = ?, seen_at = ? WHERE id_hash = ?`, sqlTime(tt.created), sqlTime(tt.seen), id); err != nil {
			t.Fatal(err)
		}
		u, err := st.Session(ctx, id, lim)
		rows := countRows(t, db, `SELECT count(*) FROM sessions WHERE id_hash = ?`, id)
		if tt.ok {
			if err != nil || u.Name != "root" || rows != 1 {
				t.Errorf("%s: %+v, %v, %d rows; want root's session", tt.name, u, err, rows)
			}
			continue
		}
		if !errors.Is(err, crm.ErrUnauthenticated) || rows != 0 {
			t.Errorf("%s: error %v, %d rows; want ErrUnauthenticated and the row deleted", tt.name, err, rows)
		}
	}

	if _, err := st.Session(ctx, auth.Hash("made up"), lim); !errors.Is(err, crm.ErrUnauthenticated) {
		t.Errorf("unknown session: error = %v, want ErrUnauthenticated", err)
	}

	// A disabled user's session ends even if it was left in place.
	ann := mustUser(t, st, "ann", crm.RoleAgent)
	id := mustSession(t, st, ann, lim)
	if _, err := db.Exec(`UPDATE users SET disabled = 1 WHERE id = ?`, ann.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Session(ctx, id, lim); !errors.Is(err, crm.ErrUnauthenticated) {
		t.Errorf("disabled user's session: error = %v, want ErrUnauthenticated", err)
	}
	if n := countRows(t, db, `SELECT count(*) FROM sessions WHERE id_hash = ?`, id); n != 0 {
		t.Errorf("disabled user's session: %d rows left", n)
	}

	// Signing out deletes the session, once, on the record.
	id = mustSession(t, st, root, lim)
	for range 2 {
		if err := st.DeleteSession(ctx, id); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
	}
	if _, err := st.Session(ctx, id, lim); !errors.Is(err, crm.ErrUnauthenticated) {
		t.Errorf("signed-out session: error = %v, want ErrUnauthenticated", err)
	}
	if _, n, err := st.ListAudit(ctx, crm.AuditFilter{Action: crm.AuditSignOut}); err != nil || n != 1 {
		t.Errorf("sign-out entries: %d, %v; want 1", n, err)
	}
}

func TestTokens(t *testing.T) {
	st := openTestStore(t)
	ctx := crm.WithActor(t.Context(), crm.Actor{Name: "root", Kind: crm.ActorUser, Addr: "192.0.2.1"})
	newToken := func(tok *crm.Token) []byte {
		t.Helper()
		secret, err := auth.NewSecret(auth.TokenPrefix)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateToken(ctx, tok, auth.Hash(secret)); err != nil {
			t.Fatalf("CreateToken(%+v): %v", tok, err)
		}
		return auth.Hash(secret)
	}

	script := &crm.Token{Name: "nightly export", Role: crm.RoleManager}
	hash := newToken(script)
	got, err := st.TokenBySecret(ctx, hash)
	if err != nil || got.ID != script.ID || got.Role != crm.RoleManager || got.Name != "nightly export" || got.CreatedBy != "root" {
		t.Fatalf("TokenBySecret = %+v, %v; want the token made by root", got, err)
	}
	if got.LastUsedAt.IsZero() {
		t.Error("TokenBySecret does not mark the token used")
	}
	if _, err := st.TokenBySecret(ctx, auth.Hash("lcrm_made-up")); !errors.Is(err, crm.ErrUnauthenticated) {
		t.Errorf("unknown secret: error = %v, want ErrUnauthenticated", err)
	}

	if err := st.RevokeToken(ctx, script.ID); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if _, err := st.TokenBySecret(ctx, hash); !errors.Is(err, crm.ErrUnauthenticated) {
		t.Errorf("revoked token: error = %v, want ErrUnauthenticated", err)
	}
	if err := st.RevokeToken(ctx, script.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("revoke again: error = %v, want ErrNotFound", err)
	}
	if err := st.RevokeToken(ctx, 4242); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("revoke an unknown token: error = %v, want ErrNotFound", err)
	}

	expired := newToken(&crm.Token{Name: "old", Role: crm.RoleAdmin, ExpiresAt: time.Now().Add(-time.Minute)})
	if _, err := st.TokenBySecret(ctx, expired); !errors.Is(err, crm.ErrUnauthenticated) {
		t.Errorf("expired token: error = %v, want ErrUnauthenticated", err)
	}
	later := newToken(&crm.Token{Name: "later", Role: crm.RoleViewer, ExpiresAt: time.Now().Add(time.Hour)})
	if tok, err := st.TokenBySecret(ctx, later); err != nil || tok.Name != "later" {
		t.Errorf("token expiring in an hour: %+v, %v; want it to work", tok, err)
	}

	for _, bad := range []*crm.Token{{Name: "x", Role: "boss"}, {Name: strings.Repeat("x", crm.MaxTokenNameLength+1), Role: crm.RoleViewer}} {
		if err := st.CreateToken(ctx, bad, auth.Hash("another")); !errors.Is(err, crm.ErrInvalid) {
			t.Errorf("CreateToken(role %q, %d-rune name) error = %v, want ErrInvalid", bad.Role, len([]rune(bad.Name)), err)
		}
	}
	list, err := st.ListTokens(ctx)
	if err != nil || len(list) != 3 || list[0].RevokedAt.IsZero() {
		t.Errorf("ListTokens = %d tokens, %v; want 3, the first revoked", len(list), err)
	}
}

func TestSetupLinkWorksOnce(t *testing.T) {
	st := openTestStore(t)
	ctx := context.Background()
	secret := auth.Hash("setup secret")
	if err := st.CreateSetupLink(ctx, secret, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.CheckSetupLink(ctx, auth.Hash("other")); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("unknown link: error = %v, want ErrNotFound", err)
	}
	if err := st.CheckSetupLink(ctx, secret); err != nil {
		t.Fatalf("CheckSetupLink: %v", err)
	}
	u := &crm.User{Name: "root", Role: crm.RoleViewer}
	if err := st.CreateFirstAdmin(ctx, secret, u, testHash); err != nil || u.Role != crm.RoleAdmin {
		t.Fatalf("CreateFirstAdmin: %v, role %q; want an admin", err, u.Role)
	}
	if err := st.CreateFirstAdmin(ctx, secret, &crm.User{Name: "root2"}, testHash); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("second use: error = %v, want ErrNotFound", err)
	}
	if err := st.CreateSetupLink(ctx, auth.Hash("late"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.CheckSetupLink(ctx, auth.Hash("late")); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("a link made once a user exists: error = %v, want ErrNotFound", err)
	}
	if n, _ := st.CountUsers(ctx); n != 1 {
		t.Errorf("%d users, want 1", n)
	}

	st2 := openTestStore(t)
	if err := st2.CreateSetupLink(ctx, secret, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := st2.CreateFirstAdmin(ctx, secret, &crm.User{Name: "root"}, testHash); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("expired link: error = %v, want ErrNotFound", err)
	}
}
