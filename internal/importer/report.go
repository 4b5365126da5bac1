package importer

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/csvin"
)

// Summary is an import as people and scripts see it: the CLI's --json
// output, the API's import object and the report's JSON download.
type Summary struct {
	ImportID    int64             `json:"import_id"`
	Status      crm.ImportStatus  `json:"status"`
	File        string            `json:"file"`
	Size        int64             `json:"size"`
	Sheet       string            `json:"sheet,omitempty"` // an Excel workbook's sheet read; then encoding and delimiter are the CSV's made of it
	Total       int               `json:"total"`
	Records     int               `json:"records"`
	Created     int               `json:"created"`
	Updated     int               `json:"updated"`
	Skipped     int               `json:"skipped"`
	Rejected    int               `json:"rejected"`
	Batches     int               `json:"batches"`
	Encoding    string            `json:"encoding"`
	Delimiter   string            `json:"delimiter"`
	HeaderLine  int               `json:"header_line"`
	Mapping     map[string]string `json:"mapping"`
	Unmapped    []string          `json:"unmapped"`
	OnDuplicate string            `json:"on_duplicate"`
	DateFormat  string            `json:"date_format"`
	BatchSize   int               `json:"batch_size"`
	MaxRecords  int               `json:"max_records"`
	CreatedBy   string            `json:"created_by"`
	CreatedAt   *time.Time        `json:"created_at"`
	StartedAt   *time.Time        `json:"started_at"`
	FinishedAt  *time.Time        `json:"finished_at"`
	Seconds     float64           `json:"duration_seconds"` // running time: not the time it waited interrupted
	Place       int               `json:"place,omitempty"`  // while queued: its place in its server's line, 1 next
	Error       string            `json:"error,omitempty"`
	Update      crm.UpdateRules   `json:"update_rules"`
	Changes     []FieldChanges    `json:"changes"` // per field, the values updates change (a dry run) or changed
	Warnings    []string          `json:"warnings,omitempty"`
	Revert      *RevertSummary    `json:"revert,omitempty"`
	Errors      []crm.RowError    `json:"errors"`
	Problems    []ProblemGroup    `json:"problems,omitempty"` // a dry run's problems, all of them, grouped by kind
	KeepRecord  bool              `json:"keep_record,omitempty"`
	LeftOut     int               `json:"left_out,omitempty"` // the bad optional values left out of the records kept (or, in a dry run, to be)

	// How phone numbers are read (phoneReading), and how many phone values
	// are not numbers of their country, kept as written.
	Country         string `json:"country,omitempty"`
	CountryColumn   string `json:"country_column,omitempty"`
	CheckPhones     bool   `json:"check_phones,omitempty"`
	PhonesAsWritten int    `json:"phones_as_written,omitempty"`
}

