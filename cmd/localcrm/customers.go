package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

const customersUsage = `Usage: localcrm customers COMMAND [ARGS]

Commands:
  add --set KEY=VALUE ... [--json]      add a customer and print its account number
  get ACCOUNT [--json]                  show a customer
  edit ACCOUNT --set KEY=VALUE ... [--json]
                                        change a customer; an empty VALUE clears the field
  delete ACCOUNT                        delete a customer
  list [--search Q] [--limit N] [--offset N] [--json]
                                        list customers in account number order
  lookup --phone N | --email E | --account N [--json]
                                        find the customers with a phone number (in
                                        any writing), an email or an account number

KEY is a field's key, as 'localcrm fields list' shows it.
Run 'localcrm customers COMMAND -h' for a command's flags.
`

const customersAddUsage = `Usage: localcrm customers add --set KEY=VALUE ... [--json]

Adds a customer and prints its account number. First and last name are
required; fields left out get their default values.

  --set KEY=VALUE   a field's value; repeat for each field
  --json            print the new customer as a JSON object
`

const customersGetUsage = `Usage: localcrm customers get ACCOUNT [--json]

Shows the customer with the account number.

  --json   print the customer as a JSON object
`

const customersEditUsage = `Usage: localcrm customers edit ACCOUNT --set KEY=VALUE ... [--json]

Changes the fields given and leaves the others as they are.

  --set KEY=VALUE   a field's new value; an empty VALUE clears the field
  --json            print the changed customer as a JSON object
`

const customersDeleteUsage = `Usage: localcrm customers delete ACCOUNT

Deletes the customer with the account number. The number is never reused.
`

const customersListUsage = `Usage: localcrm customers list [--search Q] [--limit N] [--offset N] [--json]

Lists customers in account number order, then how many match in all.

  --search Q    only the customers Q finds: each word must begin a word of the
                first or last name, company or email, in any order ("zoe lef"
                finds Zoë Lefèvre; case and the accents of any script do not
                matter); a number (6 digits or more, with + - ( ) . / and
                spaces if you like) finds the phone numbers it ends, however
                they were written ("020 7946 0958", "+44 20 7946 0958" and
                "79460958" all find +44 20 7946 0958)
  --limit N     at most N customers (default 50)
  --offset N    skip the first N customers
  --json        print a JSON array of customers
`

func runCustomers(ctx context.Context, a *app, args []string) error {
	return a.group(ctx, customersUsage, map[string]func(context.Context, *app, []string) error{
		"add":    customersAdd,
		"get":    customersGet,
		"edit":   customersEdit,
		"delete": customersDelete,
		"list":   customersList,
		"lookup": customersLookup,
	}, args)
}

// setFlag collects repeated --set KEY=VALUE flags; a later value for the
// same key wins.
type setFlag map[string]string

func (s setFlag) String() string { return "" }

func (s setFlag) Set(v string) error {
	key, value, ok := strings.Cut(v, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return errors.New("want KEY=VALUE, such as email=ann@example.com")
	}
	s[key] = value
	return nil
}

