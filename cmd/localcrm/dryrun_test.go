package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDryRunRejects: `import --dry-run --rejects FILE` writes the rows the
// import would reject, the very file the real import then writes; before,
// the flag was ignored, and the text pointed to a report of the dry run's
// import, which the dry run had discarded. --report, which a dry run has
// none of, is refused.
func TestDryRunRejects(t *testing.T) {
	c := newCLI(t)
	file := writePeople(t, c.dir, "people.csv", 0, 60, func(i int) bool { return i%2 == 0 })
	dry := c.do("import", file, "--dry-run", "--rejects", "dry.csv")
	if dry.code != 3 || !strings.Contains(dry.stdout, "… and more: dry.csv has every one") {
		t.Fatalf("dry run: exit %d, stdout:\n%s", dry.code, dry.stdout)
	}
	if r := c.do("import", file, "--dry-run"); !strings.Contains(r.stdout, "… and more: add --rejects FILE.csv to write every row it would reject") {
		t.Errorf("a dry run without --rejects says:\n%s", r.stdout)
	}
	var timed struct {
		Seconds float64 `json:"duration_seconds"`
	}
	json.Unmarshal([]byte(c.do("import", file, "--dry-run", "--json").stdout), &timed)
	if timed.Seconds <= 0 {
		t.Errorf("a dry run took %v s, by its summary; want its own time (it said 0.0s whatever it took)", timed.Seconds)
	}
	c.fail(2, "localcrm: import: --report is a real import's record of every record; a dry run writes none: give --rejects FILE.csv for the rows it would reject, or --json\n"+importHelp, "import", file, "--dry-run", "--report", "r.csv")
	if r := c.do("import", file, "--rejects", "real.csv"); r.code != 3 {
		t.Fatalf("import: exit %d, %s", r.code, r.stderr)
	}
	got, _ := os.ReadFile(filepath.Join(c.dir, "dry.csv"))
	want, _ := os.ReadFile(filepath.Join(c.dir, "real.csv"))
	if n := strings.Count(string(want), "\n"); n != 31 {
		t.Fatalf("the import's rejects file has %d lines, want a header and 30 rows", n)
	}
	equal(t, "the dry run's rejects file", string(got), string(want))
}

// TestBigFileMemory: a dry run or an import of a big file holds no row's
// text: not as the errors of rejected rows (the text lists the first few,
// and --rejects reads the file again), nor under the emails a dry run
// remembers for the whole file. Each kept its row's whole text alive: a
// million rows took 467 MB when all were rejected, 255 MB when none was.
// With --json every error is listed, so all are held, but not their rows:
// 150,000 rejected rows took 217-222 MB while each error's value kept its
// row, 154-179 MB since. An import read every error back for its text
// outcome, which lists twenty: 76 MB for those 150,000, 44 MB since.
func TestBigFileMemory(t *testing.T) {
	const n = 150_000
	notes := strings.Repeat("a long note about this customer ", 12) // under Comments' 400 characters
	for _, tt := range []struct {
		name              string
		bad, real, json   bool
		created, rejected string
		bound             int64 // KiB of peak RSS
	}{
		{"dry run, every row rejected", true, false, false, "0", "150,000", peakBound},
		{"dry run, every row new", false, false, false, "150,000", "0", peakBound},
		{"dry run, every row rejected, every error listed", true, false, true, "0", "150000", 190 << 10},
		{"import, every row rejected", true, true, false, "0", "150,000", peakBound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t)
			path := filepath.Join(c.dir, "big.csv")
			generate(t, path, func(w *bufio.Writer) {
				w.WriteString("First Name,Last Name,Email,Notes\n")
				for i := range n {
					email := fmt.Sprintf("person%d@example.com", i)
					if tt.bad {
						email = fmt.Sprintf("person%d at example.com", i)
					}
					fmt.Fprintf(w, "Ada%d,Lovelace%d,%s,%s%d\n", i, i, email, notes, i)
				}
			})
			args := []string{"import", "big.csv", "--max-records", fmt.Sprint(n)}
			if !tt.real {
				args = append(args, "--dry-run")
			}
			created, rejected := fmt.Sprintf("created  %8s", tt.created), fmt.Sprintf("rejected %8s", tt.rejected)
			if tt.json {
				args = append(args, "--json")
				created, rejected = `"created": `+tt.created, `"rejected": `+tt.rejected
			}
			r, rss := c.measured(args...)
			t.Logf("peak RSS %.1f MB", float64(rss)/1024)
			if !strings.Contains(r.stdout, created) || !strings.Contains(r.stdout, rejected) {
				t.Fatalf("exit %d, stdout:\n%.2000s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			if rss > tt.bound {
				t.Errorf("peak RSS %.1f MB, over the bound of %d MB", float64(rss)/1024, tt.bound>>10)
			}
		})
	}
}
