package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"localcrm/internal/crm"
	"localcrm/internal/csvin"
	"localcrm/internal/importer"
)

const importHelp = `Usage: localcrm import FILE|- [FLAGS]

Loads customers from a CSV file (- reads standard input) or from a sheet of
an Excel workbook (.xlsx; see --sheet). The encoding,
delimiter and header row are detected, and columns are mapped to fields by
their names unless told otherwise. Every valid record is committed in
batches; every other record is reported with its line and why.

Flags:
  --template NAME          map the columns and set the options as the saved
                           template NAME says (see localcrm templates); the
                           flags below, when given, win over it
  --map "COLUMN=FIELD"     map a column to a field key (repeatable; wins over
                           automatic mapping; "COLUMN=" leaves it out)
  --mapping FILE.json      a JSON object of column → field key
  --no-auto-map            map only what --map and --mapping say
  --on-duplicate POLICY    reject (default), skip or update existing customers
  --update-rules RULE      how update changes every field: overwrite (default),
                           fill-empty (only where the customer has no value) or keep
  --update-rule FIELD=RULE the rule of one field, winning over --update-rules
                           (repeatable)
  --blank-clears FIELD     an empty cell clears this field's value when its rule
                           is overwrite (repeatable; otherwise blanks never erase)
  --date-format FORMAT     MM/DD/YYYY (default), DD/MM/YYYY or YYYY-MM-DD
  --keep-record            keep a record whose only problems are invalid values of
                           optional fields: load it without them (the report lists
                           each value left out, with why); otherwise it is rejected
  --country C              read phone numbers written without their country code
                           as country C's (an ISO code such as GB, or a name);
                           default: the default country (localcrm settings)
  --country-column COLUMN  the column that gives each row's country (a code or a
                           name, such as an address's Country); a blank cell
                           takes --country
  --check-phones           reject a phone value that is not a phone number of its
                           country, saying why; otherwise it loads as written and
                           the summary counts it
  --encoding ENC           auto (default), utf-8, utf-16le, utf-16be, windows-1252
  --delimiter D            auto (default), comma, semicolon, tab, pipe
  --sheet NAME             the sheet of an Excel workbook (.xlsx) to import
                           (default: the first sheet that has data)
  --batch-size N           records per commit, 1-10000 (default 100)
  --max-records N          refuse files with more records (default 50000)
  --max-columns N          refuse files with more columns (default 1000)
  --dry-run                check everything, write nothing
  --report FILE.csv        write the report: every record's outcome
  --rejects FILE.csv       write the rejected rows with an error column, to fix and import again
                           (with --dry-run: the rows the import would reject)
  --json                   print the result as one JSON object
  --progress               show progress on standard error even when it is not a terminal

Exit status: 0 every record loaded; 3 finished with rejected records; 2 bad
usage, unreadable file or refused mapping (nothing written); 1 the import
failed or was interrupted and can be resumed.
`

// mapFlags collects repeated --map flags.
type mapFlags []string

func (m *mapFlags) String() string     { return strings.Join(*m, ", ") }
func (m *mapFlags) Set(s string) error { *m = append(*m, s); return nil }

// importFlags are the flags that decide how an import's outcome is shown,
// shared by import and imports resume.
type importFlags struct {
	report, rejects string
	json, progress  bool
}

// listed is how many of an import's errors its outcome needs: every one
// for --json; for the text, the first few (printOutcome), and one more,
// which says there are more.
func (f importFlags) listed() int {
	if f.json {
		return math.MaxInt
	}
	return shownErrors + 1
}

func (f *importFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.report, "report", "", "")
	fs.StringVar(&f.rejects, "rejects", "", "")
	fs.BoolVar(&f.json, "json", false, "")
	fs.BoolVar(&f.progress, "progress", false, "")
}