func customersAdd(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("customers add")
	set := setFlag{}
	fs.Var(set, "set", "")
	asJSON := fs.Bool("json", false, "")
	if _, err := a.parse(fs, args, customersAddUsage); err != nil {
		return err
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	c := &crm.Customer{Values: set}
	if err := st.CreateCustomer(ctx, c); err != nil {
		return withValues(ctx, st, err)
	}
	if *asJSON {
		return a.printCustomer(ctx, st, c)
	}
	_, err = fmt.Fprintln(a.stdout, c.AccountNumber)
	return err
}

func customersGet(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("customers get")
	asJSON := fs.Bool("json", false, "")
	pos, err := a.parse(fs, args, customersGetUsage, "ACCOUNT")
	if err != nil {
		return err
	}
	account, err := parseAccount(pos[0])
	if err != nil {
		return err
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	sc, err := st.Schema(ctx)
	if err != nil {
		return err
	}
	c, err := st.GetCustomer(ctx, account)
	if err != nil {
		return noCustomer(err, account)
	}
	if *asJSON {
		return a.printJSON(crm.NewCustomerJSON(sc, false).Append(nil, c))
	}
	t := newTable()
	t.row("Account Number", strconv.FormatInt(c.AccountNumber, 10))
	for _, f := range sc.Fields {
		v := c.Get(f.Key)
		if v == "" || f.Key == crm.KeyAccountNumber {
			continue
		}
		// A value of several lines (comments) continues under itself.
		label := f.Label
		for line := range strings.Lines(v) {
			t.row(label, strings.TrimRight(line, "\r\n"))
			label = ""
		}
	}
	t.row("Created", localTime(c.CreatedAt))
	t.row("Updated", localTime(c.UpdatedAt))
	return t.writeTo(a.stdout)
}

func customersEdit(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("customers edit")
	set := setFlag{}
	fs.Var(set, "set", "")
	asJSON := fs.Bool("json", false, "")
	pos, err := a.parse(fs, args, customersEditUsage, "ACCOUNT")
	if err != nil {
		return err
	}
	account, err := parseAccount(pos[0])
	if err != nil {
		return err
	}
	if len(set) == 0 {
		return &usageError{msg: "nothing to change: give --set KEY=VALUE for each field that changes", usage: customersEditUsage}
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	c, err := st.UpdateCustomer(ctx, account, func(c *crm.Customer) error {
		for k, v := range set {
			c.Set(k, v)
		}
		return nil
	})
	if err != nil {
		return noCustomer(withValues(ctx, st, err), account)
	}
	if *asJSON {
		return a.printCustomer(ctx, st, c)
	}
	return nil
}

func customersDelete(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("customers delete")
	pos, err := a.parse(fs, args, customersDeleteUsage, "ACCOUNT")
	if err != nil {
		return err
	}
	account, err := parseAccount(pos[0])
	if err != nil {
		return err
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	if err := st.DeleteCustomer(ctx, account); err != nil {
		return noCustomer(err, account)
	}
	return nil
}

func customersList(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("customers list")
	var f store.CustomerFilter
	fs.StringVar(&f.Search, "search", "", "")
	fs.IntVar(&f.Limit, "limit", 50, "")
	fs.IntVar(&f.Offset, "offset", 0, "")
	asJSON := fs.Bool("json", false, "")
	if _, err := a.parse(fs, args, customersListUsage); err != nil {
		return err
	}
	if f.Limit < 1 {
		return &usageError{msg: fmt.Sprintf("--limit must be at least 1, not %d", f.Limit)}
	}
	if f.Offset < 0 {
		return &usageError{msg: fmt.Sprintf("--offset cannot be negative (%d)", f.Offset)}
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	cs, total, err := st.ListCustomers(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		sc, err := st.Schema(ctx)
		if err != nil {
			return err
		}
		j := crm.NewCustomerJSON(sc, false)
		b := []byte{'['}
		for i, c := range cs {
			if i > 0 {
				b = append(b, ',')
			}
			b = j.Append(b, c)
		}
		return a.printJSON(append(b, ']'))
	}
	t := newTable()
	if len(cs) > 0 {
		t.row("ACCOUNT", "NAME", "EMAIL", "COMPANY", "PHONE")
	}
	for _, c := range cs {
		t.row(strconv.FormatInt(c.AccountNumber, 10), c.Name(), c.Get(crm.KeyEmail), c.Get("company"), c.Get("voice"))
	}
	if err := t.writeTo(a.stdout); err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "%d of %d customers\n", len(cs), total)
	return err
}

// noCustomer words a not-found error of the customer with the account
// number for people.
func noCustomer(err error, account int64) error {
	if errors.Is(err, crm.ErrNotFound) {
		return &messageError{msg: fmt.Sprintf("there is no customer with account number %d", account), err: err}
	}
	return err
}

// withValues puts each offending value into the domain's messages, which
// begin with the field's label, so that the person sees what was refused:
// `Email "x" is not a valid email address: ...`.
func withValues(ctx context.Context, st *store.Store, err error) error {
	var ve *crm.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	sc, serr := st.Schema(ctx) // for the labels
	if serr != nil {
		return err
	}
	out := &crm.ValidationError{}
	for _, p := range ve.Problems {
		msg := p.Message
		if f, ok := sc.Field(p.Field); ok && p.Value != "" {
			if rest, ok := strings.CutPrefix(msg, f.Label+" "); ok {
				msg = f.Label + " " + strconv.Quote(crm.Shorten(p.Value)) + " " + rest
			}
		}
		out.Add(p.Field, p.Value, msg)
	}
	return out
}

// printCustomer prints c as a JSON object.
func (a *app) printCustomer(ctx context.Context, st *store.Store, c *crm.Customer) error {
	sc, err := st.Schema(ctx)
	if err != nil {
		return err
	}
	return a.printJSON(crm.NewCustomerJSON(sc, false).Append(nil, c))
}

// printJSON prints one compact JSON value indented for people to read.
func (a *app) printJSON(compact []byte) error {
	var out bytes.Buffer
	if err := json.Indent(&out, compact, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err := a.stdout.Write(out.Bytes())
	return err
}

// localTime shows a time to people, in their own zone.
func localTime(t time.Time) string {
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

const customersLookupUsage = `Usage: localcrm customers lookup --phone N | --email E | --account N [--json]

Finds the customers a caller is: by phone number, read with the default
country and matched however the customer's number was written (+44 20 7946
0958, 020 7946 0958 and 442079460958 are one number); by email, ignoring
case; or by account number. Exits with status 2 when none is found.

  --phone N     a phone number, as the phone system gives it
  --email E     an email address
  --account N   an account number
  --json        print a JSON array of customers
`

func customersLookup(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("customers lookup")
	number, email, account := fs.String("phone", "", ""), fs.String("email", "", ""), fs.String("account", "", "")
	asJSON := fs.Bool("json", false, "")
	if _, err := a.parse(fs, args, customersLookupUsage); err != nil {
		return err
	}
	set := 0
	for _, v := range []string{*number, *email, *account} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		return &usageError{msg: "give one of --phone, --email and --account", usage: customersLookupUsage}
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	var found store.Lookup
	switch {
	case *number != "":
		found, err = st.LookupPhone(ctx, *number)
	case *email != "":
		found, err = st.LookupEmail(ctx, *email)
	default:
		var n int64
		if n, err = parseAccount(*account); err != nil {
			return err
		}
		found, err = st.LookupAccount(ctx, n)
	}
	if err != nil {
		return err
	}
	sc, err := st.Schema(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		j := crm.NewCustomerJSON(sc, false)
		b := []byte{'['}
		for i, c := range found.Customers {
			if i > 0 {
				b = append(b, ',')
			}
			b = j.Append(b, c)
		}
		if err := a.printJSON(append(b, ']')); err != nil {
			return err
		}
	} else {
		t := newTable()
		if len(found.Customers) > 0 {
			t.row("ACCOUNT", "NAME", "EMAIL", "COMPANY", "PHONE")
		}
		for _, c := range found.Customers {
			t.row(strconv.FormatInt(c.AccountNumber, 10), c.Name(), c.Get(crm.KeyEmail), c.Get("company"), dialable(c, sc))
		}
		if err := t.writeTo(a.stdout); err != nil {
			return err
		}
	}
	if len(found.Customers) == 0 {
		what := "account number " + *account
		switch {
		case *number != "":
			what = "phone number " + strconv.Quote(*number)
		case *email != "":
			what = "email " + strconv.Quote(*email)
		}
		return &messageError{msg: "no customer has the " + what, err: crm.ErrNotFound}
	}
	return nil
}

// dialable is the first of c's phone numbers, in its international form
// when it has one.
func dialable(c *crm.Customer, sc *crm.Schema) string {
	for _, key := range sc.PhoneKeys() {
		if v := c.Get(key); v != "" {
			return crm.PhoneValue(c, key, crm.PhonesE164)
		}
	}
	return ""
}
