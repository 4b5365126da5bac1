// Command localcrm is the customer file's command line: it manages fields,
// customers, imports, users and API tokens, exports the customers, reads
// the audit log, and serves the web UI, all on the same database the server
// uses.
//
// main.go holds what every command shares: the global flags, the dispatch
// table, flag parsing that lets flags follow positional arguments, and the
// one place where kinds of error become exit codes and messages. Each
// command lives in a file of its own.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"unicode"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, a second one kills the process at once, in
	// case whatever is stopping hangs.
	context.AfterFunc(ctx, stop)
	// An import keeps little alive (a few MB) but allocates steadily, so
	// the collector ran every few MB and took a tenth of the CPU. Letting
	// the heap grow to 2.5 times what is live, not twice, made a million
	// records in commits of 10,000 12% faster for 4 MB more peak memory;
	// the soft limit caps the heap whatever happens. GOGC and GOMEMLIMIT
	// override.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// memoryLimit is the Go heap's soft limit; SQLite's page cache comes on top.
const (
	memoryLimit = 32 << 20
	gcPercent   = 150
)

// command is one of localcrm's commands: its name, what runs it with the
// arguments after the name, and its lines in the usage. The usage is made
// from this table, so that it cannot leave a command out again.
type command struct {
	name  string
	run   func(context.Context, *app, []string) error
	lines []usageLine
}

// usageLine is a line of the usage: a synopsis and what it does.
type usageLine struct{ synopsis, does string }

// commands are localcrm's commands, in the usage's order. help has no run:
// app.run answers it, since it reads this table.
var commands = []command{
	{"fields", runFields, []usageLine{
		{"fields list [--json]", "list every field, standard and custom"},
		{"fields add NAME --type TYPE [FLAGS]", "add a custom field"},
		{"fields edit NAME [FLAGS]", "change a custom field or the customer types"},
		{"fields delete NAME --yes", "delete a custom field and all its values"},
	}},
	{"customers", runCustomers, []usageLine{
		{"customers add --set KEY=VALUE ...", "add a customer and print its account number"},
		{"customers get ACCOUNT [--json]", "show a customer"},
		{"customers edit ACCOUNT --set KEY=VALUE ...", "change a customer; an empty VALUE clears the field"},
		{"customers delete ACCOUNT", "delete a customer"},
		{"customers list [--search Q] [--limit N] [--offset N] [--json]", "list customers, 50 at a time by default"},
		{"customers lookup --phone N | --email E | --account N [--json]", "find the customers with a number, an email or an account number"},
	}},
	{"import", runImport, []usageLine{{"import FILE|- [FLAGS]", "load customers from a CSV file or an Excel workbook"}}},
	{"imports", runImports, []usageLine{{"imports list|show|resume|cancel|report|revert|delete ...", "follow, resume and report on imports"}}},
	{"templates", runTemplates, []usageLine{{"templates list|save|delete ...", "name an import's mapping and options, to map files like it"}}},
	{"export", runExport, []usageLine{{"export FILE|- [--format csv|json] [--phones written|e164|both]", "write every customer to FILE (- for standard output)"}}},
	{"backup", runBackup, []usageLine{{"backup FILE", "write the whole SQLite database to FILE, safely while it is in use"}}},
	{"settings", runSettings, []usageLine{
		{"settings [--json]", "show the settings"},
		{"settings set default_country CODE", "read phone numbers without a country code as CODE's (\"\" for none)"},
	}},
	{"users", runUsers, []usageLine{{"users add|list|set-role|reset-password|disable|enable ...", "manage the people who sign in to the web UI"}}},
	{"tokens", runTokens, []usageLine{{"tokens create|list|revoke ...", "manage API tokens for scripts"}}},
	{"audit", runAudit, []usageLine{{"audit [--since T] [--user U] [--action A] [--limit N] [--json]", "show who changed what, newest first"}}},
	{"serve", runServe, []usageLine{{"serve [FLAGS]", "run the web UI and the JSON API"}}},
	{"copy-to", runCopyTo, []usageLine{{"copy-to POSTGRES_URL", "copy the whole SQLite database into a new PostgreSQL one"}}},
	{"help", nil, []usageLine{{"help [COMMAND]", "show this help, or a command's"}}},
}

