package crm

import (
	"fmt"
	"time"
)

// ImportStatus is where an import job stands.
type ImportStatus string

const (
	ImportPending             ImportStatus = "pending"
	ImportRunning             ImportStatus = "running"
	ImportCompleted           ImportStatus = "completed"
	ImportCompletedWithErrors ImportStatus = "completed_with_errors"
	ImportFailed              ImportStatus = "failed"
	ImportCancelled           ImportStatus = "cancelled"
	ImportInterrupted         ImportStatus = "interrupted"
	// ImportQueued waits for one of the runner's slots: a server runs a
	// bounded number of imports and dry runs at once.
	ImportQueued ImportStatus = "queued"
)

// Finished reports whether the import has ended for good.
func (s ImportStatus) Finished() bool {
	switch s {
	case ImportCompleted, ImportCompletedWithErrors, ImportCancelled:
		return true
	}
	return false
}

// Active reports whether a process has the import in hand: running it, or
// holding it in line for a free slot.
func (s ImportStatus) Active() bool {
	return s == ImportRunning || s == ImportQueued
}

// Resumable reports whether an import of the status can be resumed from
// its checkpoint: one that stopped before its end not by a person's wish.
// A cancelled one may be resumed too (Import.Resumable).
func (s ImportStatus) Resumable() bool {
	return s == ImportInterrupted || s == ImportFailed
}

// DuplicatePolicy decides what happens to a record whose email (or account
// number) belongs to an existing customer.
type DuplicatePolicy string

const (
	DuplicateReject DuplicatePolicy = "reject"
	DuplicateSkip   DuplicatePolicy = "skip"
	DuplicateUpdate DuplicatePolicy = "update"
)

// ParseDuplicatePolicy accepts a policy's name; empty means reject.
func ParseDuplicatePolicy(s string) (DuplicatePolicy, error) {
	switch p := DuplicatePolicy(s); p {
	case "":
		return DuplicateReject, nil
	case DuplicateReject, DuplicateSkip, DuplicateUpdate:
		return p, nil
	}
	return "", Invalid("on_duplicate", s, "The duplicate policy must be reject, skip or update.")
}

// Import limits and defaults (DESIGN.md §2).
const (
	DefaultBatchSize  = 100
	MaxBatchSize      = 10000
	DefaultMaxRecords = 50000
)

// ImportOptions are what the user chose for an import. They are stored with
// the job so that a resume runs exactly as the start did.
type ImportOptions struct {
	Mapping     map[string]string `json:"mapping"` // column name → field key
	OnDuplicate DuplicatePolicy   `json:"on_duplicate"`
	Update      UpdateRules       `json:"update_rules"` // how an update changes each field
	DateFormat  DateFormat        `json:"date_format"`
	BatchSize   int               `json:"batch_size"`
	MaxRecords  int               `json:"max_records"`
	// KeepRecord keeps a record whose only problems are invalid values of
	// optional fields: it loads without them, and the report lists each
	// value left out with why. Off, such a record is rejected whole, as the
	// contact-center system localcrm replaces did.
	KeepRecord bool `json:"keep_record,omitempty"`
	// Country reads the file's phone numbers written without a country
	// code, instead of the default country: a region code such as "GB".
	Country string `json:"country,omitempty"`
	// CountryColumn names a column that gives each row's country (a code
	// or a name, such as an address's Country); a row where it is blank
	// takes Country, or the default. It may be a mapped column too.
	CountryColumn string `json:"country_column,omitempty"`
	// CheckPhones rejects a record whose phone value is not a phone
	// number of its country, saying why; without it such values load as
	// written, and ImportCounts.PhonesAsWritten counts them.
	CheckPhones bool `json:"check_phones,omitempty"`
}

// Reuse takes from's choices for o, the import of a file with the same
// header: every option but the mapping, already made column by column, and
// the record limit, which is the server's.
func (o *ImportOptions) Reuse(from ImportOptions) {
	mapping, limit := o.Mapping, o.MaxRecords
	*o = from
	o.Mapping, o.MaxRecords = mapping, limit
}

// Check fills defaults and reports options out of range.
func (o *ImportOptions) Check() error {
	var v ValidationError
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.BatchSize < 1 || o.BatchSize > MaxBatchSize {
		v.Add("batch_size", fmt.Sprint(o.BatchSize), fmt.Sprintf("The batch size must be from 1 to %d.", MaxBatchSize))
	}
	if o.MaxRecords == 0 {
		o.MaxRecords = DefaultMaxRecords
	}
	if o.MaxRecords < 1 {
		v.Add("max_records", fmt.Sprint(o.MaxRecords), "The record limit must be at least 1.")
	}
	if p, err := ParseDuplicatePolicy(string(o.OnDuplicate)); err != nil {
		v.Problems = append(v.Problems, err.(*ValidationError).Problems...)
	} else {
		o.OnDuplicate = p
	}
	if f, err := ParseDateFormat(string(o.DateFormat)); err != nil {
		v.Problems = append(v.Problems, err.(*ValidationError).Problems...)
	} else {
		o.DateFormat = f
	}
	return v.Err()
}

