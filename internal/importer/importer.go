// Package importer is the CSV import pipeline: read (encoding, delimiter,
// header) → map columns to fields → validate each record with the domain's
// rules → commit in batches → publish progress → report. Jobs are durable:
// each batch commits with the job's checkpoint, so a crashed or stopped
// import resumes after its last committed batch, and nothing about a job
// lives only in memory.
package importer

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"localcrm/internal/crm"
	"localcrm/internal/csvin"
	"localcrm/internal/store"
)

// Importer runs imports against one store, keeping each import's file and
// report in its own folder under dir.
type Importer struct {
	// MaxRecords is the record limit of new imports, an admin's setting;
	// 0 means crm.DefaultMaxRecords.
	MaxRecords int
	// MaxColumns is the most columns a file's header may have; a wider file
	// is refused at upload. 0 means DefaultMaxColumns.
	MaxColumns int
	// KeepUploads is how long the uploaded file of an import that was never
	// started, or was cancelled, is kept before Sweep removes it; 0 means
	// DefaultKeepUploads.
	KeepUploads time.Duration
	// Quota is how many bytes the imports folder may hold before uploads
	// are refused; 0 means no quota.
	Quota int64
	// MinFree is how much free space the imports folder's file system must
	// have for an upload to be accepted; 0 means DefaultMinFree.
	MinFree int64
	// Lease is how long a running import stays its worker's without a
	// sign of life (a renewal, a batch); after it, the worker counts as
	// gone and another process may take the import over. 0 means
	// DefaultLease.
	Lease time.Duration
	// Log receives what people are not shown: the full cause of an import
	// that stopped on an unexpected error, under the ref its message quotes.
	// nil discards it.
	Log *slog.Logger

	store   *store.Store
	batches Batches
	sources Sources
	dir     string // the imports folder: uploads as they arrive, and on SQLite the sources
	host    string
	boot    string // this boot of the machine; "" where the system does not say
	worker  string // this process, as recorded on the jobs it runs: host:pid:boot:start
	now     func() time.Time
	mu      sync.Mutex
	runs    map[int64]bool // the imports this process runs, from their claim to their last save
	// freeSpace returns the bytes free for an unprivileged user on the file
	// system of dir; a field so that tests can fill the disk.
	freeSpace func(dir string) (uint64, error)
}

// Defaults of the Importer's settings.
const (
	DefaultMaxColumns  = 1000
	DefaultKeepUploads = 7 * 24 * time.Hour
	// DefaultMinFree is room for one upload at the server's default limit
	// (100 MB), with as much again for the database to grow as it loads.
	DefaultMinFree = 200 << 20
)

// New returns an Importer that keeps import files under dataDir/imports.
func New(st *store.Store, dataDir string) *Importer {
	host, _ := os.Hostname()
	boot := bootID()
	worker := fmt.Sprintf("%s:%d:%s", host, os.Getpid(), boot)
	if start, err := processStart(os.Getpid()); err == nil {
		worker += ":" + start
	}
	dir := filepath.Join(dataDir, "imports")
	var sources Sources = diskSources{dir}
	if st.Postgres() {
		sources = dbSources{st}
	}
	return &Importer{
		store:     st,
		batches:   storeBatches{st},
		sources:   sources,
		dir:       dir,
		host:      host,
		boot:      boot,
		worker:    worker,
		now:       time.Now,
		freeSpace: freeSpace,
	}
}

// log returns the Importer's logger, or one that discards.
func (im *Importer) log() *slog.Logger {
	if im.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return im.Log
}

// processStart returns when the process pid started, as Linux gives it:
// field 22 of /proc/PID/stat, in clock ticks since boot. With the pid and the
// boot, it names one process for good, where a pid alone is reused. Where
// there is no /proc, it fails.
func processStart(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", err
	}
	// Field 2, the command name in parentheses, may hold spaces and
	// parentheses itself: the fields after it follow the last ")".
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return "", fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	fields := strings.Fields(string(b[i+1:])) // fields 3 onward
	if len(fields) < 20 {
		return "", fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return fields[22-3], nil
}

// bootID returns the id Linux gives each boot of the machine, "" elsewhere.
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Upload is a file a user brings to import.
type Upload struct {
	Name   string    // the file's name as the user knows it
	Body   io.Reader // read once, to the end
	Format csvin.Format
	// Sheet chooses the sheet of an Excel workbook to import; "" means the
	// first sheet that has data. A file that is not a workbook takes none.
	Sheet     string
	CreatedBy string
	// Reading, if set, is told how many bytes have been read, about every
	// 4,000 records, so that a long file shows progress before it is
	// counted and its import starts.
	Reading func(bytes int64)
}

