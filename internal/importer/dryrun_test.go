package importer

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// dryFile has, in batches of two, records that create, records that match
// existing customers, invalid records, and in-file duplicates of both kinds
// in later batches.
const dryFile = "first_name,last_name,email,company\n" +
	"Ann,New,ann@example.com,Globex\n" + // 2: existing
	"Cy,New,cy@example.com,\n" + // 3
	"Di,,di@example.com,\n" + // 4: no last name
	"Ed,New,ed@example.com,\n" + // 5
	"Cy,Again,CY@example.com,\n" + // 6: repeats line 3, two batches on
	"Ann,Again,Ann@Example.com,\n" + // 7: repeats line 2, three batches on
	"Fay,New,fay@example.com,\n" + // 8
	"Gil,New,gil@example.com,\n" + // 9
	"Bob,New,bob@example.com,Initech\n" + // 10: existing
	"Bob,Again,bob@example.com,\n" // 11: repeats line 10, in the same batch

// TestDryRunMatchesStart checks, for each duplicate policy, that a dry run
// writes nothing and predicts exactly what the import then does: the same
// counts and the same errors.
func TestDryRunMatchesStart(t *testing.T) {
	tests := []struct {
		policy crm.DuplicatePolicy
		want   crm.ImportCounts
	}{
		{crm.DuplicateReject, crm.ImportCounts{Records: 10, Created: 4, Rejected: 6, Batches: 5}},
		// Lines 7 and 11 repeat rows that were skipped: a skipped row claims
		// nothing, so its repeat is skipped too.
		{crm.DuplicateSkip, crm.ImportCounts{Records: 10, Created: 4, Skipped: 4, Rejected: 2, Batches: 5}},
		{crm.DuplicateUpdate, crm.ImportCounts{Records: 10, Created: 4, Updated: 2, Rejected: 4, Batches: 5}},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			e := newEnv(t)
			existing(e)
			before := e.customers()
			imp := e.prepare("dry.csv", []byte(dryFile), crm.ImportOptions{OnDuplicate: tt.policy, BatchSize: 2})

			dry, err := e.im.DryRun(e.ctx, imp.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			got := crm.ImportCounts{Records: dry.Records, Created: dry.Created, Updated: dry.Updated,
				Skipped: dry.Skipped, Rejected: dry.Rejected, Batches: dry.Batches}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("dry run counts = %+v, want %+v", got, tt.want)
			}
			after := e.customers()
			if len(after) != len(before) {
				t.Fatalf("the dry run changed the customers: %d, then %d", len(before), len(after))
			}
			for i := range after {
				if !after[i].UpdatedAt.Equal(before[i].UpdatedAt) {
					t.Errorf("the dry run changed customer %d", after[i].AccountNumber)
				}
			}
			if job, _ := e.im.Get(e.ctx, imp.ID); job.Status != crm.ImportPending || !reflect.DeepEqual(job.Counts, crm.ImportCounts{}) {
				t.Errorf("after the dry run the job is %s with %+v", job.Status, job.Counts)
			}
			if rows := e.report(imp.ID); len(rows) != 1 {
				t.Errorf("the dry run wrote a report: %q", rows)
			}

			imp, err = e.im.Start(e.ctx, imp.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			// The real run changes exactly the values the dry run announced.
			want := tt.want
			for _, c := range dry.Changes {
				if want.Changes == nil {
					want.Changes = map[string]int{}
				}
				want.Changes[c.Field] = c.Count
			}
			if (tt.policy == crm.DuplicateUpdate) != (want.Changes != nil) {
				t.Errorf("dry run changes = %+v, for policy %s", dry.Changes, tt.policy)
			}
			wantCounts(t, imp, want)
			wantErrors(t, e.errors(imp), dry.Errors)
			if n := e.count(); n != len(before)+tt.want.Created {
				t.Errorf("%d customers, want %d", n, len(before)+tt.want.Created)
			}
			// Every repeat of a line that created or updated a customer (or,
			// under reject, of one that matched an existing customer) is
			// rejected.
			var lines []int
			for _, err := range dry.Errors {
				lines = append(lines, err.Line)
			}
			repeats := []int{6, 7, 11}
			if tt.policy == crm.DuplicateSkip {
				repeats = []int{6}
			}
			for _, line := range repeats {
				if !slices.Contains(lines, line) {
					t.Errorf("line %d, a repeat, is not rejected: errors %+v", line, dry.Errors)
				}
			}
		})
	}
}

