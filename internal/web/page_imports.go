package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/csvin"
	"localcrm/internal/importer"
)

// importListPage is the Imports tab: every import, newest first.
type importListPage struct {
	pageMeta
	Imports []importRow
}

// importRow is one import of the history.
type importRow struct {
	ID        int64
	File      string
	Status    crm.ImportStatus
	CreatedAt time.Time
	Total     int
	Counts    crm.ImportCounts
	Started   bool // it has a report to download
	Resumable bool
	Deletable bool             // it is not running
	Age       string           // how long a pending import has waited: "3 days ago"
	Revert    crm.RevertStatus // its revert's, if it has one
}

func (p *pages) importList(w http.ResponseWriter, r *http.Request) {
	imps, err := p.Importer.List(r.Context())
	if err != nil {
		p.pageError(w, r, tabImports, err)
		return
	}
	data := importListPage{pageMeta: pageMeta{Title: "Imports", Tab: tabImports}}
	now := time.Now()
	for _, imp := range imps {
		row := importRow{
			ID: imp.ID, File: imp.FileName, Status: imp.Status, CreatedAt: imp.CreatedAt,
			Total: imp.Total, Counts: imp.Counts, Started: !imp.StartedAt.IsZero(),
			Resumable: imp.Resumable(), Deletable: !imp.Status.Active(),
		}
		if imp.Revert != nil {
			row.Revert = imp.Revert.Status
		}
		if imp.Status == crm.ImportPending {
			// A file set up and left: its age tells whether anyone still means to start it.
			row.Age = pageAgo(now.Sub(imp.CreatedAt))
		}
		data.Imports = append(data.Imports, row)
	}
	p.render(w, r, http.StatusOK, "imports.html", &data)
}

// wizardPage is the import wizard's page; its script drives steps 1 to 3
// through the JSON API and goes to the import's own page at Start.
type wizardPage struct {
	pageMeta
	Wizard wizardData // handed to the script as JSON
}

// wizardData is what the wizard's script needs from the server: the fields
// a column can map to and the choices of each option.
type wizardData struct {
	Fields      []wizardField `json:"fields"`
	Encodings   []pageChoice  `json:"encodings"`
	Delimiters  []pageChoice  `json:"delimiters"`
	Duplicates  []pageChoice  `json:"duplicates"`
	DateFormats []pageChoice  `json:"date_formats"`
	UpdateRules []pageChoice  `json:"update_rules"`
	BatchSize   int           `json:"batch_size"`
	MaxBatch    int           `json:"max_batch"`
	MaxUpload   int64         `json:"max_upload"`
	// CanCreateFields says whether the reader may create a custom field
	// for an unmatched column: only admins may, so the wizard hides the
	// offer from managers rather than let it fail.
	CanCreateFields bool `json:"can_create_fields"`
}

// wizardField is a field a column can be mapped to.
type wizardField struct {
	Key      string        `json:"key"`
	Label    string        `json:"label"`
	Type     crm.FieldType `json:"type"`
	Required bool          `json:"required"`
	Standard bool          `json:"standard"`
}

// pageChoice is one option of a select or radio group.
type pageChoice struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Help  string `json:"help,omitempty"`
}

