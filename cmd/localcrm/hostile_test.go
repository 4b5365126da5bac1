package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// peakBound is the most memory an import may take, in KiB of peak RSS: the
// README's bound of 64 MB, whatever the file.
const peakBound = 64 << 10

// measured runs localcrm --db c.db args like c.do, and returns also its
// peak resident memory in KiB.
//
// The peak is ru_maxrss, read through a small launcher (see rssLauncher)
// and not from this process's own child: Linux carries the peak of the
// memory a process had before execve into the rusage of what it runs, and
// os/exec starts a child on the test process's memory (CLONE_VM), so a
// direct child reports at least the test process's own peak, which a test
// before this one may have made 200 MB.
func (c *cli) measured(args ...string) (result, int64) {
	c.t.Helper()
	launcher := rssLauncher(c.t)
	rssFile := filepath.Join(c.t.TempDir(), "maxrss")
	cmd := exec.CommandContext(c.t.Context(), launcher, append([]string{binary, "--db", c.db}, args...)...)
	cmd.Dir = c.dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LOCALCRM_DB=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "RSS_OUT="+rssFile)
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
	b, err := os.ReadFile(rssFile)
	if err != nil {
		c.t.Fatalf("the launcher gave no peak memory: %v", err)
	}
	rss, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		c.t.Fatal(err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}, rss
}

// rssLauncherSource runs its arguments as a command, passing the standard
// streams and the exit status through, and writes the command's peak RSS
// in KiB (ru_maxrss on Linux) to the file named by $RSS_OUT. Itself a small
// process, it starts the command on memory of a few MB.
const rssLauncherSource = `package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "rsslaunch:", err)
		os.Exit(125)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if err := os.WriteFile(os.Getenv("RSS_OUT"), []byte(fmt.Sprint(ru.Maxrss)), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "rsslaunch:", err)
		os.Exit(125)
	}
	os.Exit(cmd.ProcessState.ExitCode())
}
`

var (
	rssLauncherOnce sync.Once
	rssLauncherPath string
	rssLauncherErr  error
)

// rssLauncher builds the launcher once, beside the localcrm binary, whose
// folder TestMain removes at the end.
func rssLauncher(t *testing.T) string {
	t.Helper()
	rssLauncherOnce.Do(func() {
		dir := filepath.Dir(binary)
		src := filepath.Join(dir, "rsslaunch.go")
		if rssLauncherErr = os.WriteFile(src, []byte(rssLauncherSource), 0o600); rssLauncherErr != nil {
			return
		}
		rssLauncherPath = filepath.Join(dir, "rsslaunch")
		build := exec.Command("go", "build", "-o", rssLauncherPath, src)
		build.Dir = dir
		if out, err := build.CombinedOutput(); err != nil {
			rssLauncherErr = fmt.Errorf("build the launcher: %v\n%s", err, out)
		}
	})
	if rssLauncherErr != nil {
		t.Fatal(rssLauncherErr)
	}
	return rssLauncherPath
}

// rowError is one rejected record of `import --dry-run --json`.
type rowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Value   string `json:"value"`
	Message string `json:"message"`
}

// generate writes a file of the test's own, streaming, so that the test's
// memory stays small too.
func generate(t *testing.T, path string, write func(w *bufio.Writer)) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	write(w)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

const (
	msgZIP     = "This is an Excel workbook (.xlsx), but it is damaged or incomplete, so it cannot be read. Open it in Excel and save it again, or save it as CSV (in Excel: File → Save As → CSV UTF-8), then import that file."
	msgTooLong = "The row is longer than 1 MB, so a closing quote (\") is probably missing from a quoted cell that starts on it."
	msgControl = "%s holds a control character (%s) that cannot be stored; remove it."
)

