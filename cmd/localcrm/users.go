package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"localcrm/internal/auth"
	"localcrm/internal/crm"
	"localcrm/internal/store"
)

const usersUsage = `Usage: localcrm users COMMAND [ARGS]

Manages the people who sign in to the web UI and the API. Passwords are
read from the terminal without echo, or as one line from standard input
when it is not a terminal; never from an argument, which other users of
the machine can see and the shell keeps in its history.

Commands:
  add NAME --role ROLE          add a user; asks for the password
  list [--json]                 list every user
  set-role NAME ROLE            change a user's role
  reset-password NAME           give a user a new password; asks for it
  disable NAME                  stop a user from signing in
  enable NAME                   let a disabled user sign in again

ROLE is viewer, agent, manager or admin; each may do all that the ones
before it may. Changing a user signs them out everywhere. There is always
at least one enabled admin.
Run 'localcrm users COMMAND -h' for a command's flags.
`

const usersAddUsage = `Usage: localcrm users add NAME --role ROLE

Adds a user who signs in as NAME (in any case). The password, at least 12
characters, is asked for twice on a terminal, or read as one line from
standard input:
  printf '%s\n' "$PASSWORD" | localcrm users add ann --role agent

  --role ROLE   viewer, agent, manager or admin
`

const usersListUsage = `Usage: localcrm users list [--json]

Lists every user by name: role, whether they may sign in, and since when
they exist.

  --json   print a JSON array of users
`

const usersSetRoleUsage = `Usage: localcrm users set-role NAME ROLE

Changes a user's role to viewer, agent, manager or admin, and signs them
out everywhere. The last enabled admin cannot become anything else.
`

const usersResetPasswordUsage = `Usage: localcrm users reset-password NAME

Gives a user a new password, asked for twice on a terminal or read as one
line from standard input, and signs them out everywhere.
`

const usersDisableUsage = `Usage: localcrm users disable NAME

Stops a user from signing in and signs them out everywhere; what they did
stays on record. The last enabled admin cannot be disabled.
`

const usersEnableUsage = `Usage: localcrm users enable NAME

Lets a disabled user sign in again.
`

func runUsers(ctx context.Context, a *app, args []string) error {
	return a.group(ctx, usersUsage, map[string]func(context.Context, *app, []string) error{
		"add":            usersAdd,
		"list":           usersList,
		"set-role":       usersSetRole,
		"reset-password": usersResetPassword,
		"disable":        usersDisable,
		"enable":         usersEnable,
	}, args)
}

