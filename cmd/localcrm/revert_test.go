package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestRevertRestoresExport reverts, through the real binary, an import of
// 50,000 records that updated 10,000 customers and created 40,000: the
// export afterwards is byte for byte the export from before it, in both
// formats. The dry run announces exactly what the revert then does.
func TestRevertRestoresExport(t *testing.T) {
	c := newCLI(t)
	rng := rand.New(rand.NewPCG(11, 12))
	shuffled := func(name string, rows []string) string {
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] }) // emails in random order, as in real exports
		return c.file(name, "First Name,Last Name,Email,Company,Phone\n"+strings.Join(rows, "\n")+"\n")
	}
	var base, update []string
	for i := range 20_000 {
		base = append(base, fmt.Sprintf("First%d,Last%d,person%d@example.com,Company %d,555-01%05d", i, i, i, i%300, i))
	}
	for i := range 50_000 {
		if i < 10_000 { // every other customer of the base: an update
			n := 2 * i
			update = append(update, fmt.Sprintf("First%d,Changed%d,person%d@example.com,New Company,", n, n, n))
		} else {
			update = append(update, fmt.Sprintf("New%d,Person%d,new%d@example.com,Company %d,555-02%05d", i, i, i, i%7, i))
		}
	}
	c.ok("import", shuffled("base.csv", base))
	before := map[string]string{"csv": c.ok("export", "-"), "json": c.ok("export", "-", "--format", "json")}

	c.ok("import", shuffled("update.csv", update), "--on-duplicate", "update")
	if c.ok("export", "-") == before["csv"] {
		t.Fatal("the import changed nothing")
	}

	var preview struct {
		Counts map[string]int `json:"counts"`
	}
	if err := json.Unmarshal([]byte(c.ok("imports", "revert", "2", "--dry-run", "--json")), &preview); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"deleted": 40_000, "restored": 10_000, "kept": 0, "missing": 0}
	if fmt.Sprint(preview.Counts) != fmt.Sprint(want) {
		t.Errorf("dry run counts %v, want %v", preview.Counts, want)
	}
	equal(t, "revert", c.ok("imports", "revert", "2"),
		"Import 2 is reverted: 40,000 customers deleted, 10,000 restored, 0 kept (changed since the import).\n"+
			"Its report: `localcrm imports report 2 --revert FILE`.\n")
	for format, want := range before {
		if got := c.ok("export", "-", "--format", format); got != want {
			t.Errorf("%s export after the revert differs from the one before the import (%d bytes, want %d)", format, len(got), len(want))
		}
	}
	report := c.ok("imports", "report", "2", "--revert", "-")
	if n := strings.Count(report, "\n"); n != 50_001 {
		t.Errorf("the revert's report has %d lines, want a header and 50,000", n)
	}
	c.fail(2, "localcrm: imports revert: Import 2 was reverted on "+revertedAt(t, c)+" by "+osUser(t)+"; an import is reverted once.\n", "imports", "revert", "2")
}

// revertedAt is when import 2's revert finished, as messages say it.
func revertedAt(t *testing.T, c *cli) string {
	t.Helper()
	for _, line := range strings.Split(c.ok("imports", "show", "2"), "\n") {
		if rest, ok := strings.CutPrefix(line, "  reverted   "); ok {
			return rest[:len("2006-01-02 15:04")]
		}
	}
	t.Fatal("imports show 2 does not say it was reverted")
	return ""
}

// TestRevertKeepsWhatChanged: customers changed by hand after the import
// are kept and listed by the dry run and the revert; --force restores an
// updated one all the same.
func TestRevertKeepsWhatChanged(t *testing.T) {
	c := newCLI(t)
	c.ok("import", c.file("base.csv", "First Name,Last Name,Email\nAnn,Lee,ann@example.com\nBo,Ng,bo@example.com\n"))
	c.ok("import", c.file("update.csv", "First Name,Last Name,Email\nAnn,Changed,ann@example.com\nBo,Changed,bo@example.com\nCy,New,cy@example.com\n"),
		"--on-duplicate", "update")
	c.ok("customers", "edit", "10000000", "--set", "company=Edited")
	c.ok("customers", "edit", "10000002", "--set", "company=Edited")
	equal(t, "dry run", c.ok("imports", "revert", "2", "--dry-run"),
		"Reverting import 2 would delete 0 customers, restore 1 and keep 2 (changed since the import).\n"+
			"Kept:\n"+
			"  customer 10000002: Created by the import, then edited by hand: kept. Delete it by hand if it should go.\n"+
			"  customer 10000000: Updated by line 2, then edited by hand: kept as it is now. Revert with force to restore its values from before the import anyway.\n"+
			"Nothing has changed yet: run `localcrm imports revert 2` to revert it.\n")
	c.ok("imports", "revert", "2", "--force")
	if got := c.ok("customers", "get", "10000000"); !strings.Contains(got, "Lee") || strings.Contains(got, "Edited") {
		t.Errorf("Ann after a forced revert:\n%s\nwant her values from before the import", got)
	}
	if got := c.ok("customers", "get", "10000002"); !strings.Contains(got, "Edited") {
		t.Errorf("Cy, created by the import and edited since, must stay:\n%s", got)
	}
}
