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
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/csvin"
	"localcrm/internal/store"
)

// Progress is published after every committed batch.
type Progress struct {
	Import crm.Import     // the job as of that batch: status and counts
	Rate   float64        // records per second since this run began
	Left   time.Duration  // estimated time to the end; 0 when unknown
	Errors []crm.RowError // the rejections of that batch
}

// record is one row on its way to the database.
type record struct {
	line      int
	row       int      // the row a spreadsheet shows it on (csvin.Record.Row)
	name      string   // first and last name, as read, for the report
	email     string   // as read, for the report
	leftOut   []string // the values left out of a record kept without them (ImportOptions.KeepRecord), with why
	cells     []string // as read, for the rejects file
	raw       string   // the row's text, when it could not be parsed into cells
	customer  *crm.Customer
	account   int64  // the account number the row names, when that column is mapped
	emailKey  string // store.EmailKey of its email, if any
	errs      []crm.RowError
	asWritten int          // phone values loaded with no international form (phoneReading)
	words     store.Words  // the customer's search words, made here rather than by the writer
	outcome   string       // created, updated, skipped or rejected
	changes   []crm.Change // what an update changed
}

// column is a mapped column: its position in a row and its field.
type column struct {
	index int
	key   string
}

// pass is one run through a file: the real import or a dry run.
type pass struct {
	im       *Importer
	imp      *crm.Import
	sc       *crm.Schema
	columns  []column
	validate crm.ValidateOptions
	decider  decider
	report   *reportLines // nil in a dry run
	dates    *dateTally   // a dry run's count of date values, for its advice on the date format
	phones   phoneReading
	began    time.Time     // when this run began
	ranUntil time.Duration // imp.RunTime when it began: the runs before it
}

// runTime is how long the import has run, this run included.
func (p *pass) runTime() time.Duration { return p.ranUntil + p.im.now().Sub(p.began) }

func (im *Importer) newPass(imp *crm.Import, sc *crm.Schema, dry bool) *pass {
	p := &pass{im: im, imp: imp, sc: sc}
	for i, col := range imp.Columns {
		if key := imp.Options.Mapping[col]; key != "" {
			p.columns = append(p.columns, column{i, key})
		}
	}
	p.validate = crm.ValidateOptions{DateFormat: imp.Options.DateFormat, Partial: imp.Options.OnDuplicate == crm.DuplicateUpdate}
	p.decider = decider{sc: sc, policy: imp.Options.OnDuplicate, partial: p.validate.Partial, importID: imp.ID,
		update: imp.Options.Update}
	for _, col := range p.columns {
		p.decider.mapped = append(p.decider.mapped, col.key)
	}
	p.phones = newPhoneReading(imp, sc, p.decider.mapped)
	if dry {
		p.dates = newDateTally(sc, imp.Options.DateFormat)
		p.decider.importID, p.decider.seen = 0, map[string]int{}
	}
	return p
}