func (p *pages) importWizard(w http.ResponseWriter, r *http.Request) {
	sc, err := p.Store.Schema(r.Context())
	if err != nil {
		p.pageError(w, r, tabImports, err)
		return
	}
	data := wizardData{
		Encodings: []pageChoice{
			{"", "Detect automatically", ""},
			{string(csvin.UTF8), "UTF-8", ""},
			{string(csvin.UTF16LE), "UTF-16 LE", ""},
			{string(csvin.UTF16BE), "UTF-16 BE", ""},
			{string(csvin.Windows1252), "Windows-1252 (Western European)", ""},
		},
		Delimiters: []pageChoice{
			{"", "Detect automatically", ""},
			{"comma", "Comma ( , )", ""},
			{"semicolon", "Semicolon ( ; )", ""},
			{"tab", "Tab", ""},
			{"pipe", "Pipe ( | )", ""},
		},
		Duplicates: []pageChoice{
			{string(crm.DuplicateReject), "Reject the record", "It is listed in the report with the existing customer's account number."},
			{string(crm.DuplicateSkip), "Skip the record", "It is counted as skipped; the existing customer is left as it is."},
			{string(crm.DuplicateUpdate), "Update the existing customer", "Its fields change as the rules below say; blank cells never erase data unless you choose so for a field."},
		},
		UpdateRules: []pageChoice{
			{string(crm.RuleOverwrite), "Replace with the file's value", ""},
			{string(crm.RuleFillEmpty), "Fill only if empty", ""},
			{string(crm.RuleKeep), "Keep the customer's value", ""},
		},
		BatchSize: crm.DefaultBatchSize,
		MaxBatch:  crm.MaxBatchSize,
		MaxUpload: p.MaxUpload,
	}
	if c := callerFrom(r.Context()); c != nil {
		data.CanCreateFields = c.role().Allows(crm.RoleAdmin)
	}
	for _, f := range crm.DateFormats {
		data.DateFormats = append(data.DateFormats, pageChoice{Value: string(f), Label: string(f)})
	}
	for _, f := range sc.Fields {
		data.Fields = append(data.Fields, wizardField{Key: f.Key, Label: f.Label, Type: f.Type, Required: f.Required, Standard: f.Standard})
	}
	p.render(w, r, http.StatusOK, "import_new.html", &wizardPage{
		pageMeta: pageMeta{Title: "New import", Tab: tabImports},
		Wizard:   data,
	})
}

// importPage shows one import: its progress while it runs (step 4 of the
// wizard) and its report once it has ended (step 5).
type importPage struct {
	pageMeta
	Summary   *importer.Summary
	Step      int
	Percent   int
	Mapping   []mappingRow
	Errors    []importError
	ErrorCap  bool // the list stops at its cap; the report has every error
	Running   bool
	Pending   bool
	Deletable bool // not running: Delete is offered
	Finished  bool
	Resumable bool
	Cancel    bool // a cancel was asked for and the batch in flight is ending
	Downloads bool // the import has run, so its reports mean something
	Changed   bool // it created or updated customers: the report links to them
	Error     string
	Rate      string            // records per second so far, while it runs
	Left      string            // estimated time to the end, while it runs
	Duration  string            // how long it took, once ended
	Size      string            // the file's size for people
	Uploaded  string            // when the file was uploaded
	Started   string            // when the import started
	Ended     string            // when it ended
	Labels    map[string]string // field key → label, for the script's error rows
	// Revertable: Revert is offered (the import ran, is not running, and
	// has not been reverted yet, or its revert stopped and may go on).
	Revertable bool
	Revert     *importer.RevertSummary // its revert, begun or done
	Reverting  bool                    // its revert runs: the page follows it
	RevertedAt string
	Kept       []crm.RevertItem // the first customers its revert kept, with why
	KeptMore   bool
}

// mappingRow is one column of the file and the field it fills.
type mappingRow struct {
	Column string
	Field  string // the field's label; empty for an ignored column
}

// importError is one problem of a rejected record, with the field's label.
type importError struct {
	crm.RowError
	FieldLabel string
}

// importErrorCap bounds the problems the page lists; the downloads have all.
const importErrorCap = 1000

func (p *pages) importShow(w http.ResponseWriter, r *http.Request) {
	imp, ok := p.pageImport(w, r)
	if !ok {
		return
	}
	data, err := p.importView(r, imp)
	if err != nil {
		p.pageError(w, r, tabImports, err)
		return
	}
	p.render(w, r, http.StatusOK, "import.html", &data)
}