// lookup returns the command called name, if it is one that runs.
func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name && c.run != nil {
			return c, true
		}
	}
	return command{}, false
}

// usage is the help of localcrm itself, its commands listed from commands.
func usage() string {
	const width = 40 // of a synopsis; a longer one has its line to itself
	var b strings.Builder
	b.WriteString(`Usage: localcrm [--db DSN] COMMAND [ARGS]

localcrm keeps a customer file in a SQLite database, or in PostgreSQL.

Commands:
`)
	for _, c := range commands {
		for _, l := range c.lines {
			if len(l.synopsis) < width {
				fmt.Fprintf(&b, "  %-*s%s\n", width, l.synopsis, l.does)
			} else {
				fmt.Fprintf(&b, "  %s\n  %*s%s\n", l.synopsis, width, "", l.does)
			}
		}
	}
	b.WriteString(`
Global flags, given before the command:
  --db DSN    the SQLite database file, or a postgres:// URL
              (default: $LOCALCRM_DB, else localcrm.db)

The command line needs no sign-in: it works on the database directly (a
SQLite file only its owner can read, or PostgreSQL as the URL's role), and
the audit log records its changes under the name of the operating-system
user who ran it.

Exit status: 0 on success, 2 for bad usage or input, 3 when an import
finished with rejected records, 1 for anything else.
`)
	return b.String()
}

// defaultDB is the database used when neither --db nor LOCALCRM_DB names one.
const defaultDB = "localcrm.db"

// app is what a command works with: the database, opened on first use so
// that help needs none, and the standard streams.
type app struct {
	dsn     string
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	st      *store.Store
	uploads *uploadsFolder // on PostgreSQL, the folder uploads arrive in (dataDir)
}

// db returns the store, opening it on first use.
func (a *app) db(ctx context.Context) (*store.Store, error) {
	if a.st == nil {
		st, err := store.Open(ctx, a.dsn)
		if err != nil {
			return nil, err
		}
		a.st = st
	}
	return a.st, nil
}

// dataDir is the folder import files go to: beside a SQLite database's
// file; for PostgreSQL, which keeps them itself, a new folder of this
// process's own, where uploads arrive before they are stored, removed when
// the process ends (or, if it is killed, by the next process: uploads.go).
func (a *app) dataDir(st *store.Store) (string, error) {
	if !st.Postgres() {
		return filepath.Dir(st.Path()), nil
	}
	if a.uploads == nil {
		u, err := newUploadsFolder()
		if err != nil {
			return "", err
		}
		a.uploads = u
	}
	return a.uploads.path, nil
}

func (a *app) close() error {
	if a.uploads != nil {
		a.uploads.remove()
	}
	if a.st == nil {
		return nil
	}
	return a.st.Close()
}

// run runs the command line args and returns the exit status. It is main
// without the process, so that it can be read and tested on its own.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) (code int) {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	// A bug must still end in one line on stderr, not a stack trace that
	// scripts cannot read; the value is kept for the bug report.
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "localcrm: internal error: %v\n", p)
			code = 1
		}
	}()
	err := a.run(ctx, args, getenv)
	if err != nil && ctx.Err() != nil {
		// Whatever failed, it failed because the user stopped it; the
		// driver's own words for that vary.
		err = errors.New("interrupted")
	}
	if cerr := a.close(); err == nil && cerr != nil {
		err = fmt.Errorf("close database: %w", cerr)
	}
	if err != nil {
		printError(stderr, err)
	}
	return exitCode(err)
}