// run imports imp's file from its checkpoint to the end: the one loop of
// the pipeline. It reads and validates records into a batch, commits each
// full batch with the checkpoint, publishes progress, and stops at the end,
// on a cancel request, or when ctx is done (then the job is interrupted and
// can be resumed).
func (im *Importer) run(ctx context.Context, imp *crm.Import, sc *crm.Schema, progress func(Progress)) (*crm.Import, error) {
	p := im.newPass(imp, sc, false)
	p.report = newReportLines()
	p.began, p.ranUntil = im.now(), imp.RunTime
	startCount := imp.Counts.Records
	publish := func(errs []crm.RowError) {
		if progress == nil {
			return
		}
		pr := Progress{Import: *imp, Errors: errs}
		if secs := im.now().Sub(p.began).Seconds(); secs > 0 {
			pr.Rate = float64(imp.Counts.Records-startCount) / secs
			if pr.Rate > 0 {
				pr.Left = time.Duration(float64(imp.Total-imp.Counts.Records) / pr.Rate * float64(time.Second))
			}
		}
		progress(pr)
	}
	publish(nil)
	// The lease is renewed while the import runs, however long a batch
	// takes; losing it (to a process that took this one for dead) stops
	// the import after the batch in flight, whose commit is refused.
	ctx, lost := context.WithCancel(ctx)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		im.renewLease(ctx, imp.ID, lost)
	}()
	defer func() { lost(); <-renewed }()
	var b *batch // the batch whose transaction is open
	stopped, err := p.each(ctx, imp.Counts.Records, func(records []*record, last bool) (bool, error) {
		// A batch in flight finishes even when ctx ends (each reads to its
		// end): it is cheaper to commit it than to redo it, and shutdown
		// waits for it. A batch not begun when ctx ends is left for resume.
		var err error
		if b == nil {
			if ctx.Err() != nil {
				return true, nil
			}
			if b, err = p.begin(context.WithoutCancel(ctx)); err != nil {
				return true, err
			}
		}
		if err := p.add(context.WithoutCancel(ctx), b, records); err != nil || !last {
			return err != nil, err
		}
		cancel, err := p.commit(context.WithoutCancel(ctx), b)
		rejects := b.rejects
		b = nil
		if err != nil {
			return true, err
		}
		var errs []crm.RowError
		for _, r := range rejects {
			errs = append(errs, r.Errors...)
		}
		publish(errs)
		return cancel || ctx.Err() != nil, nil
	})
	if b != nil {
		// The batch did not finish: undo what it wrote, and free the
		// writer for the job's own update.
		b.tx.Rollback()
	}
	if err != nil {
		return im.fail(imp, err)
	}
	imp.Worker, imp.RunTime = "", p.runTime()
	switch {
	case ctx.Err() != nil && stopped:
		imp.Status = crm.ImportInterrupted
	case stopped:
		imp.Status, imp.FinishedAt = crm.ImportCancelled, im.now()
	case imp.Counts.Rejected > 0:
		imp.Status, imp.FinishedAt = crm.ImportCompletedWithErrors, im.now()
	default:
		imp.Status, imp.FinishedAt = crm.ImportCompleted, im.now()
	}
	if err := im.store.FinishImport(context.WithoutCancel(ctx), imp, im.worker); err != nil {
		return nil, err
	}
	publish(nil)
	return imp, nil
}

// renewLease renews this process's lease on import id every third of the
// lease until ctx ends; when the import is no longer this process's, it
// calls lost. A renewal that fails (the database down a moment) is tried
// again at the next tick: the batches' own checkpoints renew it too.
func (im *Importer) renewLease(ctx context.Context, id int64, lost func()) {
	t := time.NewTicker(im.lease() / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ours, err := im.store.RenewLease(ctx, id, im.worker)
		if err == nil && !ours {
			im.log().Warn("import taken over by another process", "import", id)
			lost()
			return
		}
	}
}

// chunkBytes is about the most memory the records of one chunk may hold: a
// chunk is handed over early when its records pass it, so that a chunk of
// very wide rows (a row of 1 MB may hold 500,000 cells) is as bounded as
// one of ordinary rows.
const chunkBytes = 2 << 20

// batchBytes is about the most memory the records of one batch may hold
// until it commits: a batch keeps its rejected rows, cells and all, for its
// transaction. A batch is ended early when its records pass it; this only
// happens with huge rows, and each batch still commits with its checkpoint,
// so a resume goes on after it as after any other.
const batchBytes = 4 << 20

// chunk is part of a batch, in file order; last marks the batch's end.
type chunk struct {
	records []*record
	last    bool
}

// each reads the file, skipping the first done records (already committed
// by an earlier run), and hands each batch to flush in chunks. When ctx ends
// it reads to the end of the batch in flight and stops there; it stops at
// once when flush says so. It reports whether it stopped early.
//
// While flush writes one chunk, the next is read and validated by another
// goroutine: SQLite's work and the parsing then use a core each, instead of
// taking turns. They meet on one unbuffered channel; when flush stops the
// loop, quit tells the reader, and the loop drains the channel until the
// reader has closed it, so neither side is left waiting.
func (p *pass) each(ctx context.Context, done int, flush func(records []*record, last bool) (stop bool, err error)) (bool, error) {
	chunks, quit := make(chan chunk), make(chan struct{})
	var readErr error
	go func() {
		defer close(chunks)
		readErr = p.read(ctx, done, chunks, quit)
	}()
	for c := range chunks {
		if stop, err := flush(c.records, c.last); err != nil || stop {
			close(quit)
			for range chunks {
			}
			return stop, err
		}
	}
	if readErr != nil {
		return false, readErr
	}
	return ctx.Err() != nil, nil
}