// RevertSummary is an import's revert as people and scripts see it.
type RevertSummary struct {
	Status crm.RevertStatus `json:"status"`
	Force  bool             `json:"force"`
	crm.RevertCounts
	CreatedBy  string     `json:"created_by"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Error      string     `json:"error,omitempty"`
}

// SummarizeRevert describes rv, nil for none.
func SummarizeRevert(rv *crm.Revert) *RevertSummary {
	if rv == nil {
		return nil
	}
	return &RevertSummary{Status: rv.Status, Force: rv.Force, RevertCounts: rv.Counts, CreatedBy: rv.CreatedBy,
		StartedAt: timePtr(rv.StartedAt), FinishedAt: timePtr(rv.FinishedAt), Error: rv.Error}
}

// FieldChanges is how many values of one field an import's updates change,
// with, in a dry run, the first few as examples.
type FieldChanges struct {
	Field   string         `json:"field"`
	Count   int            `json:"count"`
	Samples []ChangeSample `json:"samples,omitempty"`
}

// ChangeSample is one value an update changes: before → after.
type ChangeSample struct {
	Line          int    `json:"line"`
	AccountNumber int64  `json:"account_number"`
	Before        string `json:"before"`
	After         string `json:"after"`
}

// changeSamples is how many examples of its changes a dry run shows per field.
const changeSamples = 3

// fieldChanges lists counts (and samples) per field, most changed first.
func fieldChanges(counts map[string]int, samples map[string][]ChangeSample) []FieldChanges {
	out := make([]FieldChanges, 0, len(counts))
	for key, n := range counts {
		out = append(out, FieldChanges{Field: key, Count: n, Samples: samples[key]})
	}
	slices.SortFunc(out, func(a, b FieldChanges) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Field, b.Field))
	})
	return out
}

// Summarize describes imp with its first errors (all of them when limit < 0).
func (im *Importer) Summarize(ctx context.Context, imp *crm.Import, limit int) (*Summary, error) {
	errs, err := im.store.ImportErrors(ctx, imp.ID, limit)
	if err != nil {
		return nil, err
	}
	return summary(imp, errs), nil
}

func summary(imp *crm.Import, errs []crm.RowError) *Summary {
	o := imp.Options
	s := &Summary{
		ImportID: imp.ID, Status: imp.Status, File: imp.FileName, Size: imp.FileSize, Sheet: imp.Sheet, Total: imp.Total,
		Records: imp.Counts.Records, Created: imp.Counts.Created, Updated: imp.Counts.Updated,
		Skipped: imp.Counts.Skipped, Rejected: imp.Counts.Rejected, Batches: imp.Counts.Batches,
		Encoding: imp.Encoding, Delimiter: imp.Delimiter, HeaderLine: imp.HeaderLine,
		Mapping: o.Mapping, Unmapped: Unmapped(imp.Columns, o.Mapping),
		OnDuplicate: string(o.OnDuplicate), DateFormat: string(o.DateFormat), BatchSize: o.BatchSize, MaxRecords: o.MaxRecords,
		CreatedBy: imp.CreatedBy, CreatedAt: timePtr(imp.CreatedAt), StartedAt: timePtr(imp.StartedAt), FinishedAt: timePtr(imp.FinishedAt),
		Update: o.Update, Changes: fieldChanges(imp.Counts.Changes, nil),
		Error: imp.Error, Revert: SummarizeRevert(imp.Revert), Errors: errs, KeepRecord: o.KeepRecord,
		Country: o.Country, CountryColumn: o.CountryColumn, CheckPhones: o.CheckPhones, PhonesAsWritten: imp.Counts.PhonesAsWritten,
		LeftOut: imp.Counts.LeftOut,
	}
	s.Warnings = Warnings(imp)
	if s.Mapping == nil {
		s.Mapping = map[string]string{}
	}
	if s.Errors == nil {
		s.Errors = []crm.RowError{}
	}
	if !imp.StartedAt.IsZero() && !imp.FinishedAt.IsZero() {
		s.Seconds = imp.RunTime.Seconds()
	}
	return s
}

// Warnings are what an import's counts so far say it should know: values
// kept as they were written, or left out. They grow as it runs, so that a
// running import's page can show them before it ends.
func Warnings(imp *crm.Import) []string {
	var w []string
	if n := imp.Counts.PhonesAsWritten; n > 0 {
		w = append(w, phonesWarning(n, imp.Options))
	}
	if n := imp.Counts.LeftOut; n > 0 {
		w = append(w, leftOutWarning(n, imp.Status == StatusDryRun))
	}
	return w
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// WriteSummary writes the import's report as JSON, with every error: the
// JSON of Summarize's summary with them all, as the CLI's --json prints it.
// The errors, as many as the import's records, go out a page at a time:
// held whole, the 50,000 errors of an import of the default limit took a
// request about 40 MB.
func (im *Importer) WriteSummary(ctx context.Context, id int64, w io.Writer) error {
	imp, err := im.Get(ctx, id)
	if err != nil {
		return err
	}
	s, err := im.Summarize(ctx, imp, 0)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	// The summary goes around its empty list of errors, filled in here.
	const field = "\n  \"errors\": ["
	head, tail, ok := bytes.Cut(b, []byte(field+"]"))
	if !ok {
		return fmt.Errorf("import %d: its summary has no list of errors", id)
	}
	bw := bufio.NewWriter(w)
	bw.Write(head)
	bw.WriteString(field)
	const limit = 1000
	n := 0
	for after, more := 0, true; more; {
		read, err := im.store.ImportErrorsAfter(ctx, id, after, limit)
		if err != nil {
			return err
		}
		var errs []crm.RowError
		errs, after, more = ErrorPage(read, after, limit)
		for _, e := range errs {
			el, err := json.MarshalIndent(e, "    ", "  ")
			if err != nil {
				return err
			}
			if n++; n > 1 {
				bw.WriteByte(',')
			}
			bw.WriteString("\n    ")
			bw.Write(el)
		}
	}
	if n > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteByte(']')
	bw.Write(tail)
	bw.WriteByte('\n')
	return bw.Flush()
}

// ErrorPage makes a page of errs, the errors of an import read on lines
// after the line after, up to limit of them: the errors to give, the line
// to read after next, and whether more may follow. A record's errors
// commit together, so a page never splits a line's errors: a full page
// leaves its last line's errors for the next one.
func ErrorPage(errs []crm.RowError, after, limit int) (page []crm.RowError, next int, more bool) {
	if len(errs) == 0 {
		return errs, after, false
	}
	if len(errs) < limit {
		return errs, errs[len(errs)-1].Line, false
	}
	last := errs[len(errs)-1].Line
	i := len(errs)
	for i > 0 && errs[i-1].Line == last {
		i--
	}
	if i == 0 { // one record with more errors than a page: cannot be, as records have fewer fields
		return errs, last, true
	}
	return errs[:i], errs[i-1].Line, true
}

// WriteReport writes the full CSV report: one row per record read, with its
// line, outcome, account number and messages.
func (im *Importer) WriteReport(ctx context.Context, id int64, w io.Writer) error {
	imp, err := im.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := im.writeReportStart(imp, w); err != nil {
		return err
	}
	return im.store.EachReportBatch(ctx, id, func(lines string) error {
		_, err := io.WriteString(w, lines)
		return err
	})
}

// writeReportStart writes the report's header. An import begun by a
// version that kept its report in a file has its first lines there,
// header included, as long as its last checkpoint in that version said.
func (im *Importer) writeReportStart(imp *crm.Import, w io.Writer) error {
	if imp.ReportSize == 0 {
		cw := csvin.NewWriter(w, ',')
		if err := cw.Write(reportHeader); err != nil {
			return err
		}
		return cw.Flush()
	}
	f, err := os.Open(im.reportPath(imp.ID))
	if err != nil {
		return fmt.Errorf("open report: %w", err)
	}
	defer f.Close()
	_, err = io.Copy(w, io.LimitReader(f, imp.ReportSize))
	return err
}

// WriteRejects writes the rejects file: the file's header and its rejected
// rows as they were, plus an error column, so that a person can fix them in
// a spreadsheet and import the file again as it is. It is UTF-8 with a BOM,
// so that spreadsheets read it as UTF-8, in the original delimiter.
func (im *Importer) WriteRejects(ctx context.Context, id int64, w io.Writer) error {
	imp, err := im.Get(ctx, id)
	if err != nil {
		return err
	}
	return writeRejects(imp, w, func(row func(cells []string, msg string) error) error {
		return im.store.EachReject(ctx, id, func(r crm.Reject) error { return row(r.Cells, r.Message) })
	})
}

// writeRejects writes a rejects file of imp to w: its start, then the rows
// each gives to row.
func writeRejects(imp *crm.Import, w io.Writer, each func(row func(cells []string, msg string) error) error) error {
	delim, err := delimiter(imp)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("\ufeff"); err != nil {
		return err
	}
	// The rejects of a rejects file get one error column, the new one.
	columns := imp.Columns
	again := len(columns) > 0 && columns[len(columns)-1] == errorColumn && imp.Options.Mapping[errorColumn] == ""
	if again {
		columns = columns[:len(columns)-1]
	}
	cw := csvin.NewWriter(bw, delim)
	if err := cw.Write(append(append([]string{}, columns...), errorColumn)); err != nil {
		return err
	}
	err = each(func(cells []string, msg string) error {
		if again && len(cells) == len(imp.Columns) {
			cells = cells[:len(columns)]
		}
		if len(cells) < len(columns) && len(cells) > 1 {
			// A short row is padded so that the error lands in its column.
			cells = append(cells, make([]string, len(columns)-len(cells))...)
		}
		return cw.Write(append(slices.Clip(cells), msg))
	})
	if err != nil {
		return err
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// StatusDryRun is the status a dry run's summary reports: nothing ran.
const StatusDryRun crm.ImportStatus = "dry_run"

// DryRun reads and validates the whole file of a pending import and checks
// every record against the customers that exist, exactly as Start would,
// without writing anything. The result's Errors are the first maxErrors;
// its Problems group them all by kind.
func (im *Importer) DryRun(ctx context.Context, id int64, maxErrors int) (*Summary, error) {
	start := im.now()
	var errs []crm.RowError
	counts := crm.ImportCounts{}
	samples := map[string][]ChangeSample{}
	groups := problemGroups{}
	imp, p, err := im.dryPass(ctx, id, func(records []*record, last bool) {
		if last {
			counts.Batches++
		}
		for _, r := range records {
			if tally(&counts, r) {
				errs = append(errs, r.errs[:min(len(r.errs), maxErrors-len(errs))]...)
				groups.add(r.errs)
			}
			for _, ch := range r.changes {
				if len(samples[ch.Field]) < changeSamples {
					samples[ch.Field] = append(samples[ch.Field], ChangeSample{r.line, r.customer.AccountNumber, ch.Before, ch.After})
				}
			}
		}
	})
	if err != nil {
		return nil, err
	}
	dry := *imp
	dry.Status, dry.Counts = StatusDryRun, counts
	s := summary(&dry, errs)
	s.Seconds = im.now().Sub(start).Seconds() // the check's own time: the import has none yet
	s.Changes = fieldChanges(counts.Changes, samples)
	s.Problems = groups.list()
	if imp.Total > imp.Options.MaxRecords {
		s.Warnings = append(s.Warnings, fmt.Sprintf("The file holds %s records; one import may load at most %s, so starting it will be refused. Split the file, or raise the limit.",
			thousands(imp.Total), thousands(imp.Options.MaxRecords)))
	}
	s.Warnings = append(s.Warnings, p.dates.advice()...)
	return s, nil
}

// dryPass runs import id's whole file as a dry run: every record read,
// validated and decided against the customers that exist, as Start would,
// and nothing written. visit sees each chunk of records once decided, and
// whether it ends a batch.
func (im *Importer) dryPass(ctx context.Context, id int64, visit func(records []*record, last bool)) (*crm.Import, *pass, error) {
	imp, err := im.store.GetImport(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if imp.Status != crm.ImportPending {
		return nil, nil, crm.Invalid("status", string(imp.Status), fmt.Sprintf("Import %d is %s; a dry run checks an import before it starts.", id, imp.Status))
	}
	sc, err := im.store.Schema(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := CheckMapping(imp.Columns, imp.Options.Mapping, sc, imp.Options.OnDuplicate); err != nil {
		return nil, nil, err
	}
	if err := im.checkSource(ctx, imp); err != nil {
		return nil, nil, err
	}
	p := im.newPass(imp, sc, true)
	_, err = p.each(ctx, 0, func(records []*record, last bool) (bool, error) {
		byEmail, byAccount, err := lookup(ctx, records, im.batches.Existing)
		if err != nil {
			return true, err
		}
		p.decider.decide(records, byEmail, byAccount)
		visit(records, last)
		return false, nil
	})
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, nil, err
	}
	return imp, p, nil
}

// dateTally counts, in a dry run, the file's date values and the date
// formats each fits, to advise on the import's date format.
type dateTally struct {
	sc       *crm.Schema
	declared crm.DateFormat
	values   int                    // non-empty values of date fields
	fits     map[crm.DateFormat]int // of them, those each format reads
	rescued  map[crm.DateFormat]int // of them, those the declared format refuses and each other reads
}

func newDateTally(sc *crm.Schema, declared crm.DateFormat) *dateTally {
	return &dateTally{sc: sc, declared: declared, fits: map[crm.DateFormat]int{}, rescued: map[crm.DateFormat]int{}}
}

// count counts c's date values, as read; nil counts nothing (a real run).
func (d *dateTally) count(c *crm.Customer) {
	if d == nil {
		return
	}
	for key, v := range c.Values {
		if f, ok := d.sc.Field(key); !ok || f.Type != crm.TypeDate || strings.TrimSpace(v) == "" {
			continue
		}
		d.values++
		fits := crm.FittingDateFormats(strings.TrimSpace(v))
		declared := slices.Contains(fits, d.declared)
		for _, f := range fits {
			d.fits[f]++
			if !declared {
				d.rescued[f]++
			}
		}
	}
}

// advice suggests another date format only when it reads the file's dates
// clearly better: it at least halves the values refused. Otherwise values
// that another format would read are rows to fix, which the warning says,
// so that nobody switches to a format that refuses more of the file.
func (d *dateTally) advice() []string {
	var out []string
	refused := d.values - d.fits[d.declared]
	for _, f := range crm.DateFormats {
		n := d.rescued[f]
		if f == d.declared || n == 0 {
			continue
		}
		if other := d.values - d.fits[f]; other*2 <= refused {
			out = append(out, fmt.Sprintf("%s date values are not %s dates but would be valid as %s; if the file writes dates that way, choose %s as the date format.",
				thousands(n), d.declared, f, f))
		} else {
			out = append(out, fmt.Sprintf("%s date values are not %s dates; they would read as %s, but %s would refuse %s of the file's other dates. Keep %s and fix these rows (listed with the problems).",
				thousands(n), d.declared, f, f, thousands(other-(refused-n)), d.declared))
		}
	}
	return out
}

// leftOutWarning tells the summary of an import that leaves n bad values
// of optional fields out of the records it keeps, before (dry) or after.
func leftOutWarning(n int, dry bool) string {
	msg := "%s invalid values of optional fields %s left out: their records load without them, and the report lists each value with why."
	verb := "were"
	if n == 1 {
		msg = "%s invalid value of an optional field %s left out: its record loads without it, and the report says why."
		verb = "was"
	}
	if dry {
		verb = "will be"
	}
	return fmt.Sprintf(msg, thousands(n), verb)
}
