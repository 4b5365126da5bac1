package importer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"localcrm/internal/crm"
	"localcrm/internal/csvin"
)

// fuzzSchema is the schema FuzzImport validates against: every custom field
// type, and customer types of the admin's.
func fuzzSchema() *crm.Schema {
	custom := []crm.Field{
		{Key: "birthday", Label: "Birthday", Type: crm.TypeDate, MaxLength: 10},
		{Key: "score", Label: "Score", Type: crm.TypeNumber, MaxLength: 38},
		{Key: "website", Label: "Website", Type: crm.TypeURL, MaxLength: 2048},
		{Key: "vip", Label: "VIP", Type: crm.TypeCheckbox, MaxLength: 5},
		{Key: "tier", Label: "Tier", Type: crm.TypePicklist, MaxLength: 85, Values: []string{"Gold", "Silver"}, Default: "Silver"},
		{Key: "team", Label: "Team", Type: crm.TypeText, MaxLength: 20, Required: true, Default: "None"},
	}
	return crm.NewSchema(custom, []string{"Default", "Key Account"})
}

// fuzzExisting is the one customer that already exists when FuzzImport runs.
var fuzzExisting = &crm.Existing{Customer: &crm.Customer{AccountNumber: 10000000, Values: map[string]string{
	"first_name": "Ann", "last_name": "Old", "email": "taken@example.com", "team": "Blue", "tier": "Silver", "customer_type": "Default",
}}}

// fuzzFind stands in for the store: it knows fuzzExisting only.
func fuzzFind(_ context.Context, keys []string, accounts []int64) (map[string]*crm.Existing, map[int64]*crm.Existing, error) {
	byEmail, byAccount := map[string]*crm.Existing{}, map[int64]*crm.Existing{}
	for _, k := range keys {
		if k == "taken@example.com" {
			byEmail[k] = fuzzExisting
		}
	}
	for _, a := range accounts {
		if a == fuzzExisting.Customer.AccountNumber {
			byAccount[a] = fuzzExisting
		}
	}
	return byEmail, byAccount, nil
}