// read sends the file's records, from the one after the first done, to out
// in chunks. It stops before a new batch once ctx has ended, and at once
// when quit is closed.
func (p *pass) read(ctx context.Context, done int, out chan<- chunk, quit <-chan struct{}) error {
	// The batch in flight is read to its end even once ctx ends.
	f, err := p.im.sources.Open(context.WithoutCancel(ctx), p.imp.ID)
	if errors.Is(err, fs.ErrNotExist) {
		return p.im.sourceGone(ctx, p.imp)
	}
	if err != nil {
		return fmt.Errorf("open the import's file: %w", err)
	}
	defer f.Close()
	delim, err := delimiter(p.imp)
	if err != nil {
		return err
	}
	cr, err := csvin.NewReader(bufio.NewReaderSize(f, 256<<10), csvin.Format{
		Encoding: csvin.Encoding(p.imp.Encoding), Delimiter: delim, HeaderLine: p.imp.HeaderLine,
	})
	if err != nil {
		return fmt.Errorf("read the import's file: %w", err)
	}
	// A batch travels to the database in chunks, all in the batch's one
	// transaction, so that memory holds a chunk or two whatever the batch
	// size; a chunk is as many records as the database takes best at once.
	size, chunkSize := p.imp.Options.BatchSize, p.im.batches.ChunkSize()
	c := chunk{records: make([]*record, 0, min(size, chunkSize))}
	var cBytes, inBatch, bBytes int // the chunk's memory; the batch's records and memory
	send := func() bool {
		select {
		case out <- c:
			if c.last {
				inBatch, bBytes = 0, 0
			}
			c, cBytes = chunk{records: make([]*record, 0, min(size, chunkSize))}, 0
			return true
		case <-quit:
			return false
		}
	}
	n := 0 // records read, the first done included
	for {
		if inBatch == 0 && n >= done && ctx.Err() != nil {
			return nil
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			if inBatch > 0 { // the last batch is not full: end it
				c.last = true
				send()
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("read the import's file: %w", err)
		}
		if blankRow(rec, delim) {
			continue
		}
		if n++; n <= done {
			continue
		}
		r := p.prepare(rec)
		c.records = append(c.records, r)
		inBatch++
		cBytes += r.size()
		bBytes += r.size()
		c.last = inBatch == size || bBytes >= batchBytes
		if (c.last || len(c.records) == chunkSize || cBytes >= chunkBytes) && !send() {
			return nil
		}
	}
}

// size is about how much memory r holds: its cells and their headers, its
// text and its messages.
func (r *record) size() int {
	n := 256 + len(r.raw) + 16*cap(r.cells)
	for _, c := range r.cells {
		n += len(c)
	}
	for _, e := range r.errs {
		n += 64 + len(e.Value) + len(e.Message)
	}
	return n
}

// prepare turns a row into a validated customer, or a rejected record.
func (p *pass) prepare(rec *csvin.Record) *record {
	r := &record{line: rec.Line, row: rec.Row, cells: slices.Clone(rec.Fields)}
	if rec.Err != nil {
		msg := rec.Err.Error()
		var re *csvin.RecordError
		if errors.As(rec.Err, &re) {
			msg = "The row " + re.Msg + "."
		}
		if len(r.cells) > max(len(p.imp.Columns), cmp.Or(p.im.MaxColumns, DefaultMaxColumns)) {
			// Wider than any file localcrm takes (and than a spreadsheet
			// shows): kept as its text, which takes a sixth of the memory
			// of its cells when they are short.
			r.cells = nil
		}
		if r.cells == nil {
			r.raw = rec.Raw
		}
		r.reject("", rec.Raw, msg)
		return r
	}
	c := &crm.Customer{Values: make(map[string]string, len(p.columns))}
	for _, col := range p.columns {
		v := rec.Fields[col.index]
		if col.key == crm.KeyAccountNumber {
			r.account = p.parseAccount(r, v)
			continue
		}
		c.Values[col.key] = v
	}
	r.name = strings.TrimSpace(strings.TrimSpace(c.Values[crm.KeyFirstName]) + " " + strings.TrimSpace(c.Values[crm.KeyLastName]))
	r.email = strings.TrimSpace(c.Values[crm.KeyEmail])
	p.dates.count(c)
	err := p.sc.Validate(c, p.validate)
	var v *crm.ValidationError
	if errors.As(err, &v) && p.imp.Options.KeepRecord && p.leaveOut(r, c, v.Problems) {
		err = nil
	}
	if err != nil {
		bad := make(map[string]bool, len(v.Problems))
		for _, pr := range v.Problems {
			r.reject(pr.Field, pr.Value, pr.Message)
			bad[pr.Field] = true
		}
		if p.phones.check { // every problem of the row at once
			p.phones.read(r, c, rec.Fields, p.sc, bad)
		}
		return r
	}
	errs := len(r.errs)
	if p.phones.read(r, c, rec.Fields, p.sc, nil); len(r.errs) > errs {
		return r
	}
	r.customer = c
	if e := c.Get(crm.KeyEmail); e != "" {
		r.emailKey = store.EmailKey(e)
	}
	if p.report != nil { // a real run: the words are written
		r.words = store.SearchWords(c, p.sc)
	}
	return r
}

// leaveOut keeps a record whose only problems are bad values of optional
// fields, leaving those values out, and says so in r.leftOut. A required
// field's problem, or the email's (it names the customer to create or
// update), still rejects the record: it reports whether the record is kept.
func (p *pass) leaveOut(r *record, c *crm.Customer, problems []crm.Problem) bool {
	for _, pr := range problems {
		f, ok := p.sc.Field(pr.Field)
		if !ok || f.Required || f.Key == crm.KeyEmail || f.Key == crm.KeyAccountNumber {
			return false
		}
	}
	kept := maps.Clone(c.Values)
	for _, pr := range problems {
		delete(c.Values, pr.Field)
	}
	if p.sc.Validate(c, p.validate) != nil {
		c.Values = kept
		return false
	}
	for _, pr := range problems {
		r.leftOut = append(r.leftOut, fmt.Sprintf("Left out %q: %s", crm.Shorten(pr.Value), pr.Message))
	}
	return true
}

// parseAccount reads the account number column; blank means "find the
// customer by email instead".
func (p *pass) parseAccount(r *record, v string) int64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < crm.AccountNumberStart || n > 99999999 {
		r.reject(crm.KeyAccountNumber, v, "Account Number must be the 8-digit number localcrm gave an existing customer, such as 10000042.")
		return 0
	}
	return n
}

