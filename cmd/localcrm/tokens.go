package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/term"

	"localcrm/internal/auth"
	"localcrm/internal/crm"
)

const tokensUsage = `Usage: localcrm tokens COMMAND [ARGS]

Manages API tokens: secrets that scripts send as "Authorization: Bearer
TOKEN" instead of signing in, each with a role of its own.

Commands:
  create --role ROLE [--name N] [--expires D]
                                make a token and print its secret, once
  list [--json]                 list every token, revoked ones included
  revoke ID                     stop a token from working, for good

Run 'localcrm tokens COMMAND -h' for a command's flags.
`

const tokensCreateUsage = `Usage: localcrm tokens create --role ROLE [--name N] [--expires D]

Makes an API token and prints its secret as the only line on standard
output. The secret is shown this once: the database keeps only its hash.

  --role ROLE    viewer, agent, manager or admin: what the token may do
  --name N       a note for people: what or who uses it
  --expires D    stop working after D, such as 720h for 30 days (default 0: never)
`

const tokensListUsage = `Usage: localcrm tokens list [--json]

Lists every token, oldest first, with who made it and when it was last
used. Secrets are never shown: they are not kept.

  --json   print a JSON array of tokens
`

const tokensRevokeUsage = `Usage: localcrm tokens revoke ID

Stops the token with the ID (as 'localcrm tokens list' shows it) from
working, at once and for good.
`

func runTokens(ctx context.Context, a *app, args []string) error {
	return a.group(ctx, tokensUsage, map[string]func(context.Context, *app, []string) error{
		"create": tokensCreate,
		"list":   tokensList,
		"revoke": tokensRevoke,
	}, args)
}

func tokensCreate(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("tokens create")
	roleFlag := fs.String("role", "", "")
	name := fs.String("name", "", "")
	expires := fs.Duration("expires", 0, "")
	if _, err := a.parse(fs, args, tokensCreateUsage); err != nil {
		return err
	}
	if !given(fs)["role"] {
		return &usageError{msg: "--role is missing: give one of " + roleList(), usage: tokensCreateUsage}
	}
	role, err := parseRole(*roleFlag)
	if err != nil {
		return err
	}
	if *expires < 0 {
		return &usageError{msg: fmt.Sprintf("--expires must be a duration from now, such as 720h, or 0 for never; not %s", *expires), usage: tokensCreateUsage}
	}
	t := &crm.Token{Name: *name, Role: role}
	if *expires > 0 {
		t.ExpiresAt = time.Now().Add(*expires)
	}
	secret, err := auth.NewSecret(auth.TokenPrefix)
	if err != nil {
		return err
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	if err := st.CreateToken(ctx, t, auth.Hash(secret)); err != nil {
		return err
	}
	// Only the secret goes to stdout, so that a script can capture it
	// whole; a person at a terminal is told it will not be shown again.
	if f, ok := a.stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(a.stderr, "Token %d: copy the secret below now; it is not kept and cannot be shown again.\n", t.ID)
	}
	_, err = fmt.Fprintln(a.stdout, secret)
	return err
}

// tokenJSON is a token as scripts read it: a time that has not happened
// (never expires, never used, not revoked) is null, not year 1.
type tokenJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Role       crm.Role   `json:"role"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	Active     bool       `json:"active"`
}

func tokensList(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("tokens list")
	asJSON := fs.Bool("json", false, "")
	if _, err := a.parse(fs, args, tokensListUsage); err != nil {
		return err
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	tokens, err := st.ListTokens(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	if *asJSON {
		out := make([]tokenJSON, len(tokens)) // an array, never null
		for i, t := range tokens {
			out[i] = tokenJSON{
				ID: t.ID, Name: t.Name, Role: t.Role, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt,
				ExpiresAt: optTime(t.ExpiresAt), LastUsedAt: optTime(t.LastUsedAt), RevokedAt: optTime(t.RevokedAt),
				Active: t.Active(now),
			}
		}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		return a.printJSON(b)
	}
	if len(tokens) == 0 {
		_, err := fmt.Fprintln(a.stdout, "No API tokens yet: `localcrm tokens create --role ROLE` makes one.")
		return err
	}
	t := newTable()
	t.row("ID", "NAME", "ROLE", "CREATED BY", "CREATED", "EXPIRES", "LAST USED", "REVOKED")
	for _, tk := range tokens {
		expires := orNever(tk.ExpiresAt, "never")
		if !tk.ExpiresAt.IsZero() && !now.Before(tk.ExpiresAt) {
			expires += " (expired)"
		}
		t.row(strconv.FormatInt(tk.ID, 10), tk.Name, string(tk.Role), tk.CreatedBy, localTime(tk.CreatedAt),
			expires, orNever(tk.LastUsedAt, "never"), orNever(tk.RevokedAt, "no"))
	}
	return t.writeTo(a.stdout)
}

func tokensRevoke(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("tokens revoke")
	pos, err := a.parse(fs, args, tokensRevokeUsage, "ID")
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return &usageError{msg: fmt.Sprintf("%q is not a token ID; `localcrm tokens list` shows them", pos[0])}
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	err = st.RevokeToken(ctx, id)
	if errors.Is(err, crm.ErrNotFound) {
		return &messageError{msg: fmt.Sprintf("there is no token %d, or it is revoked already; `localcrm tokens list` shows them", id), err: err}
	}
	return err
}

// optTime is t, or nil for the zero time.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// orNever shows t to people, or none when t is the zero time.
func orNever(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return localTime(t)
}
