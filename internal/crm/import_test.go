package crm_test

import (
	"reflect"
	"testing"

	"localcrm/internal/crm"
)

func TestImportOptionsCheckDefaults(t *testing.T) {
	var o crm.ImportOptions
	if err := o.Check(); err != nil {
		t.Fatal(err)
	}
	want := crm.ImportOptions{
		OnDuplicate: crm.DuplicateReject,
		DateFormat:  crm.DateMDY,
		BatchSize:   100,
		MaxRecords:  50000,
	}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("defaults = %+v, want %+v", o, want)
	}
}

func TestImportOptionsCheck(t *testing.T) {
	const (
		batchMsg  = "The batch size must be from 1 to 10000."
		limitMsg  = "The record limit must be at least 1."
		policyMsg = "The duplicate policy must be reject, skip or update."
		formatMsg = "The date format must be one of MM/DD/YYYY, DD/MM/YYYY or YYYY-MM-DD."
	)
	tests := []struct {
		name string
		in   crm.ImportOptions
		want crm.ImportOptions // when valid
		errs []crm.Problem     // every problem, in order
	}{
		{"batch 1", crm.ImportOptions{BatchSize: 1},
			crm.ImportOptions{BatchSize: 1, MaxRecords: 50000, OnDuplicate: "reject", DateFormat: crm.DateMDY}, nil},
		{"batch 10000", crm.ImportOptions{BatchSize: 10000},
			crm.ImportOptions{BatchSize: 10000, MaxRecords: 50000, OnDuplicate: "reject", DateFormat: crm.DateMDY}, nil},
		{"limit raised", crm.ImportOptions{MaxRecords: 1_000_000},
			crm.ImportOptions{BatchSize: 100, MaxRecords: 1_000_000, OnDuplicate: "reject", DateFormat: crm.DateMDY}, nil},
		{"limit 1", crm.ImportOptions{MaxRecords: 1},
			crm.ImportOptions{BatchSize: 100, MaxRecords: 1, OnDuplicate: "reject", DateFormat: crm.DateMDY}, nil},
		{"skip, DD/MM", crm.ImportOptions{OnDuplicate: "skip", DateFormat: "dd/mm/yyyy"},
			crm.ImportOptions{BatchSize: 100, MaxRecords: 50000, OnDuplicate: "skip", DateFormat: crm.DateDMY}, nil},
		{"update, ISO", crm.ImportOptions{OnDuplicate: "update", DateFormat: crm.DateISO},
			crm.ImportOptions{BatchSize: 100, MaxRecords: 50000, OnDuplicate: "update", DateFormat: crm.DateISO}, nil},
		{"batch 10001", crm.ImportOptions{BatchSize: 10001}, crm.ImportOptions{},
			[]crm.Problem{{Field: "batch_size", Value: "10001", Message: batchMsg}}},
		{"batch -1", crm.ImportOptions{BatchSize: -1}, crm.ImportOptions{},
			[]crm.Problem{{Field: "batch_size", Value: "-1", Message: batchMsg}}},
		{"limit -5", crm.ImportOptions{MaxRecords: -5}, crm.ImportOptions{},
			[]crm.Problem{{Field: "max_records", Value: "-5", Message: limitMsg}}},
		{"policy ignore", crm.ImportOptions{OnDuplicate: "ignore"}, crm.ImportOptions{},
			[]crm.Problem{{Field: "on_duplicate", Value: "ignore", Message: policyMsg}}},
		{"date format", crm.ImportOptions{DateFormat: "DD.MM.YYYY"}, crm.ImportOptions{},
			[]crm.Problem{{Field: "date_format", Value: "DD.MM.YYYY", Message: formatMsg}}},
		{"every problem", crm.ImportOptions{BatchSize: 20000, MaxRecords: -1, OnDuplicate: "merge", DateFormat: "D/M/Y"}, crm.ImportOptions{},
			[]crm.Problem{
				{Field: "batch_size", Value: "20000", Message: batchMsg},
				{Field: "max_records", Value: "-1", Message: limitMsg},
				{Field: "on_duplicate", Value: "merge", Message: policyMsg},
				{Field: "date_format", Value: "D/M/Y", Message: formatMsg},
			}},
	}
	for _, tt := range tests {
		o := tt.in
		err := o.Check()
		if tt.errs == nil {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			} else if !reflect.DeepEqual(o, tt.want) {
				t.Errorf("%s: options = %+v, want %+v", tt.name, o, tt.want)
			}
			continue
		}
		if got := problems(t, err); !reflect.DeepEqual(got, tt.errs) {
			t.Errorf("%s: problems\n%+v\nwant\n%+v", tt.name, got, tt.errs)
		}
	}
}

func TestParseDuplicatePolicy(t *testing.T) {
	for in, want := range map[string]crm.DuplicatePolicy{
		"":       crm.DuplicateReject,
		"reject": crm.DuplicateReject,
		"skip":   crm.DuplicateSkip,
		"update": crm.DuplicateUpdate,
	} {
		if got, err := crm.ParseDuplicatePolicy(in); err != nil || got != want {
			t.Errorf("ParseDuplicatePolicy(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"Reject", "SKIP", "ignore", "overwrite", " skip"} {
		got, err := crm.ParseDuplicatePolicy(in)
		p := oneProblem(t, err)
		if got != "" || p.Field != "on_duplicate" || p.Value != in {
			t.Errorf("ParseDuplicatePolicy(%q) = %q, problem %+v", in, got, p)
		}
	}
}

func TestImportStatus(t *testing.T) {
	tests := []struct {
		s                   crm.ImportStatus
		finished, resumable bool
	}{
		{crm.ImportPending, false, false},
		{crm.ImportRunning, false, false},
		{crm.ImportCompleted, true, false},
		{crm.ImportCompletedWithErrors, true, false},
		{crm.ImportCancelled, true, false},
		{crm.ImportFailed, false, true},
		{crm.ImportInterrupted, false, true},
	}
	for _, tt := range tests {
		if got := tt.s.Finished(); got != tt.finished {
			t.Errorf("%s.Finished() = %v, want %v", tt.s, got, tt.finished)
		}
		if got := tt.s.Resumable(); got != tt.resumable {
			t.Errorf("%s.Resumable() = %v, want %v", tt.s, got, tt.resumable)
		}
	}
}