func (r *record) reject(field, value, message string) {
	// The value is copied: as a part of the row's text it would keep the
	// whole row alive for as long as the error is kept, and a dry run's
	// JSON keeps every error.
	r.errs = append(r.errs, crm.RowError{Line: r.line, Row: r.row, Field: field, Value: strings.Clone(crm.Shorten(value)), Message: message})
	r.outcome = "rejected"
}

// lookup finds the customers that the records of a batch not yet decided
// name by email key or account number.
func lookup(ctx context.Context, batch []*record, find func(context.Context, []string, []int64) (map[string]*crm.Existing, map[int64]*crm.Existing, error)) (map[string]*crm.Existing, map[int64]*crm.Existing, error) {
	var keys []string
	var accounts []int64
	for _, r := range batch {
		if r.outcome != "" {
			continue
		}
		if r.emailKey != "" {
			keys = append(keys, r.emailKey)
		}
		if r.account != 0 {
			accounts = append(accounts, r.account)
		}
	}
	return find(ctx, keys, accounts)
}

func matchField(r *record) string {
	if r.account != 0 {
		return crm.KeyAccountNumber
	}
	return crm.KeyEmail
}

func matchValue(r *record, email string) string {
	if r.account != 0 {
		return strconv.FormatInt(r.account, 10)
	}
	return email
}

// batch is an open batch: its transaction and what its records did so far.
type batch struct {
	tx      Batch
	counts  crm.ImportCounts // the job's counts, this batch's records included
	rejects []crm.Reject     // the batch's rejected records, with their errors
}

func (p *pass) begin(ctx context.Context) (*batch, error) {
	tx, err := p.im.batches.BeginBatch(ctx, p.imp, p.sc)
	if err != nil {
		return nil, err
	}
	counts := p.imp.Counts
	counts.Changes = maps.Clone(counts.Changes) // p.imp's stay as they are until the batch commits
	return &batch{tx: tx, counts: counts}, nil
}