func usersAdd(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("users add")
	roleFlag := fs.String("role", "", "")
	pos, err := a.parse(fs, args, usersAddUsage, "NAME")
	if err != nil {
		return err
	}
	name := pos[0]
	if !given(fs)["role"] {
		return &usageError{msg: "--role is missing: give one of " + roleList(), usage: usersAddUsage}
	}
	role, err := parseRole(*roleFlag)
	if err != nil {
		return err
	}
	// Everything but the password is checked first, so that nobody types
	// a password twice only to learn that the name was wrong.
	if err := crm.ValidateUserName(name); err != nil {
		return err
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	if _, _, err := st.UserByName(ctx, name); err == nil {
		return userExists(name, crm.ErrConflict)
	} else if !errors.Is(err, crm.ErrNotFound) {
		return err
	}
	hash, err := a.newPassword(ctx, "Password for "+name)
	if err != nil {
		return err
	}
	err = st.CreateUser(ctx, &crm.User{Name: name, Role: role}, hash)
	if errors.Is(err, crm.ErrConflict) {
		return userExists(name, err) // made by someone else meanwhile
	}
	return err
}

func usersList(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("users list")
	asJSON := fs.Bool("json", false, "")
	if _, err := a.parse(fs, args, usersListUsage); err != nil {
		return err
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	users, err := st.ListUsers(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if users == nil {
			users = []*crm.User{} // scripts get an array, never null
		}
		b, err := json.Marshal(users)
		if err != nil {
			return err
		}
		return a.printJSON(b)
	}
	if len(users) == 0 {
		_, err := fmt.Fprintln(a.stdout, "No users yet: add the first admin with `localcrm users add NAME --role admin`.")
		return err
	}
	t := newTable()
	t.row("NAME", "ROLE", "STATE", "CREATED")
	for _, u := range users {
		state := "enabled"
		if u.Disabled {
			state = "disabled"
		}
		t.row(u.Name, string(u.Role), state, localTime(u.CreatedAt))
	}
	return t.writeTo(a.stdout)
}

func usersSetRole(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("users set-role")
	pos, err := a.parse(fs, args, usersSetRoleUsage, "NAME", "ROLE")
	if err != nil {
		return err
	}
	role, err := parseRole(pos[1])
	if err != nil {
		return err
	}
	return a.changeUser(ctx, pos[0], store.UserChange{Role: &role})
}

func usersResetPassword(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("users reset-password")
	pos, err := a.parse(fs, args, usersResetPasswordUsage, "NAME")
	if err != nil {
		return err
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	u, _, err := st.UserByName(ctx, pos[0])
	if err != nil {
		return noUser(err, pos[0])
	}
	hash, err := a.newPassword(ctx, "New password for "+u.Name)
	if err != nil {
		return err
	}
	return a.changeUser(ctx, u.Name, store.UserChange{PasswordHash: &hash})
}

func usersDisable(ctx context.Context, a *app, args []string) error {
	return a.setDisabled(ctx, "users disable", usersDisableUsage, args, true)
}

func usersEnable(ctx context.Context, a *app, args []string) error {
	return a.setDisabled(ctx, "users enable", usersEnableUsage, args, false)
}

func (a *app) setDisabled(ctx context.Context, cmd, help string, args []string, disabled bool) error {
	fs := newFlagSet(cmd)
	pos, err := a.parse(fs, args, help, "NAME")
	if err != nil {
		return err
	}
	return a.changeUser(ctx, pos[0], store.UserChange{Disabled: &disabled})
}

// changeUser applies c to the user name; the store refuses to leave no
// enabled admin, in words that say what to do instead.
func (a *app) changeUser(ctx context.Context, name string, c store.UserChange) error {
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	_, err = st.ChangeUser(ctx, name, c)
	return noUser(err, name)
}

// parseRole reads a role argument; an unknown one is a usage error that
// lists the roles.
func parseRole(s string) (crm.Role, error) {
	r, err := crm.ParseRole(s)
	if err != nil {
		return "", &usageError{msg: fmt.Sprintf("%q is not a role: give one of %s", s, roleList())}
	}
	return r, nil
}

func roleList() string {
	s := make([]string, len(crm.Roles))
	for i, r := range crm.Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// noUser words a not-found error of the user name for people.
func noUser(err error, name string) error {
	if errors.Is(err, crm.ErrNotFound) {
		return &messageError{msg: fmt.Sprintf("there is no user named %q; `localcrm users list` shows the users", name), err: err}
	}
	return err
}

func userExists(name string, err error) error {
	return &messageError{msg: fmt.Sprintf("there is already a user named %q (names differ by more than case); `localcrm users list` shows the users", name), err: err}
}

// newPassword reads a new password, checks it and returns its hash. On a
// terminal it asks twice without echo, so that a typing mistake does not
// lock the user out; otherwise it reads one line from standard input, for
// scripts. A password never comes from an argument or a flag, which other
// users can read in the process list and the shell keeps in its history.
func (a *app) newPassword(ctx context.Context, prompt string) (string, error) {
	var pw string
	if f, ok := a.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		first, err := a.askHidden(ctx, int(f.Fd()), prompt+": ")
		if err != nil {
			return "", err
		}
		if err := crm.ValidatePassword(first); err != nil {
			return "", err // say so now, not after a second typing
		}
		again, err := a.askHidden(ctx, int(f.Fd()), "Again, to be sure: ")
		if err != nil {
			return "", err
		}
		if first != again {
			return "", &messageError{msg: "the two passwords differ; nothing was changed: run the command again", err: crm.ErrInvalid}
		}
		pw = first
	} else {
		line, err := readLine(a.stdin)
		if err != nil {
			return "", err
		}
		pw = line
	}
	if err := crm.ValidatePassword(pw); err != nil {
		return "", err
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return "", fmt.Errorf("hash the password: %w", err)
	}
	return hash, nil
}

// askHidden prompts on stderr and reads a line from the terminal fd
// without echo. An interrupt while it waits turns the echo back on before
// the command ends, or the user's shell would be left typing blind.
func (a *app) askHidden(ctx context.Context, fd int, prompt string) (string, error) {
	state, err := term.GetState(fd)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	if _, err := io.WriteString(a.stderr, prompt); err != nil {
		return "", err
	}
	type read struct {
		b   []byte
		err error
	}
	done := make(chan read, 1)
	go func() {
		b, err := term.ReadPassword(fd)
		done <- read{b, err}
	}()
	select {
	case r := <-done:
		io.WriteString(a.stderr, "\n") // the Enter the user typed was not echoed
		if r.err != nil {
			return "", fmt.Errorf("read the password: %w", r.err)
		}
		return string(r.b), nil
	case <-ctx.Done():
		term.Restore(fd, state)
		io.WriteString(a.stderr, "\n")
		return "", ctx.Err()
	}
}

// readLine reads a password as the first line of r, without its line
// ending. Only so much is read as the longest password may need.
func readLine(r io.Reader) (string, error) {
	br := bufio.NewReader(io.LimitReader(r, 4*crm.MaxPasswordLength+2))
	line, err := br.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	if line == "" {
		return "", &messageError{
			msg: "no password on standard input: type it on a terminal, or give it as one line, such as printf '%s\\n' \"$PASSWORD\" | localcrm users ...",
			err: crm.ErrInvalid,
		}
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}