// TestHostileFiles imports each file of testdata/hostile, and large ones
// made here, with the real binary (--dry-run): each must end with exactly
// its message and exit status, and no run may take more than 64 MB.
func TestHostileFiles(t *testing.T) {
	corpus := filepath.Join("..", "..", "testdata", "hostile")
	tests := []struct {
		file string
		make func(t *testing.T, path string) // nil: the file is in testdata/hostile
		// A refused file: exit 2 and this message after "localcrm: import: FILE: ".
		refused string
		// Otherwise a dry run that ends with rejected records (exit 3):
		// these counts and exactly these errors.
		created, rejected int
		errors            []rowError
		checkValue        func(v string) bool // for a value too long to write out; nil: compare
	}{
		{file: "customers.xlsx", refused: msgZIP},
		{file: "customers.xls", refused: "This is an Excel 97-2003 workbook (.xls) or another old Office document, not a CSV file: open it in Excel and Save As CSV UTF-8, then import that file."},
		{file: "customers.pdf", refused: "This is a PDF document, not a CSV file: a table in a PDF cannot be imported. Export the data from the program it came from as CSV UTF-8, then import that file."},
		{file: "table.png", refused: "This is a PNG image, not a CSV file: a picture of a table cannot be imported. Export the data itself as CSV UTF-8, then import that file."},
		{file: "table.jpg", refused: "This is a JPEG image, not a CSV file: a picture of a table cannot be imported. Export the data itself as CSV UTF-8, then import that file."},
		{file: "table.gif", refused: "This is a GIF image, not a CSV file: a picture of a table cannot be imported. Export the data itself as CSV UTF-8, then import that file."},
		{file: "customers.csv.gz", refused: "This is a gzip-compressed file, not a CSV file: decompress it first (gunzip, or open it with an archive tool), then import the CSV file inside."},
		{file: "customers.elf", refused: "This is a program (an ELF executable), not a CSV file: choose the CSV file itself."},
		{file: "nul-block.csv", refused: "This file holds NUL bytes, which text never does: it is not a CSV file but binary data, or a CSV file damaged by a crash or an interrupted copy. Open it in the program that made it, save it as CSV UTF-8 and import that file."},
		{file: "sep-formula.csv", refused: "The file's cells are separated by '=' (its first line, \"sep==\", says so), and localcrm reads only commas, semicolons, tabs or pipes. Save the file with one of those (in Excel: Save As, then CSV) and import it again."},
		{file: "stray-nul.csv", created: 1, rejected: 1, errors: []rowError{
			{2, "last_name", "Love\x00lace", fmt.Sprintf(msgControl, "Last Name", "U+0000")},
		}},
		{file: "control-chars.csv", created: 2, rejected: 6, errors: []rowError{
			{2, "first_name", "Ada\a", fmt.Sprintf(msgControl, "First Name", "U+0007")},
			{3, "last_name", "Hop\bper", fmt.Sprintf(msgControl, "Last Name", "U+0008")},
			{4, "first_name", "\x1b[2J\x1b[HAlan", fmt.Sprintf(msgControl, "First Name", "U+001B")},
			{5, "last_name", "Dijkstra\x7f", fmt.Sprintf(msgControl, "Last Name", "U+007F")},
			{6, "last_name", "Lis\u009bkov", fmt.Sprintf(msgControl, "Last Name", "U+009B")},
			{7, "email", "don\vald@example.com", "Email is not a valid email address: it must look like name@example.com."},
		}},
		{file: "cell-50mb.csv", make: func(t *testing.T, path string) {
			generate(t, path, func(w *bufio.Writer) {
				w.WriteString("First Name,Last Name,Email,Comments\r\nAda,Lovelace,ada@example.com,\"")
				chunk := strings.Repeat("0123456789abcdef", 1<<12) // 64 KiB
				for range 50 << 20 / len(chunk) {
					w.WriteString(chunk)
				}
				w.WriteString("\"\r\nGrace,Hopper,grace@example.com,short\r\n")
			})
		}, created: 1, rejected: 1, errors: []rowError{{2, "", "", msgTooLong}},
			checkValue: func(v string) bool {
				return strings.HasPrefix(v, "Ada,Lovelace,ada@example.com,\"0123456789abcdef") && strings.HasSuffix(v, "…") && len(v) < 1000
			}},
		{file: "columns-100000.csv", make: func(t *testing.T, path string) {
			generate(t, path, func(w *bufio.Writer) {
				w.WriteString("First Name,Last Name,Email")
				for i := 4; i <= 100000; i++ {
					fmt.Fprintf(w, ",c%d", i) // short names: the header stays under 1 MB
				}
				w.WriteString("\r\nAda,Lovelace,ada@example.com")
				w.WriteString(strings.Repeat(",x", 100000-3))
				w.WriteString("\r\n")
			})
		}, refused: "The file's header row has 100,000 columns; localcrm reads at most 1,000. Remove the columns you do not need (or split the file into narrower files) and upload it again; an administrator can raise the limit with --max-columns."},
		{file: "unbalanced-quote.csv", make: func(t *testing.T, path string) {
			generate(t, path, func(w *bufio.Writer) {
				// A quote opened on line 2 and never closed, then 3.5 MB of rows.
				w.WriteString("First Name,Last Name,Email,Comments\r\nAda,Lovelace,\"ada@example.com,\r\n")
				for i := range 49999 {
					fmt.Fprintf(w, "Grace%05d,Hopper%05d,grace%05d@example.com,no quote anywhere\r\n", i, i, i)
				}
			})
		}, created: 49999, rejected: 1, errors: []rowError{{2, "", "Ada,Lovelace,\"ada@example.com,", msgTooLong}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c := newCLI(t)
			path := filepath.Join(c.dir, tt.file)
			if tt.make != nil {
				tt.make(t, path)
			} else {
				b, err := os.ReadFile(filepath.Join(corpus, tt.file))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			r, rss := c.measured("import", tt.file, "--dry-run", "--json")
			t.Logf("%s: exit %d, peak RSS %.1f MB", tt.file, r.code, float64(rss)/1024)
			if rss > peakBound {
				t.Errorf("%s: peak RSS %.1f MB, over the bound of %d MB", tt.file, float64(rss)/1024, peakBound>>10)
			}
			if tt.refused != "" {
				want := "localcrm: import: " + tt.file + ": " + tt.refused + "\n"
				if r.code != 2 || r.stderr != want || r.stdout != "" {
					t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and stderr:\n%s", r.code, r.stdout, r.stderr, want)
				}
				return
			}
			var s struct {
				Status   string     `json:"status"`
				Created  int        `json:"created"`
				Rejected int        `json:"rejected"`
				Errors   []rowError `json:"errors"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &s); err != nil || r.code != 3 || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q, stdout %.2000s (%v); want exit 3 and a dry run as JSON", r.code, r.stderr, r.stdout, err)
			}
			if s.Status != "dry_run" || s.Created != tt.created || s.Rejected != tt.rejected {
				t.Errorf("%s, %d created, %d rejected; want dry_run, %d, %d", s.Status, s.Created, s.Rejected, tt.created, tt.rejected)
			}
			if len(s.Errors) != len(tt.errors) {
				t.Fatalf("%d errors, want %d; the first: %.3000q", len(s.Errors), len(tt.errors), fmt.Sprint(s.Errors[:min(len(s.Errors), 5)]))
			}
			for i, want := range tt.errors {
				got := s.Errors[i]
				if tt.checkValue != nil {
					if !tt.checkValue(got.Value) {
						t.Errorf("error %d: value %.200q is not what was expected", i, got.Value)
					}
					got.Value = want.Value
				}
				if got != want {
					t.Errorf("error %d:\ngot  %#v\nwant %#v", i, got, want)
				}
			}
		})
	}
}

// TestHostileFileName imports under a name with path parts and control
// characters, with the command line and through the server's API: messages
// and tables show it without its control characters, and only its last
// part is kept.
func TestHostileFileName(t *testing.T) {
	c := newCLI(t)
	if err := os.MkdirAll(filepath.Join(c.dir, "sub", "dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	const base = "evil\x1b[2J\a\n\r\tname.csv"
	zipBody, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hostile", "customers.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	csvBody := []byte("First Name,Last Name,Email\r\nAda,Lovelace,ada@example.com\r\n")
	name := filepath.Join("sub", "dir", "..", "dir", base)
	shown := filepath.Join("sub", "dir", "..", "dir", "evil [2J    name.csv")

	// Refused: the message names the file without its control characters.
	if err := os.WriteFile(filepath.Join(c.dir, name), zipBody, 0o600); err != nil {
		t.Fatal(err)
	}
	c.fail(2, "localcrm: import: "+shown+": "+msgZIP+"\n", "import", name, "--dry-run")

	// Loaded: the import keeps the last part of the name only, as it is;
	// the table shows it without control characters.
	if err := os.WriteFile(filepath.Join(c.dir, name), csvBody, 0o600); err != nil {
		t.Fatal(err)
	}
	if out := c.ok("import", name); strings.ContainsAny(out, "\x1b\a\r") {
		t.Errorf("import prints the name with its control characters:\n%q", out)
	}
	if out := c.ok("imports", "show", "1"); strings.ContainsAny(out, "\x1b\a\r") {
		t.Errorf("imports show prints the name with its control characters:\n%q", out)
	}
	var show struct {
		File string `json:"file"`
	}
	if err := json.Unmarshal([]byte(c.ok("imports", "show", "1", "--json")), &show); err != nil {
		t.Fatal(err)
	}
	if show.File != base {
		t.Errorf("imports show --json: file %q, want %q", show.File, base)
	}
	list := c.ok("imports", "list")
	if strings.ContainsAny(list, "\x1b\a\r") || !strings.Contains(list, "evil [2J    name.csv") {
		t.Errorf("imports list shows the name with its control characters, or not at all:\n%q", list)
	}

	// Through the API. A part's header cannot hold control characters (Go
	// refuses them, as it should), but RFC 2231's filename* can, encoded.
	token := strings.TrimSpace(c.ok("tokens", "create", "--role", "manager"))
	url, _ := startServer(t, c)
	upload := func(filename string, body []byte) (int, map[string]any) {
		t.Helper()
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{`form-data; name="file"; filename*=UTF-8''` + neturl.PathEscape(filename)}
		h["Content-Type"] = []string{"text/csv"}
		part, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(body)
		mw.Close()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"/api/v1/imports", &buf)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		b, _ := io.ReadAll(res.Body)
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("upload %q: %s: not JSON: %s", filename, res.Status, b)
		}
		return res.StatusCode, out
	}
	const apiName = "../../../etc/evil\x1b[2J\a\n\r\tname.csv"
	code, out := upload(apiName, zipBody)
	e, _ := out["error"].(map[string]any)
	if code != http.StatusBadRequest || e["code"] != "invalid" || !strings.HasSuffix(fmt.Sprint(e["message"]), msgZIP) {
		t.Errorf("upload of a ZIP: %d %v; want 400, invalid, ending %q", code, out, msgZIP)
	}
	code, out = upload(apiName, csvBody)
	if code != http.StatusCreated || out["file"] != base {
		t.Errorf("upload of a CSV named %q: %d, file %q; want 201 and the last part of the name", apiName, code, out["file"])
	}
	// Only the database, its files and the imports folder are there: no
	// name of the upload made a file anywhere else.
	entries, err := os.ReadDir(filepath.Join(c.dir, "imports"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || strings.Trim(e.Name(), "0123456789") != "" {
			t.Errorf("imports folder holds %q", e.Name())
		}
	}
}