// ImportCounts are an import's running totals; they are committed with
// every batch.
type ImportCounts struct {
	Records  int `json:"records"` // data records read so far
	Created  int `json:"created"`
	Updated  int `json:"updated"`
	Skipped  int `json:"skipped"`
	Rejected int `json:"rejected"`
	Batches  int `json:"batches"`
	// Changes counts, per field key, the values that updates changed.
	Changes map[string]int `json:"changes,omitempty"`
	// PhonesAsWritten counts the phone values loaded that are not phone
	// numbers of their country, so have no international form: kept as
	// written, found by their digits, dialled by nobody.
	PhonesAsWritten int `json:"phones_as_written,omitempty"`
	// LeftOut counts the bad values of optional fields left out of the
	// records loaded without them (ImportOptions.KeepRecord).
	LeftOut int `json:"left_out,omitempty"`
}

// Checkpoint is what a batch of an import commits beside its customers, in
// the same transaction: the job's counts and running time with the batch
// counted, the batch's rejected records and its lines of the report. A
// resume starts after the last checkpoint committed.
type Checkpoint struct {
	Counts  ImportCounts
	RunTime time.Duration
	Rejects []Reject
	Report  string // CSV lines, one per record of the batch
}

// Reject is a record an import could not load, as it was read.
type Reject struct {
	Line    int
	Cells   []string // the row's cells; for a row that could not be parsed, its raw text alone
	Message string   // every reason, for the rejects file's error column
	Errors  []RowError
}

// Existing is a customer an import found by a record's email or account
// number, with the import and the line of its file that created or last
// changed it.
type Existing struct {
	Customer   *Customer
	ImportID   int64
	ImportLine int
}

// Import is one import job: the stored file, how to read it, what the user
// chose, and how far it got. Everything a resume needs is here.
type Import struct {
	ID         int64
	Status     ImportStatus
	FileName   string // as the user named it
	FileSize   int64
	Sheet      string // of an Excel workbook, the sheet read; Encoding and Delimiter are then the CSV's made of it
	Encoding   string
	Delimiter  string // comma, semicolon, tab or pipe
	HeaderLine int
	Columns    []string // unique column names; empty or repeated ones are "column N"
	Options    ImportOptions
	Total      int // data records in the file, counted before the start
	Counts     ImportCounts
	// ReportSize is, for an import begun by a version that kept its report
	// in a file, that file's length at its last checkpoint there: the
	// report's first lines. Reports are now kept in the database, and it
	// is 0 for every import begun since.
	ReportSize      int64
	Error           string // why it failed, for people
	CreatedBy       string
	Worker          string // which process runs it, while it runs
	CancelRequested bool
	CreatedAt       time.Time
	StartedAt       time.Time // when it first started
	FinishedAt      time.Time
	HeartbeatAt     time.Time
	// RunTime is how long it has spent running, over all its runs, as of
	// its last checkpoint. Unlike FinishedAt-StartedAt, it leaves out the
	// time an interrupted import waited to be resumed.
	RunTime time.Duration
	// Revert is the import's revert, begun or done; nil when it has none.
	Revert *Revert
}

// Resumable reports whether the import can be resumed from its checkpoint:
// it stopped before its end (interrupted, failed, or cancelled after it
// started: a person who cancelled may think again), and it has not been
// reverted.
func (imp *Import) Resumable() bool {
	started := imp.Status.Resumable() || imp.Status == ImportCancelled && !imp.StartedAt.IsZero()
	return started && imp.Revert == nil
}

// Rate is how many records a second the import has read over its running
// time; 0 before its first checkpoint.
func (imp *Import) Rate() float64 {
	if secs := imp.RunTime.Seconds(); secs > 0 {
		return float64(imp.Counts.Records) / secs
	}
	return 0
}

// RowError is one reason a record could not be loaded.
type RowError struct {
	Line    int    `json:"line"`  // physical line where the record starts; 1 is the header
	Row     int    `json:"row"`   // the row a spreadsheet shows it on, the file's first row 1: Line, less the line breaks inside cells before it
	Field   string `json:"field"` // field key; empty for a row that could not be read
	Value   string `json:"value"` // shortened to 80 characters
	Message string `json:"message"`
}