func runImport(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("import")
	var (
		maps, fieldRules, blankClears              mapFlags
		updateRules, templateName                  string
		mappingFile, onDup, dateFormat, enc, delim string
		noAuto, dry, checkPhones                   bool
		country, countryColumn                     string
		batchSize, maxRecords                      int
		out                                        importFlags
	)
	fs.StringVar(&templateName, "template", "", "")
	fs.Var(&maps, "map", "")
	fs.StringVar(&mappingFile, "mapping", "", "")
	fs.BoolVar(&noAuto, "no-auto-map", false, "")
	fs.StringVar(&onDup, "on-duplicate", "reject", "")
	fs.StringVar(&updateRules, "update-rules", string(crm.RuleOverwrite), "")
	fs.Var(&fieldRules, "update-rule", "")
	fs.Var(&blankClears, "blank-clears", "")
	fs.StringVar(&dateFormat, "date-format", string(crm.DateMDY), "")
	fs.StringVar(&country, "country", "", "")
	fs.StringVar(&countryColumn, "country-column", "", "")
	fs.BoolVar(&checkPhones, "check-phones", false, "")
	fs.StringVar(&enc, "encoding", "auto", "")
	fs.StringVar(&delim, "delimiter", "auto", "")
	sheet := fs.String("sheet", "", "")
	fs.IntVar(&batchSize, "batch-size", crm.DefaultBatchSize, "")
	fs.IntVar(&maxRecords, "max-records", crm.DefaultMaxRecords, "")
	maxColumns := fs.Int("max-columns", importer.DefaultMaxColumns, "")
	fs.BoolVar(&dry, "dry-run", false, "")
	keepRecord := fs.Bool("keep-record", false, "")
	out.register(fs)
	pos, err := a.parse(fs, args, importHelp, "FILE")
	if err != nil {
		return err
	}
	if *maxColumns < 1 {
		return &usageError{msg: "--max-columns must be at least 1", usage: importHelp}
	}
	if dry && out.report != "" {
		return &usageError{msg: "--report is a real import's record of every record; a dry run writes none: give --rejects FILE.csv for the rows it would reject, or --json", usage: importHelp}
	}
	var format csvin.Format
	if format.Encoding, err = csvin.ParseEncoding(enc); err != nil {
		return &usageError{msg: "--encoding: " + err.Error(), usage: importHelp}
	}
	if format.Delimiter, err = csvin.ParseDelimiter(delim); err != nil {
		return &usageError{msg: "--delimiter: " + err.Error(), usage: importHelp}
	}
	explicit, err := readMapping(mappingFile, maps)
	if err != nil {
		return err
	}
	update, err := readUpdateRules(updateRules, fieldRules, blankClears)
	if err != nil {
		return err
	}
	opts := crm.ImportOptions{
		OnDuplicate: crm.DuplicatePolicy(onDup), DateFormat: crm.DateFormat(dateFormat),
		BatchSize: batchSize, MaxRecords: maxRecords, Update: update, KeepRecord: *keepRecord,
		Country: country, CountryColumn: countryColumn, CheckPhones: checkPhones,
	}
	if err := opts.Check(); err != nil {
		return err
	}

	name, body := pos[0], io.Reader(a.stdin)
	if name == "-" {
		name = "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return &messageError{msg: fmt.Sprintf("cannot read %s: %v", name, err), err: crm.ErrInvalid}
		}
		defer f.Close()
		body = f
	}
	im, err := a.importer(ctx)
	if err != nil {
		return err
	}
	im.MaxRecords = maxRecords // whoever runs the CLI is the admin of its database
	im.MaxColumns = *maxColumns
	var tpl *crm.Template
	if given(fs)["template"] {
		// Looked up before the upload, so that a mistyped name costs no
		// reading of a large file.
		if tpl, err = im.Template(ctx, templateName); err != nil {
			return noTemplate(err)
		}
	}
	bar := a.progressBar(out.progress)
	p, err := im.Create(ctx, importer.Upload{Name: name, Body: body, Format: format, Sheet: *sheet, CreatedBy: crm.ActorFrom(ctx).Name, Reading: bar.reading})
	if err != nil {
		return err
	}
	id := p.Import.ID
	// Until the import starts, a refusal leaves nothing behind.
	discard := func(err error) error {
		return errors.Join(err, im.Delete(context.WithoutCancel(ctx), id))
	}
	opts.Mapping = p.Suggestion.Mapping
	if noAuto {
		opts.Mapping = map[string]string{}
	} else {
		// A file mapped as an earlier import was comes with that import's
		// options too (they are the defaults otherwise); flags still win.
		opts = flagsOver(p.Import.Options, opts, given(fs))
	}
	if tpl != nil {
		if opts, err = withTemplate(ctx, im, p.Import, tpl, opts, given(fs)); err != nil {
			return discard(err)
		}
	}
	for col, key := range explicit {
		for c, k := range opts.Mapping {
			if k == key && key != "" && explicit[c] == "" {
				delete(opts.Mapping, c) // the explicit choice wins over the automatic one
			}
		}
		opts.Mapping[col] = key
	}
	if _, err := im.Configure(ctx, id, opts); err != nil {
		return discard(err)
	}
	if dry {
		s, err := im.DryRun(ctx, id, out.listed())
		if err != nil {
			return discard(err)
		}
		if out.rejects != "" && s.Rejected > 0 {
			// The rows to fix before the import, read again: the dry run
			// keeps no rows.
			err := a.writeOut(out.rejects, func(w io.Writer) error { return im.WriteDryRunRejects(ctx, id, "", w) })
			if err != nil {
				return discard(err)
			}
		}
		if err := discard(nil); err != nil {
			return err
		}
		return a.printOutcome(s, out)
	}
	imp, err := im.Start(ctx, id, bar.update)
	bar.done()
	if errors.Is(err, crm.ErrTooLarge) || errors.Is(err, crm.ErrInvalid) {
		return discard(err)
	}
	return a.finishImport(ctx, im, imp, err, out)
}