func (p *pages) importView(r *http.Request, imp *crm.Import) (importPage, error) {
	s, err := p.summarize(r.Context(), imp, importErrorCap)
	if err != nil {
		return importPage{}, err
	}
	sc, err := p.Store.Schema(r.Context())
	if err != nil {
		return importPage{}, err
	}
	label := func(key string) string {
		if f, ok := sc.Field(key); ok {
			return f.Label
		}
		return key
	}
	data := importPage{
		pageMeta:  pageMeta{Title: fmt.Sprintf("Import %d: %s", imp.ID, imp.FileName), Tab: tabImports},
		Summary:   s,
		Step:      4,
		Running:   imp.Status.Active(),
		Pending:   imp.Status == crm.ImportPending,
		Deletable: !imp.Status.Active(),
		Finished:  imp.Status.Finished(),
		Resumable: imp.Resumable(),
		Cancel:    imp.CancelRequested && imp.Status == crm.ImportRunning,
		Error:     imp.Error,
		ErrorCap:  len(s.Errors) >= importErrorCap,
	}
	if data.Finished {
		data.Step = 5
	}
	data.Downloads = !data.Running && !data.Pending && !imp.StartedAt.IsZero()
	data.Changed = data.Downloads && imp.Counts.Created+imp.Counts.Updated > 0
	data.Size = pageBytes(imp.FileSize)
	data.Uploaded, data.Started, data.Ended = pageTime(imp.CreatedAt), pageTime(imp.StartedAt), pageTime(imp.FinishedAt)
	data.Rate, data.Left, data.Duration = "—", "—", "—"
	// Rates and durations come from the time the import spent running, as
	// of its last checkpoint: not from its start, since an import that was
	// interrupted may have waited hours to be resumed.
	if rate := imp.Rate(); rate > 0 {
		if data.Running || data.Finished {
			data.Rate = pageRate(rate)
		}
		if data.Running {
			data.Left = "about " + pageDuration(time.Duration(float64(imp.Total-imp.Counts.Records)/rate*float64(time.Second)))
		}
	}
	if imp.RunTime > 0 && !imp.FinishedAt.IsZero() {
		data.Duration = pageDuration(imp.RunTime)
	}
	data.Labels = make(map[string]string, len(sc.Fields))
	for _, f := range sc.Fields {
		data.Labels[f.Key] = f.Label
	}
	if imp.Total > 0 {
		data.Percent = min(100, imp.Counts.Records*100/imp.Total)
	} else if data.Finished {
		data.Percent = 100
	}
	for _, col := range imp.Columns {
		row := mappingRow{Column: col}
		if key := imp.Options.Mapping[col]; key != "" {
			row.Field = label(key)
		}
		data.Mapping = append(data.Mapping, row)
	}
	data.Revertable = crm.RevertRefusal(imp) == "" && !(imp.Revert != nil && imp.Revert.Status == crm.RevertRunning)
	if data.Revert = s.Revert; imp.Revert != nil {
		data.Reverting = imp.Revert.Status == crm.RevertRunning
		data.RevertedAt = pageTime(imp.Revert.FinishedAt)
		data.Kept, data.KeptMore, err = p.Importer.RevertItems(r.Context(), imp.ID, crm.RevertKept, revertKeptShown)
		if err != nil {
			return importPage{}, err
		}
	}
	for _, e := range s.Errors {
		ie := importError{RowError: e, FieldLabel: "the row"}
		if e.Field != "" {
			ie.FieldLabel = label(e.Field)
		}
		data.Errors = append(data.Errors, ie)
	}
	return data, nil
}

// pageImport finds the import of the path, marking it interrupted if its
// worker is gone.
func (p *pages) pageImport(w http.ResponseWriter, r *http.Request) (*crm.Import, bool) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		p.pageNotFound(w, r, tabImports, fmt.Sprintf("import %q", raw))
		return nil, false
	}
	imp, err := p.Importer.Get(r.Context(), id)
	if err != nil {
		p.pageError(w, r, tabImports, err)
		return nil, false
	}
	return imp, true
}

// importActionFailed shows the import again with why the action was refused.
func (p *pages) importActionFailed(w http.ResponseWriter, r *http.Request, imp *crm.Import, err error) {
	if imp == nil {
		p.pageError(w, r, tabImports, err)
		return
	}
	if fresh, gerr := p.Importer.Get(r.Context(), imp.ID); gerr == nil {
		imp = fresh
	}
	data, verr := p.importView(r, imp)
	if verr != nil {
		p.pageError(w, r, tabImports, verr)
		return
	}
	data.Alert = err.Error()
	p.render(w, r, http.StatusConflict, "import.html", &data)
}

