package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"localcrm/internal/crm"
	"localcrm/internal/csvin"
	"localcrm/internal/importer"
)

// apiImportErrorsShown is how many errors GET /api/v1/imports/{id} gives;
// report.json has them all.
const apiImportErrorsShown = 100

// apiDryRunErrorsShown is how many errors a dry run gives, as the wizard's
// summary step shows them.
const apiDryRunErrorsShown = 20

// apiFormSlack is what a multipart upload may bring beside the file
// itself: part headers, boundaries and the small form fields.
const apiFormSlack = 64 << 10

// apiUploadResponse is the response of POST /api/v1/imports: what the
// wizard's first two steps show of a new, pending import.
type apiUploadResponse struct {
	ID               int64             `json:"id"`
	Status           crm.ImportStatus  `json:"status"`
	File             string            `json:"file"`
	Size             int64             `json:"size"`
	Encoding         string            `json:"encoding"`
	BOM              bool              `json:"bom"`
	Delimiter        string            `json:"delimiter"`
	HeaderLine       int               `json:"header_line"`
	Records          int               `json:"records"` // data records in the file
	Columns          []string          `json:"columns"`
	Preview          [][]string        `json:"preview"`           // the first records, cell by cell
	SuggestedMapping map[string]string `json:"suggested_mapping"` // column → field key
	Reasons          map[string]string `json:"reasons"`           // column → why it was suggested, or why it was left to the user
	// Choices names, for a column that fits two fields equally, both, for
	// the user to choose: the suggestion leaves it unmapped.
	Choices  map[string][]string `json:"choices"`
	Unmapped []string            `json:"unmapped"` // columns the suggestion leaves out
	// The import's options: the defaults, or those of the earlier import
	// whose header the file shares (its reasons say "as in import N"),
	// which a team importing the same export again wants again.
	OnDuplicate   crm.DuplicatePolicy `json:"on_duplicate"`
	DateFormat    crm.DateFormat      `json:"date_format"`
	BatchSize     int                 `json:"batch_size"`
	UpdateRules   crm.UpdateRules     `json:"update_rules"`
	KeepRecord    bool                `json:"keep_record"`
	Country       string              `json:"country"`
	CountryColumn string              `json:"country_column"`
	CheckPhones   bool                `json:"check_phones"`
	// Sheet and Sheets, for an Excel workbook: the sheet read (kept as
	// UTF-8 CSV, which encoding and delimiter then describe) and every
	// sheet of the workbook.
	Sheet  string   `json:"sheet,omitempty"`
	Sheets []string `json:"sheets,omitempty"`
}