// Preview is what the first step of the wizard shows of a new import.
type Preview struct {
	Import     *crm.Import
	Format     csvin.Format
	Columns    []string   // unique column names, for mappings
	Rows       [][]string // the first records
	Suggestion Suggestion
	// Workbook is set when the file was an Excel workbook: the sheet that
	// was read, converted to the CSV that the import keeps (its Encoding
	// and Delimiter are that CSV's: UTF-8 and comma), and its other sheets.
	Workbook *WorkbookInfo
}

// previewRows is how many records a preview shows.
const previewRows = 10

// sampleSize is how much of a file detection looks at.
const sampleSize = 64 << 10

// Create keeps the uploaded file, detects how it is written, counts its
// records and records a pending import job. Nothing is imported yet.
func (im *Importer) Create(ctx context.Context, up Upload) (*Preview, error) {
	if err := os.MkdirAll(im.dir, 0o700); err != nil {
		return nil, fmt.Errorf("keep uploaded file: %w", err)
	}
	if err := im.checkRoom(ctx); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(im.dir, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("keep uploaded file: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename below, this finds nothing
	defer tmp.Close()

	br := bufio.NewReaderSize(up.Body, sampleSize)
	sample, err := br.Peek(sampleSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read %s: %w", up.Name, err)
	}
	var wb *book
	if isContainer(sample) {
		// A workbook is imported as the CSV of one of its sheets (xlsx.go);
		// any other ZIP archive or Office file is refused, saying what it is.
		if wb, err = im.readBook(ctx, up, br, tmp); err != nil {
			return nil, err
		}
		br = bufio.NewReaderSize(tmp, sampleSize) // the sheet's CSV, kept in tmp
		if sample, err = br.Peek(sampleSize); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("read %s: %w", up.Name, err)
		}
		up.Format = csvin.Format{Encoding: csvin.UTF8, Delimiter: ',', HeaderLine: up.Format.HeaderLine}
		up.Reading = nil // told the workbook's bytes as they came; the CSV made of it is not the file
	} else if up.Sheet != "" {
		return nil, fmt.Errorf("%s: %w", up.Name, crm.Invalid("sheet", up.Sheet,
			"A sheet can be chosen only for an Excel workbook (.xlsx), and this file is not one: leave the sheet out."))
	}
	format := csvin.Detect(sample, up.Format)
	// A workbook's CSV is UTF-8 text, whatever its cells hold.
	if msg := csvin.Sniff(sample); wb == nil && msg != "" && up.Format.Encoding != csvin.UTF16LE && up.Format.Encoding != csvin.UTF16BE {
		// Read as text, a workbook, an archive or an image would be refused
		// for a reason that misleads (unmapped columns, a Chinese encoding).
		// UTF-16 chosen by the user is text whatever its NUL bytes.
		return nil, fmt.Errorf("%s: %w", up.Name, crm.Invalid("file", "", msg))
	}
	if wb == nil && up.Format.Encoding == "" && format.Encoding == csvin.Windows1252 && csvin.LooksDoubleByte(sample) {
		// Read as Windows-1252, every name would load as gibberish.
		return nil, fmt.Errorf("%s: %w", up.Name, crm.Invalid("encoding", "",
			"The file is not UTF-8, UTF-16 or Windows-1252 text: it looks like a Chinese, Japanese or Korean encoding "+
				"(such as Big5, GBK or Shift-JIS), which localcrm cannot read. Save it as UTF-8 (in Excel: Save As, "+
				"then \"CSV UTF-8\") and import it again. If it is Windows-1252 after all, choose the windows-1252 encoding."))
	}
	counter := &countingWriter{w: tmp}
	p := &Preview{Format: format}
	// Copy while counting, so the file is read once however large it is;
	// a workbook's CSV is in tmp already.
	in := io.Reader(br)
	if wb == nil {
		in = io.TeeReader(br, counter)
	}
	maxColumns := cmp.Or(im.MaxColumns, DefaultMaxColumns)
	total, err := scan(in, format, func(header []string) error {
		if len(header) > maxColumns {
			return crm.Invalid("file", "", fmt.Sprintf("The file's header row has %s columns; localcrm reads at most %s. "+
				"Remove the columns you do not need (or split the file into narrower files) and upload it again; "+
				"an administrator can raise the limit with --max-columns.", thousands(len(header)), thousands(maxColumns)))
		}
		p.Columns = ColumnNames(header)
		return nil
	}, func(n int, r *csvin.Record) {
		if len(p.Rows) < previewRows {
			// A row wider than the header shows only the header's columns:
			// the preview's table has no more.
			p.Rows = append(p.Rows, slices.Clone(r.Fields[:min(len(r.Fields), len(p.Columns))]))
		}
		if up.Reading != nil && (n == 1 || n%4096 == 0) {
			up.Reading(counter.n)
		}
	})
	if err != nil {
		if diskFull(err) {
			return nil, im.noRoom(err)
		}
		return nil, fmt.Errorf("%s: %w", up.Name, err)
	}
	if err := tmp.Sync(); err != nil {
		if diskFull(err) {
			return nil, im.noRoom(err)
		}
		return nil, fmt.Errorf("keep uploaded file: %w", err)
	}
	sc, err := im.store.Schema(ctx)
	if err != nil {
		return nil, err
	}
	p.Suggestion = AutoMap(p.Columns, sc)
	last, err := im.remember(ctx, p.Columns, sc, &p.Suggestion)
	if err != nil {
		return nil, err
	}
	imp := &crm.Import{
		Status:     crm.ImportPending,
		FileName:   filepath.Base(up.Name),
		FileSize:   counter.n,
		Encoding:   string(format.Encoding),
		Delimiter:  csvin.DelimiterName(format.Delimiter),
		HeaderLine: format.HeaderLine,
		Columns:    p.Columns,
		Total:      total,
		CreatedBy:  up.CreatedBy,
		Options: crm.ImportOptions{
			Mapping:    p.Suggestion.Mapping,
			MaxRecords: im.MaxRecords,
		},
	}
	if wb != nil { // the workbook as uploaded, not the CSV kept of it
		imp.FileSize, imp.Sheet = wb.size, wb.info.Sheet
		p.Workbook = &wb.info
	}
	if last != nil {
		imp.Options.Reuse(last.Options)
	}
	if err := imp.Options.Check(); err != nil {
		return nil, err
	}
	if err := im.store.CreateImport(ctx, imp); err != nil {
		return nil, err
	}
	if err := im.sources.Keep(ctx, imp.ID, tmp.Name()); err != nil {
		_ = im.store.DeleteImport(ctx, imp.ID)
		return nil, fmt.Errorf("keep uploaded file: %w", err)
	}
	p.Import = imp
	return p, nil
}

// scan reads a whole file, calling header once and record for every record
// that is not blank, and returns how many records there were. An error from
// header ends the reading.
func scan(r io.Reader, f csvin.Format, header func([]string) error, record func(int, *csvin.Record)) (int, error) {
	cr, err := csvin.NewReader(r, f)
	var re *csvin.RecordError
	switch {
	case errors.Is(err, csvin.ErrNoHeader):
		return 0, crm.Invalid("file", "", capitalize(err.Error())+".")
	case errors.Is(err, csvin.ErrDelimiter):
		return 0, crm.Invalid("delimiter", string(f.Delimiter), fmt.Sprintf("The file's cells are separated by %q (its first line, \"sep=%c\", says so), "+
			"and localcrm reads only commas, semicolons, tabs or pipes. Save the file with one of those (in Excel: Save As, then CSV) and import it again.", f.Delimiter, f.Delimiter))
	case errors.As(err, &re):
		return 0, crm.Invalid("file", "", fmt.Sprintf("The header row (line %d) cannot be read: it %s.", re.Line, re.Msg))
	case err != nil:
		return 0, err
	}
	if err := header(cr.Header()); err != nil {
		return 0, err
	}
	n := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if blankRow(rec, f.Delimiter) {
			continue
		}
		n++
		record(n, rec)
	}
}