// importCancelConfirm asks before cancelling an import: a click must not
// stop an import halfway by mistake, and the page says what stays.
func (p *pages) importCancelConfirm(w http.ResponseWriter, r *http.Request) {
	imp, ok := p.pageImport(w, r)
	if !ok {
		return
	}
	name := fmt.Sprintf("import #%d", imp.ID)
	page := &confirmPage{
		pageMeta: pageMeta{Title: "Cancel " + name + "?", Tab: tabImports},
		Question: fmt.Sprintf("Cancel %s (%s)?", name, imp.FileName),
		Detail: fmt.Sprintf("It stops after the batch in flight. The customers it has loaded so far (%s of %s records read) stay: "+
			"afterwards you can resume it, to load the rest, or revert it, to take them back.", pageThousands(int64(imp.Counts.Records)), pageThousands(int64(imp.Total))),
		Action: fmt.Sprintf("/imports/%d/cancel", imp.ID),
		Button: "Cancel " + name,
		Back:   fmt.Sprintf("/imports/%d", imp.ID),
	}
	switch {
	case imp.Status == crm.ImportPending:
		page.Title, page.Question = "Discard "+name+"?", fmt.Sprintf("Discard %s (%s)?", name, imp.FileName)
		page.Detail, page.Button = "It was never started, so no customer came from it.", "Discard "+name
	case !imp.Status.Active():
		p.importActionFailed(w, r, imp, crm.Invalid("status", string(imp.Status), fmt.Sprintf("Import %d is already %s.", imp.ID, imp.Status)))
		return
	}
	p.render(w, r, http.StatusOK, "confirm.html", page)
}

func (p *pages) importCancel(w http.ResponseWriter, r *http.Request) {
	imp, ok := p.pageImport(w, r)
	if !ok {
		return
	}
	if _, err := p.Importer.Cancel(r.Context(), imp.ID); err != nil {
		if !pageUserError(err) {
			p.pageError(w, r, tabImports, err)
			return
		}
		p.importActionFailed(w, r, imp, err)
		return
	}
	msg := "The import was asked to stop: it ends after the batch in flight, and what was committed stays."
	if imp.Status == crm.ImportPending {
		msg = "The import was discarded; it was never started."
	}
	p.redirectFlash(w, r, fmt.Sprintf("/imports/%d", imp.ID), msg)
}

func (p *pages) importResume(w http.ResponseWriter, r *http.Request) {
	imp, ok := p.pageImport(w, r)
	if !ok {
		return
	}
	if _, err := p.Runner.Resume(r.Context(), imp.ID); err != nil {
		if !pageUserError(err) {
			p.pageError(w, r, tabImports, err)
			return
		}
		p.importActionFailed(w, r, imp, err)
		return
	}
	p.redirectFlash(w, r, fmt.Sprintf("/imports/%d", imp.ID), "The import resumes from its last committed batch.")
}

// revertKeptShown is how many of the customers a revert keeps its pages
// list; the revert's report lists them all.
const revertKeptShown = 100

// revertPage previews a revert and asks before it: what it would delete,
// restore and keep, and why it keeps what it keeps.
type revertPage struct {
	pageMeta
	ID      int64
	File    string
	Force   bool
	Preview *importer.RevertPreview
	Again   bool // its revert stopped midway and goes on
}

func (p *pages) importRevertConfirm(w http.ResponseWriter, r *http.Request) {
	imp, ok := p.pageImport(w, r)
	if !ok {
		return
	}
	force := r.URL.Query().Get("force") != ""
	preview, err := p.Importer.PreviewRevert(r.Context(), imp.ID, force, revertKeptShown)
	if err != nil {
		if !pageUserError(err) || errors.Is(err, crm.ErrNotFound) {
			p.pageError(w, r, tabImports, err)
			return
		}
		p.importActionFailed(w, r, imp, err)
		return
	}
	p.render(w, r, http.StatusOK, "revert.html", &revertPage{
		pageMeta: pageMeta{Title: fmt.Sprintf("Revert import #%d?", imp.ID), Tab: tabImports},
		ID:       imp.ID, File: imp.FileName, Force: force, Preview: preview, Again: imp.Revert != nil,
	})
}

func (p *pages) importRevert(w http.ResponseWriter, r *http.Request) {
	imp, ok := p.pageImport(w, r)
	if !ok {
		return
	}
	if _, err := p.Runner.Revert(r.Context(), imp.ID, r.PostFormValue("force") != ""); err != nil {
		if !pageUserError(err) || errors.Is(err, crm.ErrNotFound) {
			p.pageError(w, r, tabImports, err)
			return
		}
		p.importActionFailed(w, r, imp, err)
		return
	}
	p.redirectFlash(w, r, fmt.Sprintf("/imports/%d", imp.ID), "The import is being reverted; this page shows what was done.")
}