// apiImportUpload keeps an uploaded CSV file as a new pending import. The
// file is streamed from the request into the importer, never held in
// memory, and refused as soon as it passes the upload limit, so that a
// huge upload cannot fill the disk. The encoding and delimiter overrides,
// and the sheet of an Excel workbook, may come as query parameters or as
// form fields before the file.
func (h *Handler) apiImportUpload(w http.ResponseWriter, r *http.Request) error {
	limit := h.MaxUpload
	tooLarge := apiFail(crm.ErrTooLarge, map[string]string{"file": fmt.Sprintf("The file is larger than %s.", apiMB(limit))},
		"The file is larger than %s, the upload limit of this server; split it into smaller files.", apiMB(limit))
	if r.ContentLength > limit+apiFormSlack {
		return tooLarge
	}
	longRead(w)
	body := &apiUploadReader{r: http.MaxBytesReader(w, r.Body, limit+apiFormSlack), limit: -1}
	r.Body = struct {
		io.Reader
		io.Closer
	}{body, r.Body}
	mr, err := r.MultipartReader()
	if err != nil {
		return apiFail(crm.ErrInvalid, map[string]string{"file": "No file was sent."},
			"Send the CSV file as multipart/form-data, in a field named file.")
	}
	ctx := r.Context()
	q := r.URL.Query()
	settings := map[string]string{"encoding": q.Get("encoding"), "delimiter": q.Get("delimiter"), "sheet": q.Get("sheet")}
	var p *importer.Preview
	// discard deletes the import when the rest of the request refuses it.
	discard := func(err error) error {
		if p != nil {
			if derr := h.Importer.Delete(context.WithoutCancel(ctx), p.Import.ID); derr != nil {
				return errors.Join(err, derr)
			}
		}
		return err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if body.over {
				return discard(tooLarge)
			}
			return discard(apiFail(crm.ErrInvalid, nil, "The upload could not be read: the multipart/form-data body is incomplete or malformed."))
		}
		switch name := part.FormName(); name {
		case "encoding", "delimiter", "sheet":
			b, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				return discard(apiFail(crm.ErrInvalid, nil, "The upload could not be read: the multipart/form-data body is incomplete or malformed."))
			}
			v := strings.TrimSpace(string(b))
			if p != nil && v != "" && !strings.EqualFold(v, "auto") {
				msg := fmt.Sprintf("The %s must come before the file in the form, so that the file is read with it.", name)
				return discard(apiFail(crm.ErrInvalid, map[string]string{name: msg}, "%s", msg))
			}
			if v != "" {
				settings[name] = v
			}
		case "file":
			if p != nil {
				return discard(apiFail(crm.ErrInvalid, map[string]string{"file": "Send one file at a time."}, "The form holds more than one file; send one file at a time."))
			}
			format, err := apiFormat(settings)
			if err != nil {
				return err
			}
			fileName := part.FileName()
			if fileName == "" {
				fileName = "upload.csv"
			}
			file := &apiUploadReader{r: part, limit: limit}
			p, err = h.Importer.Create(ctx, importer.Upload{Name: fileName, Body: file, Format: format, Sheet: settings["sheet"], CreatedBy: crm.ActorFrom(ctx).Name})
			if err != nil {
				if file.over || body.over {
					return tooLarge
				}
				return err
			}
		}
	}
	if p == nil {
		return apiFail(crm.ErrInvalid, map[string]string{"file": "No file was sent."},
			"The form has no file: send the CSV file in a field named file.")
	}
	imp := p.Import
	resp := apiUploadResponse{
		ID: imp.ID, Status: imp.Status, File: imp.FileName, Size: imp.FileSize,
		Encoding: imp.Encoding, BOM: p.Format.BOM, Delimiter: imp.Delimiter, HeaderLine: imp.HeaderLine,
		Records: imp.Total, Columns: p.Columns, Preview: p.Rows,
		SuggestedMapping: p.Suggestion.Mapping, Reasons: p.Suggestion.Reasons, Choices: p.Suggestion.Choices,
		Unmapped:    importer.Unmapped(p.Columns, p.Suggestion.Mapping),
		OnDuplicate: imp.Options.OnDuplicate, DateFormat: imp.Options.DateFormat, BatchSize: imp.Options.BatchSize,
		UpdateRules: imp.Options.Update, KeepRecord: imp.Options.KeepRecord,
		Country: imp.Options.Country, CountryColumn: imp.Options.CountryColumn, CheckPhones: imp.Options.CheckPhones,
	}
	if p.Workbook != nil {
		resp.Sheet, resp.Sheets = p.Workbook.Sheet, p.Workbook.Sheets
	}
	if resp.Columns == nil {
		resp.Columns = []string{}
	}
	if resp.Preview == nil {
		resp.Preview = [][]string{}
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/imports/%d", imp.ID))
	apiWriteJSON(w, http.StatusCreated, resp)
	return nil
}

// apiFormat reads the encoding and delimiter a user chose; blank or "auto"
// means detect.
func apiFormat(settings map[string]string) (csvin.Format, error) {
	var (
		f   csvin.Format
		err error
		v   crm.ValidationError
	)
	if f.Encoding, err = csvin.ParseEncoding(settings["encoding"]); err != nil {
		v.Add("encoding", settings["encoding"], apiSentence(err.Error()))
	}
	if f.Delimiter, err = csvin.ParseDelimiter(settings["delimiter"]); err != nil {
		v.Add("delimiter", settings["delimiter"], apiSentence(err.Error()))
	}
	return f, v.Err()
}

// apiUploadReader counts what is read through it and notes when a read
// passes its limit (when limit >= 0) or hits the request's size limit, so
// that the handler can tell a file too large from a broken one, however
// the readers above it word their errors.
type apiUploadReader struct {
	r     io.Reader
	n     int64
	limit int64
	over  bool
}