func (a *app) run(ctx context.Context, args []string, getenv func(string) string) error {
	global := newFlagSet("localcrm")
	dsn := getenv("LOCALCRM_DB")
	if dsn == "" {
		dsn = defaultDB
	}
	global.StringVar(&a.dsn, "db", dsn, "")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_, err := io.WriteString(a.stdout, usage())
			return err
		}
		return &usageError{msg: err.Error() + "; run `localcrm help` for the usage"}
	}
	if a.dsn == "" {
		return &usageError{msg: "--db needs a database file"}
	}
	if global.NArg() == 0 {
		return &usageError{showUsage: true}
	}
	name, rest := global.Arg(0), global.Args()[1:]
	// Whoever can run the command line on the database file owns it, so
	// there is no sign-in; the audit log names the operating-system user.
	ctx = crm.WithActor(ctx, crm.Actor{Name: currentUser(), Kind: crm.ActorCLI})
	if name == "help" {
		return a.help(ctx, rest)
	}
	cmd, ok := lookup(name)
	if !ok {
		return &usageError{msg: fmt.Sprintf("unknown command %q", name), showUsage: true}
	}
	if err := cmd.run(ctx, a, rest); err != nil {
		return &commandError{name: name, err: err}
	}
	return nil
}

// currentUser names the operating-system user running the command, for the
// audit log and an import's report. It asks the system, not $USER, which
// anyone can set to any name; a uid without a name is shown as the number.
func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "uid " + strconv.Itoa(os.Getuid())
}

// help prints the usage, or with a command name that command's usage, which
// every command prints when given -h.
func (a *app) help(ctx context.Context, args []string) error {
	if len(args) == 0 || (len(args) == 1 && args[0] == "help") {
		_, err := io.WriteString(a.stdout, usage())
		return err
	}
	cmd, ok := lookup(args[0])
	if !ok || len(args) > 1 {
		return &usageError{msg: fmt.Sprintf("unknown command %q", strings.Join(args, " ")), showUsage: true}
	}
	return cmd.run(ctx, a, []string{"-h"})
}

// group runs the subcommand named by args[0] from subs; help is the
// group's usage, printed for -h and for a missing or unknown subcommand.
func (a *app) group(ctx context.Context, help string, subs map[string]func(context.Context, *app, []string) error, args []string) error {
	if len(args) == 0 {
		return &usageError{msg: "which one? " + strings.Join(slices.Sorted(maps.Keys(subs)), ", "), usage: help}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		_, err := io.WriteString(a.stdout, help)
		if err != nil {
			return err
		}
		return flag.ErrHelp
	}
	sub, ok := subs[args[0]]
	if !ok {
		return &usageError{msg: fmt.Sprintf("unknown command %q", args[0]), usage: help}
	}
	if err := sub(ctx, a, args[1:]); err != nil {
		return &commandError{name: args[0], err: err}
	}
	return nil
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by printError
	return fs
}

// parse parses args with fs and returns the positional arguments, which
// must be exactly the ones names names. Unlike fs.Parse it does not stop at
// the first positional argument, so that "customers get 10000001 --json"
// works as well as "--json 10000001"; after "--" everything is positional.
// For -h it prints help and returns flag.ErrHelp, which ends the command
// with status 0.
func (a *app) parse(fs *flag.FlagSet, args []string, help string, names ...string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				if _, werr := io.WriteString(a.stdout, help); werr != nil {
					return nil, werr
				}
				return nil, flag.ErrHelp
			}
			return nil, &usageError{msg: err.Error(), usage: help}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, positional(pos, help, names)
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...)
			return pos, positional(pos, help, names)
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// given reports which flags of fs were set on the command line, so that an
// edit changes only what was asked for.
func given(fs *flag.FlagSet) map[string]bool {
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// positional checks that exactly the named positional arguments are there.
func positional(pos []string, help string, names []string) error {
	if len(pos) < len(names) {
		return &usageError{msg: "missing " + strings.Join(names[len(pos):], " "), usage: help}
	}
	if len(pos) > len(names) {
		msg := fmt.Sprintf("unexpected argument %q", pos[len(names)])
		if b := pos[len(names)]; b == "true" || b == "false" {
			msg += fmt.Sprintf(" (write a flag's value with =, such as --required=%s)", b)
		}
		return &usageError{msg: msg, usage: help}
	}
	return nil
}

// parseAccount reads an account number argument.
func parseAccount(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, &usageError{msg: fmt.Sprintf("%q is not an account number; account numbers are whole numbers such as %d", s, crm.AccountNumberStart)}
	}
	return n, nil
}

