package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// binary is the localcrm command built once by TestMain; the tests run it
// as a user or script would, against real database files.
var binary string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "localcrm-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "localcrm")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build localcrm:", err)
		return 1
	}
	// The tests and every process they start keep their temporary files
	// here, removed at the end: a server the tests kill (to see another
	// take its import over) cannot remove its uploads folder itself.
	if err := os.Setenv("TMPDIR", dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// cli runs the binary in a working directory of its own.
type cli struct {
	t   *testing.T
	dir string   // working directory
	db  string   // passed as --db by do, ok and fail
	env []string // added to the environment, which never holds LOCALCRM_DB otherwise
}

func newCLI(t *testing.T) *cli {
	dir := t.TempDir()
	return &cli{t: t, dir: dir, db: filepath.Join(dir, "test.db")}
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs localcrm with exactly args.
func (c *cli) run(args ...string) result {
	c.t.Helper()
	cmd := exec.CommandContext(c.t.Context(), binary, args...)
	cmd.Dir, cmd.Env = c.dir, c.environ()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		c.t.Fatalf("run localcrm %q: %v", args, err)
	}
	if strings.Contains(stderr.String(), "goroutine ") || strings.Contains(stderr.String(), "panic:") {
		c.t.Errorf("localcrm %q printed a stack trace:\n%s", args, stderr.String())
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
}

// environ is the environment of the processes c starts: the tests' own,
// without LOCALCRM_DB, and c.env.
func (c *cli) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LOCALCRM_DB=") {
			env = append(env, kv)
		}
	}
	return append(env, c.env...)
}

// do runs localcrm --db c.db args.
func (c *cli) do(args ...string) result {
	c.t.Helper()
	return c.run(append([]string{"--db", c.db}, args...)...)
}

// ok runs localcrm --db c.db args, which must succeed quietly on stderr,
// and returns its output.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	r := c.do(args...)
	if r.code != 0 || r.stderr != "" {
		c.t.Fatalf("localcrm %q: exit %d, stderr:\n%s", args, r.code, r.stderr)
	}
	return r.stdout
}

// file writes a file of the test's working directory and returns its path.
func (c *cli) file(name, content string) string {
	c.t.Helper()
	path := filepath.Join(c.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return path
}

// fail runs localcrm --db c.db args, which must exit with code and print
// exactly stderr and nothing on stdout.
func (c *cli) fail(code int, stderr string, args ...string) {
	c.t.Helper()
	r := c.do(args...)
	if r.code != code || r.stderr != stderr || r.stdout != "" {
		c.t.Errorf("localcrm %q:\nexit %d, stderr:\n%s\nstdout:\n%s\nwant exit %d, stderr:\n%s", args, r.code, r.stderr, r.stdout, code, stderr)
	}
}

// equal reports a difference between got and want line by line, which
// reads better than two long strings.
func equal(t *testing.T, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	g, w := strings.SplitAfter(got, "\n"), strings.SplitAfter(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			whole := got
			if len(g) > 50 { // an export of thousands of customers: the line says it
				whole = fmt.Sprintf("(%d lines)", len(g))
			}
			t.Errorf("%s differs at line %d:\ngot:  %q\nwant: %q\nwhole output:\n%s", what, i+1, gl, wl, whole)
			return
		}
	}
}

// columnsRE splits a row of a table: columns are two or more spaces apart.
var columnsRE = regexp.MustCompile(`\s{2,}`)

var timestampRE = regexp.MustCompile(`"(created|updated)_at": "([^"]*)"`)

// stripTimes replaces the timestamps of customer JSON by "T", after
// checking that they are RFC 3339.
func stripTimes(t *testing.T, s string) string {
	t.Helper()
	for _, m := range timestampRE.FindAllStringSubmatch(s, -1) {
		if _, err := time.Parse(time.RFC3339, m[2]); err != nil || !strings.HasSuffix(m[2], "Z") {
			t.Errorf("%s_at = %q, want an RFC 3339 time in UTC", m[1], m[2])
		}
	}
	return timestampRE.ReplaceAllString(s, `"${1}_at": "T"`)
}