var errAPIUploadTooLarge = fmt.Errorf("upload over the limit: %w", crm.ErrTooLarge)

func (u *apiUploadReader) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	u.n += int64(n)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		u.over = true
	}
	if u.limit >= 0 && u.n > u.limit {
		u.over = true
		return n, errAPIUploadTooLarge
	}
	return n, err
}

// apiMappingBody is the body of PUT /api/v1/imports/{id}/mapping. A key
// left out keeps its value: the suggested mapping, or what was set before.
type apiMappingBody struct {
	Mapping     *map[string]string `json:"mapping"` // column → field key; replaces the whole mapping
	OnDuplicate *string            `json:"on_duplicate"`
	DateFormat  *string            `json:"date_format"`
	BatchSize   *int               `json:"batch_size"`
	MaxRecords  *int               `json:"max_records"`
	// UpdateRules, for an import that updates: {"default": "fill-empty",
	// "fields": {"company": "keep"}, "blank_clears": ["comments"]}.
	UpdateRules *crm.UpdateRules `json:"update_rules"`
	// How phone numbers are read: crm.ImportOptions says.
	Country       *string `json:"country"`
	CountryColumn *string `json:"country_column"`
	CheckPhones   *bool   `json:"check_phones"`
	KeepRecord    *bool   `json:"keep_record"` // load a record without its invalid optional values
}

var apiMappingKeys = []string{"mapping", "on_duplicate", "date_format", "batch_size", "max_records", "update_rules", "country", "country_column", "check_phones", "keep_record"}

func (h *Handler) apiImportMapping(w http.ResponseWriter, r *http.Request) error {
	id, err := apiImportID(r)
	if err != nil {
		return err
	}
	var body apiMappingBody
	if err := apiDecode(w, r, &body, apiMappingKeys); err != nil {
		return err
	}
	ctx := r.Context()
	imp, err := h.Importer.Get(ctx, id)
	if err != nil {
		return apiNoImport(err, id)
	}
	o := imp.Options
	if body.Mapping != nil {
		o.Mapping = *body.Mapping
	}
	if body.OnDuplicate != nil {
		o.OnDuplicate = crm.DuplicatePolicy(*body.OnDuplicate)
	}
	if body.DateFormat != nil {
		o.DateFormat = crm.DateFormat(*body.DateFormat)
	}
	if body.BatchSize != nil {
		o.BatchSize = *body.BatchSize
	}
	if body.MaxRecords != nil {
		o.MaxRecords = *body.MaxRecords // Configure refuses one over the server's limit
	}
	if body.UpdateRules != nil {
		o.Update = *body.UpdateRules
	}
	if body.Country != nil {
		o.Country = *body.Country
	}
	if body.CountryColumn != nil {
		o.CountryColumn = *body.CountryColumn
	}
	if body.CheckPhones != nil {
		o.CheckPhones = *body.CheckPhones
	}
	if body.KeepRecord != nil {
		o.KeepRecord = *body.KeepRecord
	}
	imp, err = h.Importer.Configure(ctx, id, o)
	if err != nil {
		return apiNoImport(err, id)
	}
	return h.apiWriteSummary(w, r, http.StatusOK, imp, apiImportErrorsShown)
}

func (h *Handler) apiImportDryRun(w http.ResponseWriter, r *http.Request) error {
	id, err := apiImportID(r)
	if err != nil {
		return err
	}
	s, err := h.Runner.DryRun(r.Context(), id, apiDryRunErrorsShown)
	if err != nil {
		return apiNoImport(err, id)
	}
	apiWriteJSON(w, http.StatusOK, s)
	return nil
}

func (h *Handler) apiImportStart(w http.ResponseWriter, r *http.Request) error {
	return h.apiImportLaunch(w, r, h.Runner.Start)
}

func (h *Handler) apiImportResume(w http.ResponseWriter, r *http.Request) error {
	return h.apiImportLaunch(w, r, h.Runner.Resume)
}