// blankRow reports whether a row holds nothing: every cell empty or white
// space, such as a spreadsheet's trailing ",,,,". Such rows are not records.
// A row of the wrong width is blank too when its text is nothing but
// delimiters and white space (",," or a line of spaces), since no data is
// lost by passing over it; a malformed row never is.
func blankRow(rec *csvin.Record, delim rune) bool {
	if rec.Err == nil {
		return blank(rec.Fields)
	}
	return strings.TrimFunc(rec.Raw, func(r rune) bool { return r == delim || unicode.IsSpace(r) }) == ""
}

// capitalize starts a sentence made from an error's text.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// blank reports whether every cell is empty or white space.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Configure sets what the user chose for a pending import: the mapping and
// the options. It refuses a mapping that cannot work before any row is read.
func (im *Importer) Configure(ctx context.Context, id int64, o crm.ImportOptions) (*crm.Import, error) {
	imp, err := im.store.GetImport(ctx, id)
	if err != nil {
		return nil, err
	}
	if imp.Status != crm.ImportPending {
		return nil, crm.Invalid("status", string(imp.Status), fmt.Sprintf("Import %d is %s; only an import that has not started can be changed.", id, imp.Status))
	}
	if o.MaxRecords == 0 {
		o.MaxRecords = imp.Options.MaxRecords
	}
	if err := o.Check(); err != nil {
		return nil, err
	}
	// An import may lower the record limit, not raise it past the admin's.
	if limit := cmp.Or(im.MaxRecords, crm.DefaultMaxRecords); o.MaxRecords > limit {
		return nil, crm.Invalid("max_records", strconv.Itoa(o.MaxRecords), fmt.Sprintf("The record limit is %s; an administrator can raise it.", thousands(limit)))
	}
	sc, err := im.store.Schema(ctx)
	if err != nil {
		return nil, err
	}
	if o.Mapping == nil {
		o.Mapping = map[string]string{}
	}
	if err := CheckMapping(imp.Columns, o.Mapping, sc, o.OnDuplicate); err != nil {
		return nil, err
	}
	if err := o.Update.Check(sc); err != nil {
		return nil, err
	}
	if err := checkPhoneOptions(imp.Columns, &o); err != nil {
		return nil, err
	}
	imp.Options = o
	if err := im.store.UpdateImport(ctx, imp); err != nil {
		return nil, err
	}
	return imp, nil
}

