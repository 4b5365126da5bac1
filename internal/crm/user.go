package crm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kinds of error for who may do what: the caller is not signed in, or is
// signed in with a role that may not do this.
var (
	ErrUnauthenticated = errors.New("not signed in")
	ErrForbidden       = errors.New("forbidden")
)

// Role decides what a person or an API token may do. Each role may do
// everything the roles below it may.
type Role string

const (
	RoleViewer  Role = "viewer"  // reads customers and fields
	RoleAgent   Role = "agent"   // also creates and edits customers
	RoleManager Role = "manager" // also runs imports, deletes customers, exports the file
	RoleAdmin   Role = "admin"   // also manages fields, users, tokens, and reads the audit log
)

// Roles lists the roles from the least to the most able.
var Roles = []Role{RoleViewer, RoleAgent, RoleManager, RoleAdmin}

// rank orders the roles; 0 is no role at all.
func (r Role) rank() int {
	for i, x := range Roles {
		if x == r {
			return i + 1
		}
	}
	return 0
}

// Allows reports whether r may do what needs the role need.
func (r Role) Allows(need Role) bool { return r.rank() > 0 && r.rank() >= need.rank() }

// ParseRole accepts a role's name in any case.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if r.rank() == 0 {
		return "", Invalid("role", s, "The role must be one of viewer, agent, manager or admin.")
	}
	return r, nil
}

// User is a person who signs in.
type User struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Limits of names and passwords. A password of 12 characters or more is
// what current guidance asks of an account that reaches personal data; the
// upper bound only keeps the hashing cost of one request small.
const (
	MaxUserNameLength = 64
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// ValidateUserName checks a sign-in name: 1 to 64 characters, no spaces or
// control characters, so that it reads the same in a log line and a table.
func ValidateUserName(name string) error {
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		return Invalid("name", name, "A user needs a name to sign in with.")
	case n > MaxUserNameLength:
		return Invalid("name", name, fmt.Sprintf("A user name has at most %d characters; this one has %d.", MaxUserNameLength, n))
	case !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return Invalid("name", name, "A user name cannot hold spaces or control characters; use letters, digits, dots, dashes or an email address.")
	}
	return nil
}

// UserKey is the form of a name that sign-in and uniqueness compare: names
// differ only by more than case.
func UserKey(name string) string { return strings.ToLower(name) }

// ValidatePassword checks a new password's length. The value itself never
// appears in the message.
func ValidatePassword(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return Invalid("password", "", fmt.Sprintf("A password needs at least %d characters; a few ordinary words in a row make a good one.", MinPasswordLength))
	case n > MaxPasswordLength:
		return Invalid("password", "", fmt.Sprintf("A password has at most %d characters.", MaxPasswordLength))
	}
	return nil
}

// Token is an API token: a secret that a script sends instead of signing
// in, with a role of its own. The secret itself is shown once, when the
// token is made, and only its hash is kept.
type Token struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Role       Role      `json:"role"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"` // zero: never
	LastUsedAt time.Time `json:"last_used_at"`
	RevokedAt  time.Time `json:"revoked_at"`
}

// Active reports whether the token is accepted at now.
func (t *Token) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// MaxTokenNameLength bounds a token's name, a note for people.
const MaxTokenNameLength = 64

// Actor is who makes a change: a signed-in user, a script with a token,
// or a person at the command line, with where the request came from.
type Actor struct {
	Name   string // user name, "token N (name)", or the operating-system user
	Kind   string // ActorUser, ActorToken, ActorCLI or ActorSystem
	UserID int64  // the user, for ActorUser
	Role   Role
	Addr   string // the client's address; empty at the command line
}

// Kinds of actor.
const (
	ActorUser   = "user"
	ActorToken  = "token"
	ActorCLI    = "cli"
	ActorSystem = "system"
)

type actorKey struct{}

// WithActor returns ctx carrying a, so that the store can record who made
// each change in the change's own transaction.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor ctx carries, or the system when none: work
// the server does by itself, such as marking a dead import interrupted.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Name: "localcrm", Kind: ActorSystem}
}

// AuditAction names a kind of change in the audit log.
type AuditAction string

// The changes the audit log records.
const (
	AuditSignIn         AuditAction = "sign-in"
	AuditSignInFailed   AuditAction = "sign-in-failed"
	AuditSignOut        AuditAction = "sign-out"
	AuditUserCreated    AuditAction = "user-created"
	AuditUserChanged    AuditAction = "user-changed"
	AuditTokenCreated   AuditAction = "token-created"
	AuditTokenRevoked   AuditAction = "token-revoked"
	AuditFieldCreated   AuditAction = "field-created"
	AuditFieldChanged   AuditAction = "field-changed"
	AuditFieldDeleted   AuditAction = "field-deleted"
	AuditCustomerAdded  AuditAction = "customer-created"
	AuditCustomerEdited AuditAction = "customer-changed"
	AuditCustomerDelete AuditAction = "customer-deleted"
	AuditImportUpload   AuditAction = "import-uploaded"
	AuditImportStart    AuditAction = "import-started"
	AuditImportCancel   AuditAction = "import-cancelled"
	AuditImportResume   AuditAction = "import-resumed"
	AuditImportDelete   AuditAction = "import-deleted"
	AuditImportRevert   AuditAction = "import-reverted"
	AuditExport         AuditAction = "export"
	AuditDatabaseCopied AuditAction = "database-copied"
	AuditBackup         AuditAction = "backup"
)

// AuditActions lists every action the audit log records, in the order a
// filter offers them.
var AuditActions = []AuditAction{
	AuditSignIn, AuditSignInFailed, AuditSignOut,
	AuditUserCreated, AuditUserChanged,
	AuditTokenCreated, AuditTokenRevoked,
	AuditFieldCreated, AuditFieldChanged, AuditFieldDeleted,
	AuditCustomerAdded, AuditCustomerEdited, AuditCustomerDelete,
	AuditImportUpload, AuditImportStart, AuditImportCancel, AuditImportResume, AuditImportDelete, AuditImportRevert,
	AuditTemplateSaved, AuditTemplateDeleted, // template.go
	AuditSettingsChanged, // settings.go
	AuditExport, AuditBackup, AuditDatabaseCopied,
}

// ParseAuditAction accepts the name of an action the audit log records.
func ParseAuditAction(s string) (AuditAction, error) {
	a := AuditAction(strings.TrimSpace(s))
	if !slices.Contains(AuditActions, a) {
		names := make([]string, len(AuditActions))
		for i, x := range AuditActions {
			names[i] = string(x)
		}
		return "", Invalid("action", s, "The action must be one of "+strings.Join(names, ", ")+".")
	}
	return a, nil
}

// AuditEntry is one line of the audit log: who did what, when, from where.
// Detail says what changed (the names of changed fields, never their
// values, which are personal data).
type AuditEntry struct {
	ID        int64       `json:"id"`
	At        time.Time   `json:"at"`
	Actor     string      `json:"actor"`
	ActorKind string      `json:"actor_kind"`
	Addr      string      `json:"addr"`
	Action    AuditAction `json:"action"`
	Target    string      `json:"target"`
	Detail    string      `json:"detail"`
}

// AuditFilter selects a page of the audit log, newest first.
type AuditFilter struct {
	Since  time.Time // zero: from the start
	Actor  string    // exact actor name; empty: everyone
	Action AuditAction
	Limit  int // 0 means 50
	Offset int
}