// usageError is a mistake in the command line itself.
type usageError struct {
	msg       string
	usage     string // the command's usage, shown after msg
	showUsage bool   // show the full usage after msg
}

func (e *usageError) Error() string { return e.msg }

// commandError names the command an error came from, so that the message
// reads "localcrm: customers add: ...". A group's subcommand nests inside
// the group's.
type commandError struct {
	name string
	err  error
}

func (e *commandError) Error() string {
	if _, ok := e.err.(*commandError); ok {
		return e.name + " " + e.err.Error()
	}
	return e.name + ": " + e.err.Error()
}
func (e *commandError) Unwrap() error { return e.err }

// messageError replaces the text of an error with a message for people
// while keeping its kind for the exit status.
type messageError struct {
	msg string
	err error
}

func (e *messageError) Error() string { return e.msg }
func (e *messageError) Unwrap() error { return e.err }

// exitCode maps the kind of err to the exit status: 2 for what the user can
// fix by changing the command or its input, 1 for everything else.
func exitCode(err error) int {
	var ue *usageError
	var ee *exitError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue),
		errors.Is(err, crm.ErrInvalid),
		errors.Is(err, crm.ErrNotFound),
		errors.Is(err, crm.ErrConflict),
		errors.Is(err, crm.ErrTooLarge):
		return 2
	}
	return 1
}

// printError writes err to w for people: one line prefixed "localcrm: " and
// the command's name, then one line per problem when there are several.
func printError(w io.Writer, err error) {
	var ee *exitError
	if errors.Is(err, flag.ErrHelp) || errors.As(err, &ee) && ee.msg == "" {
		return // the help, or the command's own report, was the output
	}
	var names []string
	for {
		var ce *commandError
		if !errors.As(err, &ce) {
			break
		}
		names = append(names, ce.name)
		err = ce.err
	}
	prefix := "localcrm: "
	if len(names) > 0 {
		prefix += strings.Join(names, " ") + ": "
	}
	var b strings.Builder
	var ve *crm.ValidationError
	var ue *usageError
	switch {
	case errors.As(err, &ve) && len(ve.Problems) > 1:
		fmt.Fprintf(&b, "%s%d problems:\n", prefix, len(ve.Problems))
		for _, p := range ve.Problems {
			fmt.Fprintf(&b, "  %s\n", oneLine(p.Message))
		}
	case errors.As(err, &ue):
		if ue.msg != "" {
			fmt.Fprintf(&b, "%s%s\n", prefix, oneLine(ue.msg))
		}
		switch {
		case ue.showUsage:
			b.WriteString(usage())
		case ue.usage != "":
			b.WriteString(ue.usage)
		}
	default:
		fmt.Fprintf(&b, "%s%s\n", prefix, oneLine(err.Error()))
	}
	io.WriteString(w, b.String())
}

// oneLine makes a value safe for one cell of a table or one line of a message
// on a terminal: a tab or line break would break the layout, and other
// control characters could drive the terminal.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// table lays out rows in aligned columns for people. Every cell goes
// through oneLine, and the padding after a line's last cell is dropped.
type table struct {
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

func newTable() *table {
	t := &table{}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		if i > 0 {
			t.tw.Write([]byte{'\t'})
		}
		io.WriteString(t.tw, oneLine(c))
	}
	t.tw.Write([]byte{'\n'})
}

// writeTo writes the table to w.
func (t *table) writeTo(w io.Writer) error {
	if err := t.tw.Flush(); err != nil {
		return err
	}
	var out bytes.Buffer
	for line := range strings.Lines(t.buf.String()) {
		out.WriteString(strings.TrimRight(line, " \n"))
		out.WriteByte('\n')
	}
	_, err := w.Write(out.Bytes())
	return err
}