// TestCustomerFileEndToEnd walks through what an admin does: define fields,
// add, find, change and delete customers, and export them.
func TestCustomerFileEndToEnd(t *testing.T) {
	c := newCLI(t)

	// Fields: flags may follow the name.
	c.ok("fields", "add", "tier", "--type", "picklist", "--values", "Gold,Silver,Bronze", "--label", "Loyalty Tier")
	c.ok("fields", "add", "since", "--type", "date", "--label", "Customer Since")
	c.ok("fields", "add", "--type", "checkbox", "--default", "no", "vip")
	c.ok("fields", "edit", "customer_type", "--values", "Default,VIP")

	var fields []map[string]any
	if err := json.Unmarshal([]byte(c.ok("fields", "list", "--json")), &fields); err != nil {
		t.Fatalf("fields list --json: %v", err)
	}
	wantKeys := []string{"default", "key", "label", "max_length", "required", "standard", "type", "values"}
	for _, f := range fields {
		var keys []string
		for k := range f {
			keys = append(keys, k)
		}
		if slices.Sort(keys); !slices.Equal(keys, wantKeys) {
			t.Errorf("fields list --json: field %v has keys %v, want %v", f["key"], keys, wantKeys)
		}
	}
	if n := len(fields); n < 4 || fields[0]["key"] != "account_number" {
		t.Fatalf("fields list --json: %d fields, first %v", n, fields[0]["key"])
	}
	custom := fields[len(fields)-3:]
	wantCustom := []map[string]any{
		{"key": "tier", "label": "Loyalty Tier", "type": "picklist", "max_length": 85.0, "required": false, "standard": false,
			"values": []any{"Gold", "Silver", "Bronze"}, "default": ""},
		{"key": "since", "label": "Customer Since", "type": "date", "max_length": 10.0, "required": false, "standard": false,
			"values": []any{}, "default": ""},
		{"key": "vip", "label": "vip", "type": "checkbox", "max_length": 5.0, "required": false, "standard": false,
			"values": []any{}, "default": "false"},
	}
	for i := range wantCustom {
		if fmt.Sprint(custom[i]) != fmt.Sprint(wantCustom[i]) {
			t.Errorf("fields list --json: custom field %d = %v, want %v", i, custom[i], wantCustom[i])
		}
	}
	for _, f := range fields {
		if f["key"] == "customer_type" && fmt.Sprint(f["values"]) != "[Default VIP]" {
			t.Errorf("customer_type values = %v, want [Default VIP]", f["values"])
		}
	}
	table := c.ok("fields", "list")
	for _, want := range [][]string{
		{"KEY", "LABEL", "TYPE", "MAX LENGTH", "REQUIRED", "STANDARD", "DEFAULT", "VALUES"},
		{"first_name", "First Name", "text", "30", "yes", "yes"},
		{"customer_type", "Customer Type", "picklist", "85", "no", "yes", "Default", "Default, VIP"},
		{"tier", "Loyalty Tier", "picklist", "85", "no", "no", "Gold, Silver, Bronze"},
		{"vip", "vip", "checkbox", "5", "no", "no", "false"},
	} {
		if !slices.ContainsFunc(strings.Split(table, "\n"), func(line string) bool {
			return slices.Equal(columnsRE.Split(line, -1), want)
		}) {
			t.Errorf("fields list has no row %q:\n%s", want, table)
		}
	}

	// Customers: values are stored in their normal form.
	equal(t, "customers add Zoë", c.ok("customers", "add", "--set", "first_name=Zoë", "--set", "last_name=Lee",
		"--set", "email=zoe+crm@example.com", "--set", "since=02/29/2024", "--set", "tier=gold", "--set", "customer_type=vip"), "10000000\n")
	added := c.ok("customers", "add", "--json", "--set", "first_name=Ann", "--set", "last_name=Lee", "--set", "email=Ann.Lee@Example.com",
		"--set", "company=Acme, Inc.", "--set", "voice=+1 555 0100", "--set", "vip=yes")
	equal(t, "customers add --json", stripTimes(t, added), `{
  "account_number": 10000001,
  "first_name": "Ann",
  "last_name": "Lee",
  "email": "Ann.Lee@Example.com",
  "company": "Acme, Inc.",
  "voice": "+1 555 0100",
  "customer_type": "Default",
  "vip": "true",
  "created_at": "T",
  "updated_at": "T"
}
`)
	equal(t, "customers add Bob", c.ok("customers", "add", "--set", "first_name=Bob", "--set", "last_name=O'Brien",
		"--set", "company==SUM(A1:A2)", "--set", "comments=line one\nline \"two\" <&>",
		"--set", "addr1_street1=-1 Side Street", "--set", "addr1_city=@home"), "10000002\n")
	equal(t, "customers add Dee", c.ok("customers", "add", "--set", "first_name=Dee", "--set", "last_name=Gone"), "10000003\n")

	equal(t, "customers list", c.ok("customers", "list"), `ACCOUNT   NAME         EMAIL                COMPANY      PHONE
10000000  Zoë Lee      zoe+crm@example.com
10000001  Ann Lee      Ann.Lee@Example.com  Acme, Inc.   +1 555 0100
10000002  Bob O'Brien                       =SUM(A1:A2)
10000003  Dee Gone
4 of 4 customers
`)
	equal(t, "customers list --search lee", c.ok("customers", "list", "--search", "lee"), `ACCOUNT   NAME     EMAIL                COMPANY     PHONE
10000000  Zoë Lee  zoe+crm@example.com
10000001  Ann Lee  Ann.Lee@Example.com  Acme, Inc.  +1 555 0100
2 of 2 customers
`)
	equal(t, "customers list --search 'Ann Lee'", c.ok("customers", "list", "--search", "Ann Lee"), `ACCOUNT   NAME     EMAIL                COMPANY     PHONE
10000001  Ann Lee  Ann.Lee@Example.com  Acme, Inc.  +1 555 0100
1 of 1 customers
`)
	equal(t, "customers list --search nobody", c.ok("customers", "list", "--search", "nobody"), "0 of 0 customers\n")
	equal(t, "customers list --limit 2 --offset 1", c.ok("customers", "list", "--limit", "2", "--offset", "1"), `ACCOUNT   NAME         EMAIL                COMPANY      PHONE
10000001  Ann Lee      Ann.Lee@Example.com  Acme, Inc.   +1 555 0100
10000002  Bob O'Brien                       =SUM(A1:A2)
2 of 4 customers
`)
	var page []map[string]any
	if err := json.Unmarshal([]byte(c.ok("customers", "list", "--search", "lee", "--json")), &page); err != nil {
		t.Fatalf("customers list --json: %v", err)
	}
	if len(page) != 2 || page[0]["account_number"] != 10000000.0 || page[1]["email"] != "Ann.Lee@Example.com" {
		t.Errorf("customers list --search lee --json = %v", page)
	}

	// The flag may follow the account number.
	equal(t, "customers get --json", stripTimes(t, c.ok("customers", "get", "10000000", "--json")), `{
  "account_number": 10000000,
  "first_name": "Zoë",
  "last_name": "Lee",
  "email": "zoe+crm@example.com",
  "customer_type": "VIP",
  "tier": "Gold",
  "since": "2024-02-29",
  "vip": "false",
  "created_at": "T",
  "updated_at": "T"
}
`)
	shown := regexp.MustCompile(`(?m)^(Created|Updated)( +)\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+$`).
		ReplaceAllString(c.ok("customers", "get", "10000002"), "$1${2}T")
	equal(t, "customers get", shown, `Account Number            10000002
First Name                Bob
Last Name                 O'Brien
Company                   =SUM(A1:A2)
Comments                  line one
                          line "two" <&>
Customer Type             Default
Primary Address Street 1  -1 Side Street
Primary Address City      @home
vip                       false
Created                   T
Updated                   T
`)

	// Edit: an empty value clears, picklists take their own spelling.
	c.ok("customers", "edit", "10000001", "--set", "company=", "--set", "tier=SILVER", "--set", "vip=n")
	equal(t, "customers get after edit", stripTimes(t, c.ok("customers", "get", "--json", "10000001")), `{
  "account_number": 10000001,
  "first_name": "Ann",
  "last_name": "Lee",
  "email": "Ann.Lee@Example.com",
  "voice": "+1 555 0100",
  "customer_type": "Default",
  "tier": "Silver",
  "vip": "false",
  "created_at": "T",
  "updated_at": "T"
}
`)

	c.ok("customers", "delete", "10000003")
	c.fail(2, "localcrm: customers get: there is no customer with account number 10000003\n", "customers", "get", "10000003")

	// Export: the header is the keys in schema order; formula-like cells
	// get a ' (=, +, -, @), others are as stored. Records end in CRLF, as
	// spreadsheets write them; a line break inside a cell is kept as it is.
	const wantCSV = "account_number,first_name,last_name,email,company,voice,alternative,fax,comments,customer_type,addr1_street1,addr1_street2,addr1_city,addr1_state,addr1_zip,addr1_country,addr2_street1,addr2_street2,addr2_city,addr2_state,addr2_zip,addr2_country,tier,since,vip\r\n" +
		"10000000,Zoë,Lee,zoe+crm@example.com,,,,,,VIP,,,,,,,,,,,,,Gold,2024-02-29,false\r\n" +
		"10000001,Ann,Lee,Ann.Lee@Example.com,,'+1 555 0100,,,,Default,,,,,,,,,,,,,Silver,,false\r\n" +
		"10000002,Bob,O'Brien,,'=SUM(A1:A2),,,,\"line one\nline \"\"two\"\" <&>\",Default,'-1 Side Street,,'@home,,,,,,,,,,,,false\r\n"
	const wantJSON = `[
  {"account_number":10000000,"first_name":"Zoë","last_name":"Lee","email":"zoe+crm@example.com","company":"","voice":"","alternative":"","fax":"","comments":"","customer_type":"VIP","addr1_street1":"","addr1_street2":"","addr1_city":"","addr1_state":"","addr1_zip":"","addr1_country":"","addr2_street1":"","addr2_street2":"","addr2_city":"","addr2_state":"","addr2_zip":"","addr2_country":"","tier":"Gold","since":"2024-02-29","vip":"false"},
  {"account_number":10000001,"first_name":"Ann","last_name":"Lee","email":"Ann.Lee@Example.com","company":"","voice":"+1 555 0100","alternative":"","fax":"","comments":"","customer_type":"Default","addr1_street1":"","addr1_street2":"","addr1_city":"","addr1_state":"","addr1_zip":"","addr1_country":"","addr2_street1":"","addr2_street2":"","addr2_city":"","addr2_state":"","addr2_zip":"","addr2_country":"","tier":"Silver","since":"","vip":"false"},
  {"account_number":10000002,"first_name":"Bob","last_name":"O'Brien","email":"","company":"=SUM(A1:A2)","voice":"","alternative":"","fax":"","comments":"line one\nline \"two\" <&>","customer_type":"Default","addr1_street1":"-1 Side Street","addr1_street2":"","addr1_city":"@home","addr1_state":"","addr1_zip":"","addr1_country":"","addr2_street1":"","addr2_street2":"","addr2_city":"","addr2_state":"","addr2_zip":"","addr2_country":"","tier":"","since":"","vip":"false"}
]
`
	if out := c.ok("export", "customers.csv"); out != "" {
		t.Errorf("export printed %q", out)
	}
	c.ok("export", "customers.json")
	c.ok("export", "--format", "json", "json.txt")
	c.ok("export", "data.JSON", "--format", "csv")
	for name, want := range map[string]string{"customers.csv": wantCSV, "customers.json": wantJSON, "json.txt": wantJSON, "data.JSON": wantCSV} {
		got, err := os.ReadFile(filepath.Join(c.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "export "+name, string(got), want)
	}
	equal(t, "export -", c.ok("export", "-"), wantCSV)
	equal(t, "export - --format json", c.ok("export", "-", "--format", "json"), wantJSON)
	var decoded []map[string]any
	if err := json.Unmarshal([]byte(wantJSON), &decoded); err != nil || len(decoded) != 3 {
		t.Errorf("the JSON export does not decode: %v", err)
	}
	assertNoTempFiles(t, c.dir)

	// Deleting a field deletes its values: a field of the same name,
	// added again, is empty.
	c.ok("fields", "delete", "tier", "--yes")
	c.ok("fields", "add", "tier", "--type", "text")
	if got := c.ok("customers", "get", "10000000", "--json"); strings.Contains(got, `"tier"`) {
		t.Errorf("customer still has a tier after the field was deleted:\n%s", got)
	}
}

func TestExportOfNoCustomers(t *testing.T) {
	c := newCLI(t)
	equal(t, "export - (csv)", c.ok("export", "-"), "account_number,first_name,last_name,email,company,voice,alternative,fax,comments,customer_type,addr1_street1,addr1_street2,addr1_city,addr1_state,addr1_zip,addr1_country,addr2_street1,addr2_street2,addr2_city,addr2_state,addr2_zip,addr2_country\r\n")
	equal(t, "export - (json)", c.ok("export", "-", "--format", "json"), "[]\n")
}

// TestFailedExportLeavesNoFile makes the export fail after the data is
// written: the target is a directory, so the final rename fails.
func TestFailedExportLeavesNoFile(t *testing.T) {
	c := newCLI(t)
	c.ok("customers", "add", "--set", "first_name=Ann", "--set", "last_name=Lee")
	if err := os.Mkdir(filepath.Join(c.dir, "taken.csv"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := c.do("export", "taken.csv")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "localcrm: export: write taken.csv: ") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("export onto a directory: exit %d, stderr %q; want exit 1 and one line", r.code, r.stderr)
	}
	c.fail(1, "localcrm: export: write no/such/dir/x.csv: no such file or directory\n", "export", "no/such/dir/x.csv")
	assertNoTempFiles(t, c.dir)

	// A good file is replaced only by a complete one, and keeps its mode.
	good := filepath.Join(c.dir, "good.csv")
	if err := os.WriteFile(good, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("export", "good.csv")
	if fi, err := os.Stat(good); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() < 10 {
		t.Errorf("re-exported file: %v, %v; want the new content with mode 0600", fi, err)
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	tmps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if len(tmps) > 0 {
		t.Errorf("temporary files left behind: %v", tmps)
	}
}

// TestErrors checks the exit status and the exact message of mistakes a
// person makes: one line naming the command, the field and the value.
func TestErrors(t *testing.T) {
	c := newCLI(t)
	c.ok("fields", "add", "tier", "--type", "picklist", "--values", "Gold,Silver")
	c.ok("customers", "add", "--set", "first_name=Ann", "--set", "last_name=Lee", "--set", "email=ann@example.com", "--set", "tier=Gold")

	c.fail(2, "localcrm: customers add: Email \"x\" is not a valid email address: it must look like name@example.com.\n",
		"customers", "add", "--set", "first_name=Bob", "--set", "last_name=Stone", "--set", "email=x")
	c.fail(2, "localcrm: customers add: Last Name must have a value.\n",
		"customers", "add", "--set", "first_name=Bob")
	c.fail(2, "localcrm: customers add: 3 problems:\n  First Name must have a value.\n  Last Name must have a value.\n  tier \"Platinum\" is not one of the allowed values: Gold, Silver.\n",
		"customers", "add", "--set", "tier=Platinum")
	c.fail(2, "localcrm: customers add: Email \"ANN@Example.COM\" already belongs to customer 10000000\n",
		"customers", "add", "--set", "first_name=Annie", "--set", "last_name=Lee", "--set", "email=ANN@Example.COM")
	c.fail(2, "localcrm: customers add: There is no field \"shoe_size\"; the fields are listed by `localcrm fields list`.\n",
		"customers", "add", "--set", "first_name=Bob", "--set", "last_name=Stone", "--set", "shoe_size=44")
	c.ok("customers", "add", "--set", "first_name=Bob", "--set", "last_name=Stone", "--set", "email=bob@example.com")
	c.fail(2, "localcrm: customers edit: Email \"ann@EXAMPLE.com\" already belongs to customer 10000000\n",
		"customers", "edit", "10000001", "--set", "email=ann@EXAMPLE.com")
	c.fail(2, "localcrm: customers edit: there is no customer with account number 10000009\n",
		"customers", "edit", "10000009", "--set", "first_name=X")
	c.fail(2, "localcrm: customers get: \"ten\" is not an account number; account numbers are whole numbers such as 10000000\n",
		"customers", "get", "ten")
	c.fail(2, "localcrm: fields edit: The type of \"tier\" is picklist and cannot be changed once saved; create a new field of type text instead.\n",
		"fields", "edit", "tier", "--type", "text")
	c.fail(2, "localcrm: fields delete: deleting the field \"tier\" deletes its value on every customer; pass --yes to delete it\n",
		"fields", "delete", "tier")
	c.fail(2, "localcrm: fields add: there is already a field named \"tier\"\n",
		"fields", "add", "tier", "--type", "text")
	c.fail(2, "localcrm: fields add: Values are for picklist fields only, not for a text field.\n",
		"fields", "add", "notes", "--type", "text", "--values", "A,B")
	c.fail(2, "localcrm: fields add: The length of a date field is fixed at 10 characters; leave the maximum length out.\n",
		"fields", "add", "born", "--type", "date", "--max-length", "20")
	c.fail(2, "localcrm: fields edit: First Name is a standard field and cannot be changed.\n",
		"fields", "edit", "first_name", "--label", "Given Name")
	c.fail(2, "localcrm: fields delete: \"email\" is a standard field and cannot be deleted.\n",
		"fields", "delete", "email", "--yes")
	c.fail(2, "localcrm: fields edit: there is no field \"nope\"; the fields are listed by `localcrm fields list`\n",
		"fields", "edit", "nope", "--label", "X")

	// Nothing refused was saved.
	if got := c.ok("customers", "list"); !strings.HasSuffix(got, "\n2 of 2 customers\n") {
		t.Errorf("customers list after refused adds:\n%s", got)
	}
	if got := c.ok("customers", "get", "10000000", "--json"); !strings.Contains(got, `"tier": "Gold"`) {
		t.Errorf("the customer lost its tier after a refused field deletion:\n%s", got)
	}
}

func TestUsage(t *testing.T) {
	c := newCLI(t)
	help := c.run("help")
	if help.code != 0 || help.stderr != "" || !strings.HasPrefix(help.stdout, "Usage: localcrm") {
		t.Fatalf("help: exit %d, stdout %q, stderr %q", help.code, help.stdout, help.stderr)
	}
	for _, cmd := range []string{"fields list", "fields add", "fields edit", "fields delete", "customers add", "customers get",
		"customers edit", "customers delete", "customers list", "export", "serve", "help", "--db", "LOCALCRM_DB"} {
		if !strings.Contains(help.stdout, cmd) {
			t.Errorf("usage does not mention %q", cmd)
		}
	}
	// Every command the binary runs is in the usage and has its own help
	// (the usage is made from the table that dispatches them).
	for _, cmd := range commands {
		if !strings.Contains(help.stdout, "\n  "+cmd.name+" ") {
			t.Errorf("usage does not list the command %q", cmd.name)
		}
		if cmd.run == nil {
			continue
		}
		if r := c.run("help", cmd.name); r.code != 0 || !strings.HasPrefix(r.stdout, "Usage: localcrm "+cmd.name) {
			t.Errorf("localcrm help %s: exit %d, stdout %q", cmd.name, r.code, r.stdout)
		}
	}
	for _, args := range [][]string{{"-h"}, {"--help"}} {
		if r := c.run(args...); r.code != 0 || r.stdout != help.stdout || r.stderr != "" {
			t.Errorf("localcrm %q: exit %d, stderr %q; want the usage on stdout and exit 0", args, r.code, r.stderr)
		}
	}
	if r := c.run(); r.code != 2 || r.stderr != help.stdout || r.stdout != "" {
		t.Errorf("localcrm with no arguments: exit %d, stdout %q, stderr %q; want the usage on stderr and exit 2", r.code, r.stdout, r.stderr)
	}
	if r := c.run("frobnicate"); r.code != 2 || r.stderr != "localcrm: unknown command \"frobnicate\"\n"+help.stdout || r.stdout != "" {
		t.Errorf("unknown command: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"help", "customers"}, "Usage: localcrm customers COMMAND"},
		{[]string{"customers", "-h"}, "Usage: localcrm customers COMMAND"},
		{[]string{"customers", "get", "-h"}, "Usage: localcrm customers get ACCOUNT"},
		{[]string{"fields", "add", "tier", "--help"}, "Usage: localcrm fields add NAME"},
		{[]string{"export", "--help"}, "Usage: localcrm export FILE"},
	} {
		if r := c.run(tt.args...); r.code != 0 || !strings.HasPrefix(r.stdout, tt.want) || r.stderr != "" {
			t.Errorf("localcrm %q: exit %d, stdout %q, stderr %q; want exit 0 and %q...", tt.args, r.code, r.stdout, r.stderr, tt.want)
		}
	}
	if r := c.do("customers", "list", "--bogus"); r.code != 2 || !strings.HasPrefix(r.stderr, "localcrm: customers list: flag provided but not defined: -bogus\nUsage: localcrm customers list") {
		t.Errorf("unknown flag: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if r := c.do("customers"); r.code != 2 || !strings.HasPrefix(r.stderr, "localcrm: customers: which one? add, delete, edit, get, list, lookup\nUsage: localcrm customers") {
		t.Errorf("customers without a subcommand: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "extra"}, "localcrm: serve: unexpected argument \"extra\""},
		{[]string{"customers", "get"}, "localcrm: customers get: missing ACCOUNT\nUsage: localcrm customers get"},
		{[]string{"customers", "delete", "10000000", "10000001"}, "localcrm: customers delete: unexpected argument \"10000001\""},
		{[]string{"fields", "add", "tier", "--required", "true"}, "localcrm: fields add: unexpected argument \"true\" (write a flag's value with =, such as --required=true)"},
		{[]string{"imports", "show"}, "localcrm: imports show: missing ID"},
		{[]string{"imports", "report", "1", "2", "--csv", "r.csv"}, "localcrm: imports report: unexpected argument \"2\""},
		{[]string{"export"}, "localcrm: export: missing FILE"},
	} {
		if r := c.do(tt.args...); r.code != 2 || !strings.HasPrefix(r.stderr, tt.want) {
			t.Errorf("localcrm %q: exit %d, stderr %q; want exit 2 and %q...", tt.args, r.code, r.stderr, tt.want)
		}
	}
	// serve's synopsis names every flag its help explains (it left five
	// out once).
	serve := c.ok("serve", "-h")
	synopsis, _, _ := strings.Cut(serve, "\n\n")
	for _, line := range strings.Split(serve, "\n") {
		if name, ok := strings.CutPrefix(line, "  --"); ok {
			name, _, _ = strings.Cut(name, " ")
			if !strings.Contains(synopsis, "[--"+name) && !strings.Contains(synopsis, " --"+name+" ") {
				t.Errorf("serve -h explains --%s but its synopsis does not name it:\n%s", name, synopsis)
			}
		}
	}
	// Help needs no database.
	if _, err := os.Stat(c.db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("help and usage errors created the database: %v", err)
	}
}

// TestDatabaseChoice checks where the data goes: --db, else $LOCALCRM_DB,
// else localcrm.db in the working directory.
func TestDatabaseChoice(t *testing.T) {
	c := newCLI(t)
	add := []string{"customers", "add", "--set", "first_name=Ann", "--set", "last_name=Lee"}
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(c.dir, name))
		return err == nil
	}

	c.env = []string{"LOCALCRM_DB=from-env.db"}
	if r := c.run(add...); r.code != 0 || r.stdout != "10000000\n" {
		t.Fatalf("customers add with LOCALCRM_DB: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	if !exists("from-env.db") || exists("localcrm.db") {
		t.Errorf("LOCALCRM_DB=from-env.db: from-env.db exists %v, localcrm.db exists %v", exists("from-env.db"), exists("localcrm.db"))
	}
	if r := c.run("customers", "list"); !strings.HasSuffix(r.stdout, "1 of 1 customers\n") {
		t.Errorf("customers list with LOCALCRM_DB: %q %q", r.stdout, r.stderr)
	}
	// --db wins over the environment.
	if r := c.run("--db", "from-flag.db", "customers", "list"); r.code != 0 || r.stdout != "0 of 0 customers\n" || !exists("from-flag.db") {
		t.Errorf("--db with LOCALCRM_DB set: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}

	c.env = nil
	c.run(add...)
	c.run(add...)
	if r := c.run("customers", "list"); !strings.HasSuffix(r.stdout, "2 of 2 customers\n") || !exists("localcrm.db") {
		t.Errorf("without --db or LOCALCRM_DB: %q %q, localcrm.db exists %v", r.stdout, r.stderr, exists("localcrm.db"))
	}
	if r := c.run("--db", "", "customers", "list"); r.code != 2 {
		t.Errorf("--db '': exit %d, %q", r.code, r.stderr)
	}
	// A PostgreSQL URL is a database, not a file name; one that cannot be
	// reached says so.
	if r := c.run("--db", "postgres://localcrm@127.0.0.1:1/crm?connect_timeout=2", "customers", "list"); r.code != 1 ||
		!strings.Contains(r.stderr, "PostgreSQL cannot be reached") || exists("postgres:") {
		t.Errorf("--db postgres://… of no server: exit %d, %q", r.code, r.stderr)
	}
}

// TestUnexpectedErrorIsOneLine: a file that is not a database is no fault
// of the command line, so the status is 1, with one line of explanation.
func TestUnexpectedErrorIsOneLine(t *testing.T) {
	c := newCLI(t)
	if err := os.WriteFile(c.db, []byte("name,email\nAnn,ann@example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := c.do("customers", "list")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "localcrm: customers list: ") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("customers list on a CSV file: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestParseInterleavesFlagsAndArguments: flags may come before, between or
// after positional arguments, and "--" ends the flags.
func TestParseInterleavesFlagsAndArguments(t *testing.T) {
	tests := []struct {
		args     []string
		wantPos  []string
		wantJSON bool
	}{
		{[]string{"a", "--json", "b"}, []string{"a", "b"}, true},
		{[]string{"--json", "a"}, []string{"a"}, true},
		{[]string{"a", "b"}, []string{"a", "b"}, false},
		{[]string{"a", "--", "--json"}, []string{"a", "--json"}, false},
	}
	for _, tt := range tests {
		a := &app{stdout: io.Discard, stderr: io.Discard}
		fs := newFlagSet("test")
		asJSON := fs.Bool("json", false, "")
		pos, err := a.parse(fs, tt.args, "", tt.wantPos...)
		if err != nil || !slices.Equal(pos, tt.wantPos) || *asJSON != tt.wantJSON {
			t.Errorf("parse(%q) = %q, json %v, %v; want %q, json %v", tt.args, pos, *asJSON, err, tt.wantPos, tt.wantJSON)
		}
	}
}