// apiImportLaunch starts or resumes an import in the background and
// answers 202 once it runs: the import goes on when the client leaves.
func (h *Handler) apiImportLaunch(w http.ResponseWriter, r *http.Request, launch func(context.Context, int64) (*crm.Import, error)) error {
	id, err := apiImportID(r)
	if err != nil {
		return err
	}
	imp, err := launch(r.Context(), id)
	if err != nil {
		return apiNoImport(err, id)
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/imports/%d", id))
	return h.apiWriteSummary(w, r, http.StatusAccepted, imp, 0)
}

func (h *Handler) apiImportCancel(w http.ResponseWriter, r *http.Request) error {
	id, err := apiImportID(r)
	if err != nil {
		return err
	}
	imp, err := h.Importer.Cancel(r.Context(), id)
	if err != nil {
		return apiNoImport(err, id)
	}
	return h.apiWriteSummary(w, r, http.StatusOK, imp, apiImportErrorsShown)
}

// apiRevertBody is the body of POST /api/v1/imports/{id}/revert, which
// may be empty: a real revert that keeps customers changed since.
type apiRevertBody struct {
	DryRun bool `json:"dry_run"` // say what it would do, changing nothing
	Force  bool `json:"force"`   // restore updated customers changed since all the same
}

var apiRevertKeys = []string{"dry_run", "force"}

// apiRevertKeptShown is how many of the customers it would keep a revert's
// dry run lists; the revert's report lists them all.
const apiRevertKeptShown = 100

// apiImportRevert reverts an import in the background and answers 202 with
// the import, its revert begun; with dry_run, it answers what the revert
// would do.
func (h *Handler) apiImportRevert(w http.ResponseWriter, r *http.Request) error {
	id, err := apiImportID(r)
	if err != nil {
		return err
	}
	var body apiRevertBody
	if r.ContentLength != 0 {
		if err := apiDecode(w, r, &body, apiRevertKeys); err != nil {
			return err
		}
	}
	ctx := r.Context()
	if body.DryRun {
		p, err := h.Importer.PreviewRevert(ctx, id, body.Force, apiRevertKeptShown)
		if err != nil {
			return apiNoImport(err, id)
		}
		apiWriteJSON(w, http.StatusOK, p)
		return nil
	}
	if _, err := h.Runner.Revert(ctx, id, body.Force); err != nil {
		return apiNoImport(err, id)
	}
	imp, err := h.Importer.Get(ctx, id)
	if err != nil {
		return apiNoImport(err, id)
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/imports/%d", id))
	return h.apiWriteSummary(w, r, http.StatusAccepted, imp, 0)
}

// apiImportDryRunRejects downloads, before the import starts, the rows
// with one kind of problem (kind, from the dry run's problems), or every
// rejected row, as a rejects file to fix.
func (h *Handler) apiImportDryRunRejects(w http.ResponseWriter, r *http.Request) error {
	kind := r.URL.Query().Get("kind")
	return h.apiImportDownload(w, r, "problems.csv", "text/csv; charset=utf-8", func(ctx context.Context, id int64, w io.Writer) error {
		return h.Runner.DryRunRejects(ctx, id, kind, w)
	})
}

// apiImportValues answers the distinct values of one column of an
// import's file (?column=NAME), read from the whole file, up to a
// picklist's limit: a new picklist field's values.
func (h *Handler) apiImportValues(w http.ResponseWriter, r *http.Request) error {
	id, err := apiImportID(r)
	if err != nil {
		return err
	}
	longWrite(w)
	values, more, err := h.Importer.ColumnValues(r.Context(), id, r.URL.Query().Get("column"), crm.MaxPicklistValues)
	if err != nil {
		return apiNoImport(err, id)
	}
	apiWriteJSON(w, http.StatusOK, map[string]any{"values": values, "more": more})
	return nil
}

func (h *Handler) apiImportRevertCSV(w http.ResponseWriter, r *http.Request) error {
	return h.apiImportDownload(w, r, "revert.csv", "text/csv; charset=utf-8", h.Importer.WriteRevertReport)
}

func (h *Handler) apiImportList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	imps, err := h.Importer.List(ctx)
	if err != nil {
		return err
	}
	list := make([]*importer.Summary, 0, len(imps))
	for _, imp := range imps {
		s, err := h.summarize(ctx, imp, 0) // as `imports list --json`: counts without errors
		if err != nil {
			return err
		}
		list = append(list, s)
	}
	apiWriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) apiImportShow(w http.ResponseWriter, r *http.Request) error {
	id, err := apiImportID(r)
	if err != nil {
		return err
	}
	imp, err := h.Importer.Get(r.Context(), id)
	if err != nil {
		return apiNoImport(err, id)
	}
	return h.apiWriteSummary(w, r, http.StatusOK, imp, apiImportErrorsShown)
}

// apiImportDelete deletes an import: its record, errors and files. The
// customers it loaded stay. A running import is refused; cancel it first.
// The store puts the deletion on the audit log.
func (h *Handler) apiImportDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := apiImportID(r)
	if err != nil {
		return err
	}
	if err := h.Importer.Delete(r.Context(), id); err != nil {
		return apiNoImport(err, id)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiWriteSummary writes an import as the CLI's --json does, with its
// first errors.
func (h *Handler) apiWriteSummary(w http.ResponseWriter, r *http.Request, status int, imp *crm.Import, errorsShown int) error {
	s, err := h.summarize(r.Context(), imp, errorsShown)
	if err != nil {
		return err
	}
	apiWriteJSON(w, status, s)
	return nil
}

// summarize is the importer's summary of imp with, while it is queued
// here, its place in line.
func (h *Handler) summarize(ctx context.Context, imp *crm.Import, errorsShown int) (*importer.Summary, error) {
	s, err := h.Importer.Summarize(ctx, imp, errorsShown)
	if err == nil && imp.Status == crm.ImportQueued && h.Runner != nil {
		s.Place = h.Runner.Place(imp.ID)
	}
	return s, err
}

func (h *Handler) apiImportReportCSV(w http.ResponseWriter, r *http.Request) error {
	return h.apiImportDownload(w, r, "report.csv", "text/csv; charset=utf-8", h.Importer.WriteReport)
}

func (h *Handler) apiImportRejectsCSV(w http.ResponseWriter, r *http.Request) error {
	return h.apiImportDownload(w, r, "rejects.csv", "text/csv; charset=utf-8", h.Importer.WriteRejects)
}

func (h *Handler) apiImportReportJSON(w http.ResponseWriter, r *http.Request) error {
	return h.apiImportDownload(w, r, "report.json", "application/json; charset=utf-8", h.Importer.WriteSummary)
}

// apiImportDownload streams one of an import's reports as a file to save,
// named import-ID-NAME. An error before the first byte is an ordinary
// JSON error; one after it can only be logged, and cuts the download short.
func (h *Handler) apiImportDownload(w http.ResponseWriter, r *http.Request, name, contentType string,
	write func(context.Context, int64, io.Writer) error) error {
	id, err := apiImportID(r)
	if err != nil {
		return err
	}
	longWrite(w)
	ctx := r.Context()
	if _, err := h.Importer.Get(ctx, id); err != nil {
		return apiNoImport(err, id)
	}
	hdr := w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="import-%d-%s"`, id, name))
	hdr.Set("Cache-Control", "no-store") // a running import's report grows
	out := &apiStartedWriter{w: w}
	if err := write(ctx, id, out); err != nil {
		if !out.started {
			hdr.Del("Content-Disposition")
			return apiNoImport(err, id)
		}
		if ctx.Err() == nil {
			h.Log.Error("api download failed", "path", r.URL.Path, "err", err)
		}
	}
	return nil
}

// apiStartedWriter notes whether anything was written yet.
type apiStartedWriter struct {
	w       io.Writer
	started bool
}

func (s *apiStartedWriter) Write(p []byte) (int, error) {
	s.started = true
	return s.w.Write(p)
}

// apiImportID reads the import ID of the request's path.
func apiImportID(r *http.Request) (int64, error) {
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, apiFail(crm.ErrNotFound, nil, "There is no import %q; import IDs are whole numbers, as GET /api/v1/imports lists them.", s)
	}
	return id, nil
}

// apiNoImport words a not-found error of the import id for people.
func apiNoImport(err error, id int64) error {
	if errors.Is(err, crm.ErrNotFound) {
		var f *apiFailure
		if errors.As(err, &f) {
			return err
		}
		return apiFail(err, nil, "There is no import %d; GET /api/v1/imports lists them.", id)
	}
	return err
}