// TestDryRunErrorLimit checks that a dry run returns at most the errors asked
// for, while counting them all.
func TestDryRunErrorLimit(t *testing.T) {
	e := newEnv(t)
	imp := e.prepare("bad.csv", []byte("first_name,last_name\nA,\nB,\nC,\nD,E\n"), crm.ImportOptions{})
	s, err := e.im.DryRun(e.ctx, imp.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if s.Rejected != 3 || s.Created != 1 || len(s.Errors) != 2 || s.Errors[1].Line != 3 {
		t.Errorf("dry run: %d rejected, %d created, errors %+v", s.Rejected, s.Created, s.Errors)
	}
}

// TestDryRunDateWarning checks that the summary suggests another date format
// when many dates only make sense in it.
func TestDryRunDateWarning(t *testing.T) {
	const file = "first_name,last_name,birthday\n" +
		"A,A,13/01/2024\n" +
		"B,B,25/12/2023\n" +
		"C,C,31/05/2024\n" +
		"D,D,01/02/2024\n" + // fits both
		"E,E,02/30/2024\n" // fits neither
	e := newEnv(t)
	e.field(crm.Field{Key: "birthday", Label: "Birthday", Type: crm.TypeDate})

	imp := e.prepare("dates.csv", []byte(file), crm.ImportOptions{})
	s, err := e.im.DryRun(e.ctx, imp.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"3 date values are not MM/DD/YYYY dates but would be valid as DD/MM/YYYY; if the file writes dates that way, choose DD/MM/YYYY as the date format."}
	if !slices.Equal(s.Warnings, want) {
		t.Errorf("warnings = %q\nwant %q", s.Warnings, want)
	}
	if s.Rejected != 4 || s.Created != 1 {
		t.Errorf("dry run: %d rejected, %d created", s.Rejected, s.Created)
	}

	imp = e.prepare("dates.csv", []byte(file), crm.ImportOptions{DateFormat: crm.DateDMY})
	s, err = e.im.DryRun(e.ctx, imp.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 0 || s.Rejected != 1 || s.Created != 4 {
		t.Errorf("as DD/MM/YYYY: warnings %q, %d rejected, %d created", s.Warnings, s.Rejected, s.Created)
	}

	// A few dates of a day-first file are month-first: switching would
	// refuse far more than it reads, so the advice is to fix those rows.
	var b strings.Builder
	b.WriteString("first_name,last_name,birthday\n")
	for i := range 20 {
		fmt.Fprintf(&b, "P%d,Q,%02d/11/1990\n", 13+i%15, 13+i%15) // day first, days 13 to 27: DD/MM only
	}
	b.WriteString("X,Y,11/28/1990\nZ,W,11/29/1990\n") // month first
	imp = e.prepare("mostly-dmy.csv", []byte(b.String()), crm.ImportOptions{DateFormat: crm.DateDMY})
	s, err = e.im.DryRun(e.ctx, imp.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"2 date values are not DD/MM/YYYY dates; they would read as MM/DD/YYYY, but MM/DD/YYYY would refuse 20 of the file's other dates. Keep DD/MM/YYYY and fix these rows (listed with the problems)."}
	if !slices.Equal(s.Warnings, want) {
		t.Errorf("warnings = %q\nwant %q", s.Warnings, want)
	}
}

// TestDryRunWarnsOverTheLimit: the summary says before the start that a
// file over the record limit will be refused.
func TestDryRunWarnsOverTheLimit(t *testing.T) {
	e := newEnv(t)
	imp := e.prepare("six.csv", people(6), crm.ImportOptions{MaxRecords: 5})
	s, err := e.im.DryRun(e.ctx, imp.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := "The file holds 6 records; one import may load at most 5, so starting it will be refused. Split the file, or raise the limit."
	if !slices.Contains(s.Warnings, want) {
		t.Errorf("warnings %q, want %q", s.Warnings, want)
	}
}

// TestDryRunOnlyBeforeTheStart: a dry run checks an import before it
// starts; afterwards it is refused, and its summary says dry_run.
func TestDryRunOnlyBeforeTheStart(t *testing.T) {
	e := newEnv(t)
	imp := e.prepare("three.csv", people(3), crm.ImportOptions{})
	s, err := e.im.DryRun(e.ctx, imp.ID, 10)
	if err != nil || s.Status != StatusDryRun {
		t.Fatalf("dry run: %v, status %v", err, s)
	}
	if _, err := e.im.Start(e.ctx, imp.ID, nil); err != nil {
		t.Fatal(err)
	}
	_, err = e.im.DryRun(e.ctx, imp.ID, 10)
	if want := "Import 1 is completed; a dry run checks an import before it starts."; !errors.Is(err, crm.ErrInvalid) || err.Error() != want {
		t.Errorf("dry run after the start: %v, want %q", err, want)
	}
}

// TestDryRunProblemGroups: a dry run groups every problem by kind, most
// frequent first, and each group's rows download as a rejects file
// before the import starts.
func TestDryRunProblemGroups(t *testing.T) {
	e := newEnv(t)
	file := "first_name,last_name,email\n" +
		"Ann,Lee,ann-at-example.com\n" + // 2: bad email
		"Bo,Ng,bo@example.com\n" +
		"Cy,,cy@example.com\n" + // 4: no last name
		"Di,Ro,di.example.com\n" + // 5: bad email
		"Ed,Po,bo@example.com\n" + // 6: in-file duplicate of line 3
		"Fa,Qi,fa(at)example.com\n" // 7: bad email
	imp := e.prepare("problems.csv", []byte(file), crm.ImportOptions{})
	s, err := e.im.DryRun(e.ctx, imp.ID, 1) // the first error only; the groups have them all
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range s.Problems {
		got = append(got, fmt.Sprintf("%d × %s %v", g.Count, g.Field, g.Lines))
	}
	want := []string{"3 × email [2 5 7]", "1 × last_name [4]", "1 × email [6]"}
	if !slices.Equal(got, want) {
		t.Errorf("groups %q, want %q", got, want)
	}
	var b strings.Builder
	if err := e.im.WriteDryRunRejects(e.ctx, imp.ID, s.Problems[0].Kind, &b); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(strings.TrimPrefix(b.String(), "\ufeff")), "\r\n")
	if len(rows) != 4 || rows[0] != "first_name,last_name,email,error" || !strings.HasPrefix(rows[1], "Ann,Lee,ann-at-example.com,") || !strings.HasPrefix(rows[3], "Fa,Qi,fa(at)example.com,") {
		t.Errorf("the bad emails' rows:\n%s", b.String())
	}
	b.Reset()
	if err := e.im.WriteDryRunRejects(e.ctx, imp.ID, "", &b); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "\r\n"); n != 6 {
		t.Errorf("every rejected row: %d lines, want a header and 5", n)
	}
	if got, err := e.im.Get(e.ctx, imp.ID); err != nil || got.Status != crm.ImportPending {
		t.Errorf("after the downloads the import is %v (%v), want still pending", got.Status, err)
	}
}

// TestColumnValues: a column's distinct values come from the whole file,
// not only the preview's rows, up to a limit.
func TestColumnValues(t *testing.T) {
	e := newEnv(t)
	var b strings.Builder
	b.WriteString("first_name,last_name,Tier\n")
	for i := range 40 {
		tier := []string{"Gold", "silver", "Bronze"}[i%3]
		if i == 35 {
			tier = "Platinum" // far beyond the preview
		}
		fmt.Fprintf(&b, "P%d,Q,%s\n", i, tier)
	}
	p := e.create("tiers.csv", []byte(b.String()))
	got, more, err := e.im.ColumnValues(e.ctx, p.Import.ID, "Tier", 10)
	if err != nil || more || !slices.Equal(got, []string{"Gold", "silver", "Bronze", "Platinum"}) {
		t.Errorf("values %q, more %v, %v; want the four tiers", got, more, err)
	}
	if got, more, _ := e.im.ColumnValues(e.ctx, p.Import.ID, "Tier", 2); len(got) != 2 || !more {
		t.Errorf("at most 2: %q, more %v", got, more)
	}
	if _, _, err := e.im.ColumnValues(e.ctx, p.Import.ID, "Shoe", 2); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("an unknown column: %v", err)
	}
}