// add writes records, the next of b's, in b's transaction, and reports them.
func (p *pass) add(ctx context.Context, b *batch, records []*record) error {
	byEmail, byAccount, err := lookup(ctx, records, b.tx.Existing)
	if err != nil {
		return err
	}
	creates, updates, befores := p.decider.decide(records, byEmail, byAccount)
	cs, lines, words := make([]*crm.Customer, len(creates)), make([]int, len(creates)), make([]store.Words, len(creates))
	for i, r := range creates {
		cs[i], lines[i], words[i] = r.customer, r.line, r.words
	}
	if err := b.tx.Insert(ctx, cs, lines, words); err != nil {
		return err
	}
	for i, r := range updates {
		if err := b.tx.Update(ctx, befores[i], r.customer, r.line); err != nil {
			return err
		}
	}
	for _, r := range records {
		if tally(&b.counts, r) {
			b.rejects = append(b.rejects, crm.Reject{Line: r.line, Cells: r.rejectCells(), Message: r.message(), Errors: r.errs})
		}
		if err := p.report.write(r); err != nil {
			return err
		}
	}
	return nil
}

// commit commits b with the job's checkpoint and reports whether a cancel
// was requested.
func (p *pass) commit(ctx context.Context, b *batch) (bool, error) {
	defer b.tx.Rollback()
	b.counts.Batches++
	lines, err := p.report.take()
	if err != nil {
		return false, err
	}
	cp := crm.Checkpoint{Counts: b.counts, RunTime: p.runTime(), Rejects: b.rejects, Report: lines}
	cancel, err := b.tx.Commit(ctx, cp)
	if err != nil {
		return false, err // the batch did not happen: the job keeps its last checkpoint
	}
	p.imp.Counts, p.imp.RunTime = cp.Counts, cp.RunTime
	return cancel, nil
}

// tally counts r's outcome in c and reports whether r was rejected.
func tally(c *crm.ImportCounts, r *record) (rejected bool) {
	c.Records++
	switch r.outcome {
	case "created":
		c.Created++
		c.PhonesAsWritten += r.asWritten
		c.LeftOut += len(r.leftOut)
	case "updated":
		c.Updated++
		c.PhonesAsWritten += r.asWritten
		c.LeftOut += len(r.leftOut)
		for _, ch := range r.changes {
			if c.Changes == nil {
				c.Changes = map[string]int{}
			}
			c.Changes[ch.Field]++
		}
	case "skipped":
		c.Skipped++
	default:
		c.Rejected++
		return true
	}
	return false
}

func (r *record) rejectCells() []string {
	if r.cells == nil {
		return []string{r.raw}
	}
	return r.cells
}

// message joins a record's errors for the rejects file's error column, or
// for the report says what a record kept left out.
func (r *record) message() string {
	if len(r.errs) == 0 {
		return strings.Join(r.leftOut, " ")
	}
	msgs := make([]string, len(r.errs))
	for i, e := range r.errs {
		msgs[i] = e.Message
	}
	return strings.Join(msgs, " ")
}

// reportLines holds a batch's lines of the import's report, one per
// record, until the batch commits them with its checkpoint.
type reportLines struct {
	buf bytes.Buffer
	w   *csvin.Writer
}

// reportHeader is the report's first row. row, name and email came later
// and follow the first columns, which keep their places.
var reportHeader = []string{"line", "outcome", "account_number", "message", "row", "name", "email"}

func newReportLines() *reportLines {
	rl := &reportLines{}
	rl.w = csvin.NewWriter(&rl.buf, ',')
	return rl
}

func (rl *reportLines) write(r *record) error {
	acct := ""
	if r.customer != nil && r.customer.AccountNumber != 0 {
		acct = strconv.FormatInt(r.customer.AccountNumber, 10)
	}
	return rl.w.Write([]string{strconv.Itoa(r.line), r.outcome, acct, r.message(), strconv.Itoa(r.row), r.name, r.email})
}

// take returns the lines written since the last take.
func (rl *reportLines) take() (string, error) {
	if err := rl.w.Flush(); err != nil {
		return "", err
	}
	lines := rl.buf.String()
	rl.buf.Reset()
	return lines, nil
}