// finishImport writes the report files and prints the outcome of a run of
// import or imports resume.
func (a *app) finishImport(ctx context.Context, im *importer.Importer, imp *crm.Import, runErr error, out importFlags) error {
	if imp == nil {
		return runErr
	}
	ctx = context.WithoutCancel(ctx) // an interrupted import still reports what it did
	if out.report != "" {
		if err := a.writeOut(out.report, func(w io.Writer) error { return im.WriteReport(ctx, imp.ID, w) }); err != nil {
			return err
		}
	}
	if out.rejects != "" {
		if err := a.writeOut(out.rejects, func(w io.Writer) error { return im.WriteRejects(ctx, imp.ID, w) }); err != nil {
			return err
		}
	}
	s, err := im.Summarize(ctx, imp, out.listed())
	if err != nil {
		return err
	}
	if err := a.printOutcome(s, out); err != nil {
		return err
	}
	if runErr != nil {
		return runErr
	}
	if imp.Status == crm.ImportInterrupted {
		return &exitError{code: 1, msg: fmt.Sprintf("import %d was interrupted after %s of %s records; resume it with `localcrm imports resume %d`",
			imp.ID, thousands(imp.Counts.Records), thousands(imp.Total), imp.ID)}
	}
	if imp.Status == crm.ImportCancelled {
		return &exitError{code: 1, msg: fmt.Sprintf("import %d was cancelled after %s records; what it loaded stays: resume it with `localcrm imports resume %d`, or take it back with `localcrm imports revert %d`",
			imp.ID, thousands(imp.Counts.Records), imp.ID, imp.ID)}
	}
	return nil
}