// importDeleteConfirm asks before deleting an import. A running import
// cannot be deleted: its page says so, next to its Cancel button.
func (p *pages) importDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	imp, ok := p.pageImport(w, r)
	if !ok {
		return
	}
	if imp.Status.Active() {
		p.importActionFailed(w, r, imp, importRunningError(imp.ID))
		return
	}
	detail := "Its file, its report and its list of rejected records are deleted. The customers it created or updated stay as they are. This cannot be undone."
	if imp.Status == crm.ImportPending {
		detail = "It was never started, so no customer came from it; the uploaded file is deleted. This cannot be undone."
	}
	name := fmt.Sprintf("import #%d", imp.ID)
	p.render(w, r, http.StatusOK, "confirm.html", &confirmPage{
		pageMeta: pageMeta{Title: "Delete " + name + "?", Tab: tabImports},
		Question: fmt.Sprintf("Delete %s (%s)?", name, imp.FileName),
		Detail:   detail,
		Action:   fmt.Sprintf("/imports/%d/delete", imp.ID),
		Button:   "Delete " + name,
		Back:     fmt.Sprintf("/imports/%d", imp.ID),
	})
}

func (p *pages) importDelete(w http.ResponseWriter, r *http.Request) {
	imp, ok := p.pageImport(w, r)
	if !ok {
		return
	}
	if err := p.Importer.Delete(r.Context(), imp.ID); err != nil {
		if !pageUserError(err) || errors.Is(err, crm.ErrNotFound) {
			p.pageError(w, r, tabImports, err)
			return
		}
		p.importActionFailed(w, r, imp, err)
		return
	}
	p.redirectFlash(w, r, "/imports", fmt.Sprintf("Import #%d (%s) was deleted. The customers it loaded stay.", imp.ID, imp.FileName))
}

// importRunningError is why a running import cannot be deleted, in the
// importer's words.
func importRunningError(id int64) error {
	return crm.Invalid("status", string(crm.ImportRunning), fmt.Sprintf("Import %d is running; cancel it before deleting it.", id))
}

// pageAgo says how long ago something happened, as people say it: "just
// now", "5 minutes ago", "3 days ago".
func pageAgo(d time.Duration) string {
	unit := func(n int64, name string) string {
		if n == 1 {
			return "1 " + name + " ago"
		}
		return fmt.Sprintf("%d %ss ago", n, name)
	}
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return unit(int64(d/time.Minute), "minute")
	case d < 24*time.Hour:
		return unit(int64(d/time.Hour), "hour")
	}
	return unit(int64(d/(24*time.Hour)), "day")
}

// pageRate writes a rate of records per second.
func pageRate(r float64) string {
	if r >= 10 {
		return pageThousands(int64(r+0.5)) + " records/s"
	}
	return strconv.FormatFloat(r, 'f', 1, 64) + " records/s"
}

// pageDuration writes a duration as people say it: "3 s", "2 min 5 s",
// "1 h 4 min".
func pageDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case d < time.Second:
		return "under a second"
	case s < 60:
		return fmt.Sprintf("%d s", s)
	case s < 3600:
		return fmt.Sprintf("%d min %d s", s/60, s%60)
	}
	return fmt.Sprintf("%d h %d min", s/3600, s%3600/60)
}

// pageBytes writes a file size as people read it: "512 bytes", "737 KB",
// "1.2 MB", "3.4 GB", in units of 1,024 as the wizard's upload limit is.
func pageBytes(n int64) string {
	const kb, mb, gb = 1 << 10, 1 << 20, 1 << 30
	switch {
	case n == 1:
		return "1 byte"
	case n < kb:
		return fmt.Sprintf("%d bytes", n)
	case n < mb-kb/2: // 1,048,064 bytes would round to "1,024 KB"
		return pageThousands((n+kb/2)/kb) + " KB"
	case n < gb-mb/20:
		return strconv.FormatFloat(float64(n)/mb, 'f', 1, 64) + " MB"
	}
	return strconv.FormatFloat(float64(n)/gb, 'f', 1, 64) + " GB"
}