// Start runs a pending import to its end, calling progress after every
// batch. It refuses a file with more records than the import's limit before
// anything is written.
func (im *Importer) Start(ctx context.Context, id int64, progress func(Progress)) (*crm.Import, error) {
	imp, err := im.store.GetImport(ctx, id)
	if err != nil {
		return nil, err
	}
	sc, err := im.startable(ctx, imp)
	if err != nil {
		return nil, err
	}
	if err := im.checkSource(ctx, imp); err != nil {
		return nil, err
	}
	defer im.hold(id)()
	if err := im.store.ClaimImport(ctx, id, imp.Status, im.worker); err != nil {
		return nil, err
	}
	imp.Status, imp.Worker = crm.ImportRunning, im.worker
	imp.StartedAt = im.now()
	return im.run(ctx, imp, sc, progress)
}

// Resume continues an interrupted or failed import from its last committed
// batch, with the file, mapping and options it was started with.
func (im *Importer) Resume(ctx context.Context, id int64, progress func(Progress)) (*crm.Import, error) {
	imp, err := im.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	sc, err := im.resumable(ctx, imp)
	if err != nil {
		return nil, err
	}
	if err := im.checkSource(ctx, imp); err != nil {
		return nil, err
	}
	if err := im.checkReport(imp); err != nil {
		return nil, err
	}
	defer im.hold(id)()
	if err := im.store.ClaimImport(ctx, id, imp.Status, im.worker); err != nil {
		return nil, err
	}
	imp.Status, imp.Worker, imp.Error = crm.ImportRunning, im.worker, ""
	return im.run(ctx, imp, sc, progress)
}

// Cancel stops an import. A running one stops after the batch in flight
// (its worker sees the request at its next checkpoint); what was committed
// stays.
func (im *Importer) Cancel(ctx context.Context, id int64) (*crm.Import, error) {
	imp, err := im.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case imp.Status == crm.ImportRunning:
		return imp, im.store.RequestCancel(ctx, id)
	case imp.Status.Finished():
		return nil, crm.Invalid("status", string(imp.Status), fmt.Sprintf("Import %d is already %s.", id, imp.Status))
	}
	return imp, im.store.CancelImport(ctx, imp)
}

// Get returns an import job, first marking it interrupted if it claims to
// be running but its worker process is gone.
func (im *Importer) Get(ctx context.Context, id int64) (*crm.Import, error) {
	imp, err := im.store.GetImport(ctx, id)
	if err != nil {
		return nil, err
	}
	if imp.Status.Active() && !im.alive(imp) {
		if err := im.store.MarkInterrupted(ctx, id, imp.Worker); err != nil {
			return nil, err
		}
		return im.store.GetImport(ctx, id)
	}
	return imp, nil
}

// List returns every import job, newest first, after marking those whose
// worker is gone as interrupted.
func (im *Importer) List(ctx context.Context) ([]*crm.Import, error) {
	imps, err := im.store.ListImports(ctx)
	if err != nil {
		return nil, err
	}
	for i, imp := range imps {
		if imp.Status.Active() && !im.alive(imp) {
			if imps[i], err = im.Get(ctx, imp.ID); err != nil {
				return nil, err
			}
		}
	}
	return imps, nil
}