// printOutcome prints an import's summary: JSON for scripts, or a few lines
// for people. A finished import with rejected records exits with status 3.
func (a *app) printOutcome(s *importer.Summary, out importFlags) error {
	if out.json {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return err
		}
	} else {
		verb := "Imported"
		if s.Status == importer.StatusDryRun {
			verb = "Checked (dry run, nothing written)"
		}
		fmt.Fprintf(a.stdout, "%s %s: %s records in %.1fs (import %d, %s)\n", verb, oneLine(s.File), thousands(s.Records), s.Seconds, s.ImportID, s.Status)
		fmt.Fprintf(a.stdout, "  created  %8s\n  updated  %8s\n  skipped  %8s\n  rejected %8s\n",
			thousands(s.Created), thousands(s.Updated), thousands(s.Skipped), thousands(s.Rejected))
		if len(s.Changes) > 0 {
			fmt.Fprintln(a.stdout, "Values changed by updates:")
		}
		for _, c := range s.Changes {
			fmt.Fprintf(a.stdout, "  %-14s %8s\n", c.Field, thousands(c.Count))
			for _, x := range c.Samples {
				fmt.Fprintf(a.stdout, "      line %d, customer %d: %q → %q\n", x.Line, x.AccountNumber, x.Before, x.After)
			}
		}
		if len(s.Unmapped) > 0 {
			fmt.Fprintf(a.stdout, "Columns not imported: %s\n", strings.Join(s.Unmapped, ", "))
		}
		for _, w := range s.Warnings {
			fmt.Fprintf(a.stdout, "Warning: %s\n", w)
		}
		if len(s.Errors) > 0 {
			fmt.Fprintln(a.stdout, "Rejected records:")
			for i, e := range s.Errors {
				if i == shownErrors {
					switch {
					case out.rejects != "":
						fmt.Fprintf(a.stdout, "  … and more: %s has every one\n", out.rejects)
					case s.Status == importer.StatusDryRun: // its import is gone: the same command writes them
						fmt.Fprintln(a.stdout, "  … and more: add --rejects FILE.csv to write every row it would reject")
					default:
						fmt.Fprintf(a.stdout, "  … and more: `localcrm imports report %d --rejects FILE.csv` writes them all\n", s.ImportID)
					}
					break
				}
				fmt.Fprintf(a.stdout, "  %s\n", errorLine(e))
			}
		}
	}
	if s.Rejected > 0 && (s.Status == crm.ImportCompletedWithErrors || s.Status == importer.StatusDryRun) {
		return &exitError{code: 3}
	}
	return nil
}

// shownErrors is how many rejected records the text outcome lists.
const shownErrors = 20

// errorLine tells a rejection in one line: where, which value, and why.
func errorLine(e crm.RowError) string {
	where := fmt.Sprintf("line %d", e.Line)
	if e.Row != 0 && e.Row != e.Line {
		where += fmt.Sprintf(" (row %d in a spreadsheet)", e.Row)
	}
	if e.Field != "" {
		where += fmt.Sprintf(", %s %q", e.Field, e.Value)
	}
	return where + ": " + oneLine(e.Message)
}

// withTemplate applies the template tpl to the new import imp, over the
// mapping in opts, and returns opts with the template's mapping and its
// options, except those whose flags were given (set): a flag beside
// --template says what this file needs otherwise. --update-rule changes one
// field's rule of the template's; --blank-clears replaces its list.
func withTemplate(ctx context.Context, im *importer.Importer, imp *crm.Import, tpl *crm.Template, opts crm.ImportOptions, set map[string]bool) (crm.ImportOptions, error) {
	base := *imp
	base.Options.Mapping = opts.Mapping
	o, _, err := im.TemplateOptions(ctx, &base, tpl)
	if err != nil {
		return opts, err
	}
	return flagsOver(o, opts, set), nil
}

// flagsOver returns base with the options whose flags were given (set)
// taken from opts, and opts' record limit: a flag says what this file
// needs. --update-rule changes one field's rule of base's; --blank-clears
// replaces its list.
func flagsOver(base, opts crm.ImportOptions, set map[string]bool) crm.ImportOptions {
	base.MaxRecords = opts.MaxRecords
	if set["on-duplicate"] {
		base.OnDuplicate = opts.OnDuplicate
	}
	if set["date-format"] {
		base.DateFormat = opts.DateFormat
	}
	if set["batch-size"] {
		base.BatchSize = opts.BatchSize
	}
	if set["keep-record"] {
		base.KeepRecord = opts.KeepRecord
	}
	if set["country"] {
		base.Country = opts.Country
	}
	if set["country-column"] {
		base.CountryColumn = opts.CountryColumn
	}
	if set["check-phones"] {
		base.CheckPhones = opts.CheckPhones
	}
	u := base.Update
	if set["update-rules"] {
		u.Default = opts.Update.Default
	}
	if len(opts.Update.Fields) > 0 {
		u.Fields = maps.Clone(u.Fields)
		if u.Fields == nil {
			u.Fields = map[string]crm.UpdateRule{}
		}
		maps.Copy(u.Fields, opts.Update.Fields)
	}
	if set["blank-clears"] {
		u.BlankClears = opts.Update.BlankClears
	}
	base.Update = u
	return base
}