// FuzzImport reads arbitrary bytes as an uploaded file is read (detection,
// decoding, header, records), maps its columns automatically with First
// and Last Name forced onto the first two, and takes every record through
// validation and the duplicate decision as a dry run does. No input may
// panic; every record must end created, updated, skipped or rejected; a
// rejection must say why, on the record's line; and what would be stored
// must be valid as it stands.
func FuzzImport(f *testing.F) {
	f.Add([]byte(rulesFile))
	f.Add([]byte(dryFile))
	f.Add(people(3))
	f.Add([]byte("first_name,last_name,email,account_number,tier,team\nA,B,taken@example.com,,gold,\nC,D,TAKEN@example.com,10000000,,x\nE,F,,10000001,,\n"))
	f.Add([]byte("sep=;\nfirst_name;last_name;birthday;vip\nA;B;13/01/2024;Yes\n"))
	f.Add([]byte("sep=:\n:\n"))
	f.Add(utf16LE("\ufefffirst_name\tlast_name\r\nZoë\tMüller\r\n"))
	f.Add([]byte("first_name,last_name\n\"A,B\n\"C\"x,D\nE,\"F\"\"\"\n"))
	f.Add([]byte("Title row\n\nfirst_name,last_name,website,score\nA,B,http://x.example,-1.5e3\n,,,\n"))
	f.Add([]byte("first_name;last_name\r\nJos\xe9;Garc\xeda\r\n"))
	f.Add([]byte("\xef\xbb\xbf"))
	f.Add([]byte(""))
	f.Add([]byte("email\nann@example.com\n"))
	for _, p := range []string{
		"customers/chatwoot-contact-import/invalid_contacts.csv",
		"customers/frappe-data-import/sample_import_file.csv",
		"excel-variants/csvkit-examples/bad.csv",
		"excel-variants/messytables-horror/mixedGLB.csv",
	} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "testdata", p)); err == nil {
			f.Add(b)
		}
	}
	sc := fuzzSchema()
	im := &Importer{}
	policies := []crm.DuplicatePolicy{crm.DuplicateReject, crm.DuplicateSkip, crm.DuplicateUpdate}

	f.Fuzz(func(t *testing.T, body []byte) {
		format := csvin.Detect(body[:min(len(body), sampleSize)], csvin.Format{})
		cr, err := csvin.NewReader(bytes.NewReader(body), format)
		if err != nil {
			return // Create refuses a file without a readable header
		}
		cols := ColumnNames(cr.Header())
		mapping := AutoMap(cols, sc).Mapping
		if len(cols) >= 2 {
			for col, key := range mapping {
				if key == crm.KeyFirstName || key == crm.KeyLastName {
					delete(mapping, col)
				}
			}
			mapping[cols[0]], mapping[cols[1]] = crm.KeyFirstName, crm.KeyLastName
		}
		policy := policies[len(body)%len(policies)]
		if err := CheckMapping(cols, mapping, sc, policy); err != nil {
			return // Configure refuses it
		}
		o := crm.ImportOptions{Mapping: mapping, OnDuplicate: policy, BatchSize: 3}
		if err := o.Check(); err != nil {
			t.Fatal(err)
		}
		p := im.newPass(&crm.Import{ID: 1, Columns: cols, Options: o}, sc, true)

		var batch []*record
		last := format.HeaderLine
		check := func() {
			byEmail, byAccount, err := lookup(context.Background(), batch, fuzzFind)
			if err != nil {
				t.Fatal(err)
			}
			p.decider.decide(batch, byEmail, byAccount)
			for _, r := range batch {
				checkOutcome(t, sc, r)
			}
			batch = batch[:0]
		}
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("reading from memory failed: %v", err)
			}
			if blankRow(rec, format.Delimiter) {
				continue
			}
			if rec.Line <= last {
				t.Fatalf("record on line %d after line %d", rec.Line, last)
			}
			last = rec.Line
			batch = append(batch, p.prepare(rec))
			if len(batch) == o.BatchSize {
				check()
			}
		}
		check()
	})
}

// checkOutcome checks what became of one record.
func checkOutcome(t *testing.T, sc *crm.Schema, r *record) {
	t.Helper()
	switch r.outcome {
	case "rejected":
		if len(r.errs) == 0 {
			t.Fatalf("line %d rejected without a reason", r.line)
		}
		for _, e := range r.errs {
			if e.Message == "" || e.Line != r.line {
				t.Fatalf("line %d rejected with %+v", r.line, e)
			}
		}
	case "created", "updated", "skipped":
		if len(r.errs) != 0 {
			t.Fatalf("line %d %s with errors %+v", r.line, r.outcome, r.errs)
		}
		if r.outcome == "skipped" {
			if r.customer.AccountNumber != fuzzExisting.Customer.AccountNumber {
				t.Fatalf("line %d skipped as customer %d", r.line, r.customer.AccountNumber)
			}
			return
		}
		// What would be stored is valid and already in its stored form.
		stored := maps.Clone(r.customer.Values)
		c := &crm.Customer{Values: maps.Clone(stored)}
		if err := sc.Validate(c, crm.ValidateOptions{DateFormat: crm.DateISO}); err != nil {
			t.Fatalf("line %d %s as %q, which is invalid: %v", r.line, r.outcome, stored, err)
		}
		if !maps.Equal(c.Values, stored) {
			t.Fatalf("line %d %s as %q, not in stored form %q", r.line, r.outcome, stored, c.Values)
		}
		if r.outcome == "updated" && r.customer.AccountNumber != fuzzExisting.Customer.AccountNumber {
			t.Fatalf("line %d updated customer %d", r.line, r.customer.AccountNumber)
		}
	default:
		t.Fatalf("line %d has outcome %q", r.line, r.outcome)
	}
}