// Delete removes an import job and its files. The customers it loaded stay.
func (im *Importer) Delete(ctx context.Context, id int64) error {
	imp, err := im.Get(ctx, id)
	if err != nil {
		return err
	}
	if imp.Status.Active() {
		return crm.Invalid("status", string(imp.Status), fmt.Sprintf("Import %d is %s; cancel it before deleting it.", id, imp.Status))
	}
	if err := im.store.DeleteImport(ctx, id); err != nil {
		return err
	}
	return im.sources.Delete(ctx, id)
}

// DefaultLease is Importer.Lease's default: long enough that a database
// slow for a moment costs no running import its lease (the worker renews
// it every third of it), short enough that another server soon takes over
// the import of one that died.
const DefaultLease = 30 * time.Second

func (im *Importer) lease() time.Duration { return cmp.Or(im.Lease, DefaultLease) }

// hold records that this process runs import id, from before its claim,
// and returns what ends that, after its last save.
func (im *Importer) hold(id int64) func() {
	release, _ := im.holdOnce(id)
	return release
}

// holdOnce is hold, unless this process holds id already (ok false).
func (im *Importer) holdOnce(id int64) (release func(), ok bool) {
	im.mu.Lock()
	defer im.mu.Unlock()
	if im.runs[id] {
		return func() {}, false
	}
	if im.runs == nil {
		im.runs = map[int64]bool{}
	}
	im.runs[id] = true
	return func() {
		im.mu.Lock()
		defer im.mu.Unlock()
		delete(im.runs, id)
	}, true
}

func (im *Importer) running(id int64) bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.runs[id]
}

// alive reports whether the worker recorded on a running import still runs:
// on this machine, whether its process exists; elsewhere, whether it
// renewed its lease (its heartbeat) within the lease's length.
//
// A worker recorded in an earlier boot of this machine is gone, whatever
// process has its pid now; so is one whose pid now belongs to a process
// that started at another time. Without that rule, a server that died with the
// machine and came back with the same pid (as a service started at boot
// often does) took the import for its own, and the import stayed
// "running" for ever, neither resumable nor deletable.
func (im *Importer) alive(imp *crm.Import) bool {
	if imp.Worker == im.worker {
		// This process: queued here, or run here now. One whose run ended
		// without its state saved (the database out of reach) is not.
		return imp.Status == crm.ImportQueued || im.running(imp.ID)
	}
	return im.workerAlive(imp.Worker, imp.HeartbeatAt)
}

// workerAlive reports whether worker, another process that last gave a
// sign of life at heartbeat, still runs (see alive).
func (im *Importer) workerAlive(worker string, heartbeat time.Time) bool {
	host, rest, ok := strings.Cut(worker, ":")
	if !ok || host != im.host || worker == im.worker {
		return im.now().Sub(heartbeat) < im.lease()
	}
	// An older localcrm recorded no boot, or no start time.
	pidText, rest, _ := strings.Cut(rest, ":")
	boot, start, _ := strings.Cut(rest, ":")
	if boot != "" && boot != im.boot {
		return false
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return false
	}
	if start != "" {
		// The pid is the worker's only while the process that has it
		// started when the worker did: a pid freed by a dead server is
		// soon given to another process.
		got, err := processStart(pid)
		switch {
		case err == nil:
			return got == start
		case errors.Is(err, fs.ErrNotExist):
			return false
		}
		// /proc cannot be read here: fall back on the pid alone.
	}
	err = syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// nextStep tells a person what can be done with an import in its state.
func nextStep(imp *crm.Import) string {
	switch {
	case imp.Status.Active():
		return "wait for it to finish, or cancel it."
	case imp.Resumable():
		return fmt.Sprintf("resume it with `localcrm imports resume %d`.", imp.ID)
	case imp.Status == crm.ImportPending:
		return "start it first."
	}
	return "start a new import to load the file again."
}

// reportPath is where a version that kept reports in files kept import
// id's (see writeReportStart).
func (im *Importer) reportPath(id int64) string {
	return filepath.Join(im.dir, strconv.FormatInt(id, 10), "report.csv")
}

// delimiter reads back the delimiter recorded on an import. csvin.DelimiterName
// names the usual four, which csvin.ParseDelimiter reads, but gives any other
// (set by a file's "sep=" line) as the character itself, which it does not.
func delimiter(imp *crm.Import) (rune, error) {
	d, err := csvin.ParseDelimiter(imp.Delimiter)
	if err != nil && utf8.RuneCountInString(imp.Delimiter) == 1 {
		return []rune(imp.Delimiter)[0], nil
	}
	return d, err
}

// thousands writes n with comma separators, as people read counts.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