// readMapping reads --mapping and --map into one mapping, --map winning.
func readMapping(file string, entries []string) (map[string]string, error) {
	m := map[string]string{}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, &messageError{msg: fmt.Sprintf("--mapping: %v", err), err: crm.ErrInvalid}
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, &usageError{msg: fmt.Sprintf("--mapping %s: not a JSON object of column name to field key: %v", file, err), usage: importHelp}
		}
	}
	for _, e := range entries {
		col, key, ok := strings.Cut(e, "=")
		if !ok || strings.TrimSpace(col) == "" {
			return nil, &usageError{msg: fmt.Sprintf("--map %q: write it as \"CSV column=field_key\"", e), usage: importHelp}
		}
		m[strings.TrimSpace(col)] = strings.TrimSpace(key)
	}
	return m, nil
}

// readUpdateRules reads --update-rules, --update-rule and --blank-clears;
// the rules themselves are checked against the fields by Configure.
func readUpdateRules(def string, fields, blankClears []string) (crm.UpdateRules, error) {
	u := crm.UpdateRules{Default: crm.UpdateRule(def)}
	for _, e := range fields {
		key, rule, ok := strings.Cut(e, "=")
		if !ok || strings.TrimSpace(key) == "" {
			return u, &usageError{msg: fmt.Sprintf("--update-rule %q: write it as \"field_key=RULE\", RULE being overwrite, fill-empty or keep", e), usage: importHelp}
		}
		if u.Fields == nil {
			u.Fields = map[string]crm.UpdateRule{}
		}
		u.Fields[strings.TrimSpace(key)] = crm.UpdateRule(strings.TrimSpace(rule))
	}
	for _, key := range blankClears {
		u.BlankClears = append(u.BlankClears, strings.TrimSpace(key))
	}
	return u, nil
}

// importer opens the database and returns the import engine over it,
// keeping import files where dataDir says.
func (a *app) importer(ctx context.Context) (*importer.Importer, error) {
	st, err := a.db(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := a.dataDir(st)
	if err != nil {
		return nil, err
	}
	im := importer.New(st, dir)
	// Whoever runs the CLI is the operator: the cause behind an import's
	// message for people (and its ref) is theirs to see.
	im.Log = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return im, nil
}

// writeOut writes a report to path, or to standard output for "-".
func (a *app) writeOut(path string, write func(io.Writer) error) error {
	if path == "-" {
		return write(a.stdout)
	}
	return writeFileAtomic(path, write)
}

// exitError ends the program with a given status and, if msg is not empty,
// that message.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// progressBar draws an import's progress on stderr: a bar redrawn in place
// on a terminal, or with --progress elsewhere a line per second.
type progressBar struct {
	w        io.Writer
	terminal bool
	on       bool
	last     time.Time
}

func (a *app) progressBar(force bool) *progressBar {
	f, ok := a.stderr.(*os.File)
	terminal := ok && term.IsTerminal(int(f.Fd()))
	return &progressBar{w: a.stderr, terminal: terminal, on: terminal || force}
}

func (b *progressBar) update(p importer.Progress) {
	c, total := p.Import.Counts, max(p.Import.Total, 1)
	const width = 30
	filled := width * c.Records / total
	line := fmt.Sprintf("[%s%s] %s/%s records, %s rejected, %s/s",
		strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		thousands(c.Records), thousands(p.Import.Total), thousands(c.Rejected), thousands(int(p.Rate)))
	if p.Left > 0 {
		line += fmt.Sprintf(", %s left", p.Left.Round(time.Second))
	}
	b.show(line)
}

// reading shows how much of the file has been read while it is counted.
func (b *progressBar) reading(n int64) {
	b.show(fmt.Sprintf("reading the file: %.1f MB", float64(n)/(1<<20)))
}

// show draws line, at most once a second unless on a terminal.
func (b *progressBar) show(line string) {
	if !b.on {
		return
	}
	now := time.Now()
	if !b.terminal && now.Sub(b.last) < time.Second && !b.last.IsZero() {
		return
	}
	b.last = now
	if b.terminal {
		fmt.Fprintf(b.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(b.w, line)
	}
}

func (b *progressBar) done() {
	if b.terminal {
		fmt.Fprint(b.w, "\r\033[K")
	}
}

// thousands writes n with comma separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
