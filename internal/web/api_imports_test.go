package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"localcrm/internal/crm"
	"localcrm/internal/importer"
)

// apiMessyCSV is what a spreadsheet in a decimal-comma locale saves:
// semicolons and a byte-order mark, with one bad date, one email used
// twice and one row without a last name.
const apiMessyCSV = "\ufeffFirst Name;Surname;E-mail Address;Company;Signed Up;Loyalty\r\n" +
	"Ann;Lee;ann@example.com;Acme;01/02/2020;gold\r\n" +
	"Bob;Stone;bob@example.com;Initech;13/45/2020;silver\r\n" +
	"Cleo;Park;ANN@example.com;Acme;03/04/2021;gold\r\n" +
	"Dan;;dan@example.com;Hooli;;bronze\r\n" +
	"Eve;Moss;eve@example.com;;05/06/2022;\r\n"

// apiMessyOptions maps the messy file with a date field for Signed Up.
func apiMessyOptions() map[string]any {
	return map[string]any{
		"mapping": map[string]string{
			"First Name": "first_name", "Surname": "last_name", "E-mail Address": "email",
			"Company": "company", "Signed Up": "signed_up",
		},
		"on_duplicate": "reject",
		"date_format":  "MM/DD/YYYY",
		"batch_size":   2,
	}
}

func apiAddDateField(t *testing.T, s *apiTestServer) {
	t.Helper()
	s.call(t, http.MethodPost, "/api/v1/fields", map[string]any{"name": "signed_up", "label": "Signed Up", "type": "date"}, http.StatusCreated, nil)
}

func TestAPIImportUpload(t *testing.T) {
	s := newTestServer(t)
	resp, b := s.upload(t, "messy.csv", []byte(apiMessyCSV))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d, want 201; body: %s", resp.StatusCode, b)
	}
	var up apiUploadResponse
	if err := json.Unmarshal(b, &up); err != nil {
		t.Fatal(err)
	}
	if loc := resp.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/imports/%d", up.ID) {
		t.Errorf("Location %q", loc)
	}
	if up.ID == 0 || up.Status != crm.ImportPending {
		t.Errorf("id %d, status %q; want an ID and pending", up.ID, up.Status)
	}
	if up.Encoding != "utf-8" || !up.BOM || up.Delimiter != "semicolon" || up.HeaderLine != 1 {
		t.Errorf("detected %s (BOM %v), %s, header on line %d; want utf-8 with BOM, semicolon, line 1", up.Encoding, up.BOM, up.Delimiter, up.HeaderLine)
	}
	if up.Records != 5 || up.File != "messy.csv" || up.Size != int64(len(apiMessyCSV)) {
		t.Errorf("records %d, file %q, size %d; want 5, messy.csv, %d", up.Records, up.File, up.Size, len(apiMessyCSV))
	}
	wantCols := []string{"First Name", "Surname", "E-mail Address", "Company", "Signed Up", "Loyalty"}
	if !reflect.DeepEqual(up.Columns, wantCols) {
		t.Errorf("columns %q, want %q (the BOM must not stick to the first)", up.Columns, wantCols)
	}
	if len(up.Preview) != 5 || !reflect.DeepEqual(up.Preview[0], []string{"Ann", "Lee", "ann@example.com", "Acme", "01/02/2020", "gold"}) {
		t.Errorf("preview %q", up.Preview)
	}
	wantMap := map[string]string{"First Name": "first_name", "Surname": "last_name", "E-mail Address": "email", "Company": "company"}
	if !reflect.DeepEqual(up.SuggestedMapping, wantMap) {
		t.Errorf("suggested mapping %v, want %v", up.SuggestedMapping, wantMap)
	}
	for col := range wantMap {
		if up.Reasons[col] == "" {
			t.Errorf("no reason given for mapping %q", col)
		}
	}
	if !strings.Contains(up.Reasons["Surname"], "Surname") {
		t.Errorf("reason for Surname %q does not name it", up.Reasons["Surname"])
	}
	if !reflect.DeepEqual(up.Unmapped, []string{"Signed Up", "Loyalty"}) {
		t.Errorf("unmapped %q", up.Unmapped)
	}
	// The new import is there, pending, with the suggestion as its mapping.
	var sum importer.Summary
	s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/imports/%d", up.ID), nil, http.StatusOK, &sum)
	if sum.Status != crm.ImportPending || sum.Total != 5 || !reflect.DeepEqual(sum.Mapping, wantMap) {
		t.Errorf("import: status %s, total %d, mapping %v", sum.Status, sum.Total, sum.Mapping)
	}
}

func TestAPIImportUploadOverrides(t *testing.T) {
	s := newTestServer(t)
	file := []byte("name|city\nAnn|Paris\n")
	// Form fields before the file.
	up := s.mustUpload(t, "a.csv", file, "delimiter", "semicolon", "encoding", "windows-1252")
	if up.Delimiter != "semicolon" || up.Encoding != "windows-1252" {
		t.Errorf("form overrides: %s, %s; want semicolon, windows-1252", up.Delimiter, up.Encoding)
	}
	if !reflect.DeepEqual(up.Columns, []string{"name|city"}) {
		t.Errorf("columns %q, want the whole header as one column", up.Columns)
	}
	// Query parameters work too.
	var form apiMultipart
	form.file("file", "b.csv", file)
	resp, b := form.post(t, s.URL+"/api/v1/imports?delimiter=pipe&encoding=auto")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("query override: status %d; body %s", resp.StatusCode, b)
	}
	var up2 apiUploadResponse
	if err := json.Unmarshal(b, &up2); err != nil {
		t.Fatal(err)
	}
	if up2.Delimiter != "pipe" || up2.Encoding != "utf-8" || !reflect.DeepEqual(up2.Columns, []string{"name", "city"}) {
		t.Errorf("query override: %s, %s, columns %q", up2.Delimiter, up2.Encoding, up2.Columns)
	}

	// Unknown choices are field errors.
	resp, b = s.upload(t, "a.csv", file, "encoding", "ebcdic", "delimiter", "colon")
	e := apiCheckError(t, "bad overrides", resp, b, http.StatusBadRequest, "invalid")
	if e.Fields["encoding"] == "" || e.Fields["delimiter"] == "" {
		t.Errorf("fields %v, want encoding and delimiter", e.Fields)
	}
	// A choice after the file comes too late to use; the import is not kept.
	var late apiMultipart
	late.file("file", "c.csv", file)
	late.field("delimiter", "pipe")
	resp, b = late.post(t, s.URL+"/api/v1/imports")
	e = apiCheckError(t, "late override", resp, b, http.StatusBadRequest, "invalid")
	if e.Fields["delimiter"] == "" {
		t.Errorf("fields %v, want delimiter", e.Fields)
	}
	var list []importer.Summary
	s.call(t, http.MethodGet, "/api/v1/imports", nil, http.StatusOK, &list)
	if len(list) != 2 {
		t.Errorf("%d imports kept, want the 2 accepted ones", len(list))
	}
}

func TestAPIImportUploadErrors(t *testing.T) {
	s := newTestServer(t)
	// Not multipart at all.
	e := s.fail(t, http.MethodPost, "/api/v1/imports", `{"file": "x"}`, http.StatusBadRequest, "invalid")
	if !strings.Contains(e.Message, "multipart/form-data") {
		t.Errorf("message %q does not say how to send the file", e.Message)
	}
	// Multipart without a file.
	var form apiMultipart
	form.field("delimiter", "comma")
	resp, b := form.post(t, s.URL+"/api/v1/imports")
	if e := apiCheckError(t, "no file", resp, b, http.StatusBadRequest, "invalid"); e.Fields["file"] == "" {
		t.Errorf("fields %v, want file", e.Fields)
	}
	// An empty file has no header.
	resp, b = s.upload(t, "empty.csv", nil)
	if e := apiCheckError(t, "empty file", resp, b, http.StatusBadRequest, "invalid"); !strings.Contains(e.Message, "empty") {
		t.Errorf("message %q does not say the file is empty", e.Message)
	}
}

func TestAPIImportUploadTooLarge(t *testing.T) {
	s := newTestServerWith(t, func(d *Deps) { d.MaxUpload = 1 << 20 })
	big := apiGeneratedCSV(40000, 0) // about 1.8 MB
	if len(big) <= 1<<20 {
		t.Fatalf("test file of %d bytes is not over the limit", len(big))
	}
	resp, b := s.upload(t, "big.csv", big)
	e := apiCheckError(t, "oversize upload", resp, b, http.StatusRequestEntityTooLarge, "too_large")
	if !strings.Contains(e.Message, "1 MB") {
		t.Errorf("message %q does not name the limit of 1 MB", e.Message)
	}
	// Without a Content-Length, the body is cut off at the limit instead.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, _ := mw.CreateFormFile("file", "big.csv")
		fw.Write(big)
		mw.Close()
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/v1/imports", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, b = apiSend(t, req)
	pr.CloseWithError(io.ErrClosedPipe) // the server stopped reading: end the writer
	apiCheckError(t, "streamed oversize upload", resp, b, http.StatusRequestEntityTooLarge, "too_large")
	// Nothing was kept: no import, no file.
	var list []importer.Summary
	s.call(t, http.MethodGet, "/api/v1/imports", nil, http.StatusOK, &list)
	if len(list) != 0 {
		t.Errorf("%d imports kept, want none", len(list))
	}
	left, _ := filepath.Glob(filepath.Join(s.Dir, "imports", "*"))
	if len(left) != 0 {
		t.Errorf("files left behind: %q", left)
	}
	// A file under the limit is fine.
	s.mustUpload(t, "small.csv", apiGeneratedCSV(100, 0))
}

func TestAPIImportMapping(t *testing.T) {
	s := newTestServer(t)
	apiAddDateField(t, s)
	up := s.mustUpload(t, "messy.csv", []byte(apiMessyCSV))
	path := fmt.Sprintf("/api/v1/imports/%d/mapping", up.ID)

	// First Name unmapped: refused, naming the field.
	opts := apiMessyOptions()
	delete(opts["mapping"].(map[string]string), "First Name")
	e := s.fail(t, http.MethodPut, path, opts, http.StatusBadRequest, "invalid")
	if !strings.Contains(e.Fields["first_name"], "First Name") {
		t.Errorf("fields %v, want first_name naming First Name", e.Fields)
	}
	// A column the file lacks, a field that does not exist, bad options.
	e = s.fail(t, http.MethodPut, path, map[string]any{
		"mapping":      map[string]string{"First Name": "first_name", "Surname": "last_name", "Phone": "voice", "Company": "nope"},
		"on_duplicate": "merge", "batch_size": 0, "date_format": "DD.MM.YYYY",
	}, http.StatusBadRequest, "invalid")
	for _, k := range []string{"on_duplicate", "date_format"} {
		if e.Fields[k] == "" {
			t.Errorf("fields %v, want %s", e.Fields, k)
		}
	}
	e = s.fail(t, http.MethodPut, path, map[string]any{
		"mapping": map[string]string{"First Name": "first_name", "Surname": "last_name", "Phone": "voice"},
	}, http.StatusBadRequest, "invalid")
	if !strings.Contains(e.Fields["mapping"], "Phone") {
		t.Errorf("fields %v, want mapping naming the column Phone", e.Fields)
	}
	// Malformed and unknown keys.
	e = s.fail(t, http.MethodPut, path, `{"mapping": {"First Name": "first_name",}}`, http.StatusBadRequest, "invalid")
	if !strings.Contains(e.Message, "not valid JSON") {
		t.Errorf("message %q", e.Message)
	}
	e = s.fail(t, http.MethodPut, path, `{"batchsize": 10}`, http.StatusBadRequest, "invalid")
	if e.Fields["batchsize"] == "" || !strings.Contains(e.Message, "batch_size") {
		t.Errorf("unknown key: %q %v", e.Message, e.Fields)
	}
	e = s.fail(t, http.MethodPut, path, `{"batch_size": "ten"}`, http.StatusBadRequest, "invalid")
	if !strings.Contains(e.Fields["batch_size"], "number") {
		t.Errorf("wrong type: %v", e.Fields)
	}
	s.fail(t, http.MethodPut, path, "", http.StatusBadRequest, "invalid")
	// The record limit may be lowered, not raised past the server's.
	e = s.fail(t, http.MethodPut, path, map[string]any{"max_records": crm.DefaultMaxRecords + 1}, http.StatusBadRequest, "invalid")
	if !strings.Contains(e.Fields["max_records"], "The record limit is 50,000") {
		t.Errorf("raising the record limit: fields %v", e.Fields)
	}
	s.fail(t, http.MethodPut, "/api/v1/imports/999/mapping", apiMessyOptions(), http.StatusNotFound, "not_found")

	// Accepted: the import object with the choices.
	var sum importer.Summary
	s.call(t, http.MethodPut, path, apiMessyOptions(), http.StatusOK, &sum)
	if sum.Mapping["Signed Up"] != "signed_up" || sum.OnDuplicate != "reject" || sum.BatchSize != 2 || sum.DateFormat != "MM/DD/YYYY" {
		t.Errorf("import after mapping: %+v", sum)
	}
	if !reflect.DeepEqual(sum.Unmapped, []string{"Loyalty"}) {
		t.Errorf("unmapped %q", sum.Unmapped)
	}
	// Keys left out keep their values.
	s.call(t, http.MethodPut, path, map[string]any{"on_duplicate": "skip"}, http.StatusOK, &sum)
	if sum.OnDuplicate != "skip" || sum.BatchSize != 2 || sum.Mapping["Signed Up"] != "signed_up" {
		t.Errorf("after changing on_duplicate alone: %+v", sum)
	}
}

func TestAPIImportDryRun(t *testing.T) {
	s := newTestServer(t)
	apiAddDateField(t, s)
	s.call(t, http.MethodPost, "/api/v1/customers", map[string]string{"first_name": "Old", "last_name": "Timer", "email": "eve@example.com"}, http.StatusCreated, nil)
	id := s.prepare(t, []byte(apiMessyCSV), apiMessyOptions())

	var sum importer.Summary
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/dry-run", id), nil, http.StatusOK, &sum)
	// Ann is created; Bob's date is impossible; Cleo repeats Ann's email;
	// Dan has no last name; Eve's email belongs to an existing customer.
	if sum.Status != "dry_run" || sum.Records != 5 || sum.Created != 1 || sum.Rejected != 4 || sum.Updated != 0 || sum.Skipped != 0 {
		t.Errorf("dry run: status %s, records %d, created %d, updated %d, skipped %d, rejected %d; want dry_run, 5, 1, 0, 0, 4",
			sum.Status, sum.Records, sum.Created, sum.Updated, sum.Skipped, sum.Rejected)
	}
	lines := map[int]string{}
	for _, e := range sum.Errors {
		lines[e.Line] = e.Field
	}
	want := map[int]string{3: "signed_up", 4: "email", 5: "last_name", 6: "email"}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("errors by line %v, want %v", lines, want)
	}
	// Nothing was written.
	var page apiCustomerPage
	s.call(t, http.MethodGet, "/api/v1/customers", nil, http.StatusOK, &page)
	if page.Total != 1 {
		t.Errorf("%d customers after a dry run, want 1", page.Total)
	}
	// With the update policy, Eve updates the existing customer.
	s.call(t, http.MethodPut, fmt.Sprintf("/api/v1/imports/%d/mapping", id), map[string]any{"on_duplicate": "update"}, http.StatusOK, nil)
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/dry-run", id), nil, http.StatusOK, &sum)
	if sum.Created != 1 || sum.Updated != 1 || sum.Rejected != 3 {
		t.Errorf("dry run with update: created %d, updated %d, rejected %d; want 1, 1, 3", sum.Created, sum.Updated, sum.Rejected)
	}
	s.fail(t, http.MethodPost, "/api/v1/imports/404/dry-run", nil, http.StatusNotFound, "not_found")
}

func TestAPIImportDryRunWarnsOfDateFormat(t *testing.T) {
	s := newTestServer(t)
	apiAddDateField(t, s)
	file := "first,last,signed_up\nA,B,25/12/2020\nC,D,31/01/2021\n"
	id := s.prepare(t, []byte(file), map[string]any{"mapping": map[string]string{"first": "first_name", "last": "last_name", "signed_up": "signed_up"}})
	var sum importer.Summary
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/dry-run", id), nil, http.StatusOK, &sum)
	if sum.Rejected != 2 || len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "DD/MM/YYYY") {
		t.Errorf("rejected %d, warnings %q; want 2 and a warning suggesting DD/MM/YYYY", sum.Rejected, sum.Warnings)
	}
}

func TestAPIImportStart(t *testing.T) {
	s := newTestServer(t)
	apiAddDateField(t, s)
	id := s.prepare(t, []byte(apiMessyCSV), apiMessyOptions())
	path := fmt.Sprintf("/api/v1/imports/%d", id)

	var sum importer.Summary
	resp := s.call(t, http.MethodPost, path+"/start", nil, http.StatusAccepted, &sum)
	if sum.ImportID != id || (sum.Status != crm.ImportRunning && !sum.Status.Finished()) {
		t.Errorf("start: import %d, status %s", sum.ImportID, sum.Status)
	}
	if resp.Header.Get("Location") != path {
		t.Errorf("Location %q, want %q", resp.Header.Get("Location"), path)
	}
	sum = s.waitFinished(t, id)
	if sum.Status != crm.ImportCompletedWithErrors || sum.Records != 5 || sum.Created != 2 || sum.Rejected != 3 || sum.Batches != 3 {
		t.Errorf("finished: status %s, records %d, created %d, rejected %d, batches %d; want completed_with_errors, 5, 2, 3, 3",
			sum.Status, sum.Records, sum.Created, sum.Rejected, sum.Batches)
	}
	if len(sum.Errors) != 3 || sum.Errors[0].Line != 3 || sum.StartedAt == nil || sum.FinishedAt == nil {
		t.Errorf("finished: errors %+v, started %v, finished %v", sum.Errors, sum.StartedAt, sum.FinishedAt)
	}
	var page apiCustomerPage
	s.call(t, http.MethodGet, "/api/v1/customers?search=%40example.com", nil, http.StatusOK, &page)
	if page.Total != 2 {
		t.Errorf("%d customers imported, want 2 (Ann and Eve)", page.Total)
	}
	// Once started, an import cannot start again or be changed.
	if e := s.fail(t, http.MethodPost, path+"/start", nil, http.StatusBadRequest, "invalid"); !strings.Contains(e.Message, "cannot be started") {
		t.Errorf("second start: %q", e.Message)
	}
	s.fail(t, http.MethodPut, path+"/mapping", apiMessyOptions(), http.StatusBadRequest, "invalid")
	s.fail(t, http.MethodPost, path+"/dry-run", nil, http.StatusBadRequest, "invalid")
	s.fail(t, http.MethodPost, "/api/v1/imports/12345/start", nil, http.StatusNotFound, "not_found")
}

func TestAPIImportStartTooManyRecords(t *testing.T) {
	s := newTestServer(t)
	id := s.prepare(t, apiGeneratedCSV(5, 0), map[string]any{"max_records": 4})
	e := s.fail(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/start", id), nil, http.StatusRequestEntityTooLarge, "too_large")
	if !strings.Contains(e.Message, "5 records") || !strings.Contains(e.Message, "at most 4") {
		t.Errorf("message %q does not give the record count and the limit", e.Message)
	}
	var sum importer.Summary
	s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/imports/%d", id), nil, http.StatusOK, &sum)
	if sum.Status != crm.ImportPending || sum.Records != 0 {
		t.Errorf("after the refusal: status %s, %d records; want pending, 0", sum.Status, sum.Records)
	}
}

func TestAPIImportCancelPending(t *testing.T) {
	s := newTestServer(t)
	id := s.mustUpload(t, "a.csv", apiGeneratedCSV(3, 0)).ID
	var sum importer.Summary
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/cancel", id), nil, http.StatusOK, &sum)
	if sum.Status != crm.ImportCancelled {
		t.Errorf("status %s, want cancelled", sum.Status)
	}
	s.fail(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/cancel", id), nil, http.StatusBadRequest, "invalid")
	s.fail(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/start", id), nil, http.StatusBadRequest, "invalid")
	s.fail(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/resume", id), nil, http.StatusBadRequest, "invalid")
	s.fail(t, http.MethodPost, "/api/v1/imports/77/cancel", nil, http.StatusNotFound, "not_found")
	s.fail(t, http.MethodPost, "/api/v1/imports/77/resume", nil, http.StatusNotFound, "not_found")
}

// TestAPIImportCancelResume interrupts a running import by restarting the
// server, resumes it, and cancels it while it runs again.
func TestAPIImportCancelResume(t *testing.T) {
	s := newTestServer(t)
	const n, badEvery = 6000, 1000
	id := s.prepare(t, apiGeneratedCSV(n, badEvery), map[string]any{"batch_size": 10})
	path := fmt.Sprintf("/api/v1/imports/%d", id)
	s.call(t, http.MethodPost, path+"/start", nil, http.StatusAccepted, nil)
	s.waitImport(t, id, "under way", func(sum importer.Summary) bool { return sum.Records >= 100 })

	s.restart(t)
	sum := s.waitFinished(t, id)
	if sum.Status != crm.ImportInterrupted || sum.Records >= n {
		t.Fatalf("after the restart: status %s, %d of %d records; want interrupted midway", sum.Status, sum.Records, n)
	}
	stopped := sum.Records

	s.call(t, http.MethodPost, path+"/resume", nil, http.StatusAccepted, &sum)
	if sum.Status != crm.ImportRunning && !sum.Status.Finished() {
		t.Errorf("resume: status %s", sum.Status)
	}
	s.waitImport(t, id, "further along", func(sum importer.Summary) bool { return sum.Records > stopped+100 })
	s.call(t, http.MethodPost, path+"/cancel", nil, http.StatusOK, nil)
	sum = s.waitFinished(t, id)
	if sum.Status != crm.ImportCancelled || sum.Records >= n || sum.Records <= stopped {
		t.Fatalf("after cancel: status %s, %d records; want cancelled between %d and %d", sum.Status, sum.Records, stopped, n)
	}
	// Every record read was loaded once: no record lost, none twice.
	rejected := sum.Records / badEvery
	if sum.Rejected != rejected || sum.Created != sum.Records-rejected {
		t.Errorf("counts: %d records, %d created, %d rejected; want %d rejected", sum.Records, sum.Created, sum.Rejected, rejected)
	}
	var page apiCustomerPage
	s.call(t, http.MethodGet, "/api/v1/customers?limit=1", nil, http.StatusOK, &page)
	if page.Total != sum.Created {
		t.Errorf("%d customers in the file, the import created %d", page.Total, sum.Created)
	}
	s.fail(t, http.MethodPost, path+"/cancel", nil, http.StatusBadRequest, "invalid")

	// Whoever cancelled may think again: the import resumes after its last
	// committed batch and loads the rest, each record once.
	s.call(t, http.MethodPost, path+"/resume", nil, http.StatusAccepted, nil)
	sum = s.waitFinished(t, id)
	if sum.Status != crm.ImportCompletedWithErrors || sum.Records != n || sum.Created+sum.Rejected != n {
		t.Errorf("resumed after cancel: %s, %d records, %d created, %d rejected; want all %d", sum.Status, sum.Records, sum.Created, sum.Rejected, n)
	}
}

func TestAPIImportListAndShow(t *testing.T) {
	s := newTestServer(t)
	var list []map[string]any
	s.call(t, http.MethodGet, "/api/v1/imports", nil, http.StatusOK, &list)
	if list == nil || len(list) != 0 {
		t.Errorf("no imports: %v, want []", list)
	}
	first := s.mustUpload(t, "one.csv", apiGeneratedCSV(2, 0)).ID
	second := s.prepare(t, apiGeneratedCSV(30, 10), map[string]any{"batch_size": 5})
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/start", second), nil, http.StatusAccepted, nil)
	s.waitFinished(t, second)

	s.call(t, http.MethodGet, "/api/v1/imports", nil, http.StatusOK, &list)
	if len(list) != 2 || list[0]["import_id"] != float64(second) || list[1]["import_id"] != float64(first) {
		t.Fatalf("list %v, want the two imports, newest first", list)
	}
	// The keys are those of the CLI's --json: importer.Summary's.
	var keys []string
	for _, f := range reflect.VisibleFields(reflect.TypeFor[importer.Summary]()) {
		name, opt, _ := strings.Cut(f.Tag.Get("json"), ",")
		if _, ok := list[0][name]; !ok && opt != "omitempty" {
			t.Errorf("list item lacks %q", name)
		}
		keys = append(keys, name)
	}
	for k := range list[0] {
		if !slices.Contains(keys, k) {
			t.Errorf("list item has key %q, which the CLI's --json has not", k)
		}
	}
	if errs := list[0]["errors"].([]any); len(errs) != 0 {
		t.Errorf("list item has %d errors; the list gives counts only", len(errs))
	}

	var sum importer.Summary
	s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/imports/%d", second), nil, http.StatusOK, &sum)
	if sum.Status != crm.ImportCompletedWithErrors || sum.Rejected != 3 || len(sum.Errors) != 3 || sum.Errors[2].Line != 31 {
		t.Errorf("show: %s, rejected %d, errors %+v", sum.Status, sum.Rejected, sum.Errors)
	}
	s.fail(t, http.MethodGet, "/api/v1/imports/9999", nil, http.StatusNotFound, "not_found")
	s.fail(t, http.MethodGet, "/api/v1/imports/abc", nil, http.StatusNotFound, "not_found")
}

func TestAPIImportShowLimitsErrors(t *testing.T) {
	s := newTestServer(t)
	id := s.prepare(t, apiGeneratedCSV(300, 2), map[string]any{"batch_size": 100})
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/start", id), nil, http.StatusAccepted, nil)
	sum := s.waitFinished(t, id)
	if sum.Rejected != 150 || len(sum.Errors) != apiImportErrorsShown {
		t.Errorf("rejected %d, %d errors shown; want 150 and %d", sum.Rejected, len(sum.Errors), apiImportErrorsShown)
	}
}

func TestAPIImportReports(t *testing.T) {
	s := newTestServer(t)
	apiAddDateField(t, s)
	id := s.prepare(t, []byte(apiMessyCSV), apiMessyOptions())
	path := fmt.Sprintf("/api/v1/imports/%d", id)
	s.call(t, http.MethodPost, path+"/start", nil, http.StatusAccepted, nil)
	sum := s.waitFinished(t, id)

	download := func(name, wantType string) []byte {
		t.Helper()
		resp, b := s.request(t, http.MethodGet, path+"/"+name, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d; body %s", name, resp.StatusCode, b)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, wantType) {
			t.Errorf("%s: Content-Type %q, want %s", name, ct, wantType)
		}
		want := fmt.Sprintf(`attachment; filename="import-%d-%s"`, id, name)
		if cd := resp.Header.Get("Content-Disposition"); cd != want {
			t.Errorf("%s: Content-Disposition %q, want %q", name, cd, want)
		}
		return b
	}

	rows, err := csv.NewReader(bytes.NewReader(download("report.csv", "text/csv"))).ReadAll()
	if err != nil {
		t.Fatalf("report.csv: %v", err)
	}
	if len(rows) != sum.Records+1 || !reflect.DeepEqual(rows[0], []string{"line", "outcome", "account_number", "message", "row", "name", "email"}) {
		t.Errorf("report.csv: %d rows (header %q), want %d records and a header", len(rows), rows[0], sum.Records)
	}

	rejects := download("rejects.csv", "text/csv")
	rejects = bytes.TrimPrefix(rejects, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(rejects))
	r.Comma = ';'
	rrows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("rejects.csv: %v", err)
	}
	wantHeader := []string{"First Name", "Surname", "E-mail Address", "Company", "Signed Up", "Loyalty", "error"}
	if len(rrows) != 1+sum.Rejected || !reflect.DeepEqual(rrows[0], wantHeader) {
		t.Fatalf("rejects.csv: %q, want the header with an error column and %d rows", rrows, sum.Rejected)
	}
	if rrows[1][0] != "Bob" || !strings.Contains(rrows[1][6], "Signed Up") {
		t.Errorf("rejects.csv: first reject %q, want Bob's row with the date's error", rrows[1])
	}

	var js importer.Summary
	dec := json.NewDecoder(bytes.NewReader(download("report.json", "application/json")))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&js); err != nil {
		t.Fatalf("report.json does not parse as the summary: %v", err)
	}
	if js.ImportID != id || js.Records != sum.Records || js.Rejected != sum.Rejected || len(js.Errors) != 3 || js.File != "customers.csv" {
		t.Errorf("report.json: %+v", js)
	}

	s.fail(t, http.MethodGet, "/api/v1/imports/31337/report.csv", nil, http.StatusNotFound, "not_found")
	s.fail(t, http.MethodGet, "/api/v1/imports/31337/rejects.csv", nil, http.StatusNotFound, "not_found")
	resp, b := s.request(t, http.MethodGet, "/api/v1/imports/31337/report.json", nil)
	apiCheckError(t, "report.json of no import", resp, b, http.StatusNotFound, "not_found")
	if resp.Header.Get("Content-Disposition") != "" {
		t.Errorf("an error is sent as a download: %q", resp.Header.Get("Content-Disposition"))
	}
}

// TestAPIImportReportsBeforeStart gives the reports of a pending import:
// a header and nothing else.
func TestAPIImportReportsBeforeStart(t *testing.T) {
	s := newTestServer(t)
	id := s.mustUpload(t, "a.csv", apiGeneratedCSV(3, 0)).ID
	_, b := s.request(t, http.MethodGet, fmt.Sprintf("/api/v1/imports/%d/report.csv", id), nil)
	if got := strings.TrimSpace(string(b)); got != "line,outcome,account_number,message,row,name,email" {
		t.Errorf("report.csv of a pending import: %q", got)
	}
	_, b = s.request(t, http.MethodGet, fmt.Sprintf("/api/v1/imports/%d/rejects.csv", id), nil)
	if got := strings.TrimSpace(strings.TrimPrefix(string(b), "\ufeff")); got != "First Name,Last Name,Email,error" {
		t.Errorf("rejects.csv of a pending import: %q", got)
	}
}

// TestAPIImportUpdateRules sets update rules through the API: the dry run
// counts per field what will change, with examples, the import changes
// exactly that, and rules that cannot work are refused with their field.
func TestAPIImportUpdateRules(t *testing.T) {
	s := newTestServer(t)
	for _, c := range []map[string]string{
		{"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com", "company": "Acme"},
		{"first_name": "Bo", "last_name": "Ng", "email": "bo@example.com", "comments": "call later"},
	} {
		s.call(t, http.MethodPost, "/api/v1/customers", c, http.StatusCreated, nil)
	}
	file := "Email,Company,Comments\nann@example.com,Globex,\nbo@example.com,Umbrella,\n"
	id := s.prepare(t, []byte(file), map[string]any{
		"on_duplicate": "update",
		"update_rules": map[string]any{"default": "fill-empty", "fields": map[string]string{"comments": "overwrite"}, "blank_clears": []string{"comments"}},
		"keep_record":  true,
		"country":      "GB",
	})
	var dry importer.Summary
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/dry-run", id), nil, http.StatusOK, &dry)
	want := []importer.FieldChanges{
		{Field: "comments", Count: 1, Samples: []importer.ChangeSample{{Line: 3, AccountNumber: 10000001, Before: "call later", After: ""}}},
		{Field: "company", Count: 1, Samples: []importer.ChangeSample{{Line: 3, AccountNumber: 10000001, Before: "", After: "Umbrella"}}},
	}
	if !reflect.DeepEqual(dry.Changes, want) || dry.Update.Default != crm.RuleFillEmpty {
		t.Errorf("dry run changes %+v, rules %+v; want %+v with fill-empty", dry.Changes, dry.Update, want)
	}
	s.call(t, http.MethodPost, fmt.Sprintf("/api/v1/imports/%d/start", id), nil, http.StatusAccepted, nil)
	sum := s.waitFinished(t, id)
	for i := range want {
		want[i].Samples = nil // only a dry run shows examples
	}
	if sum.Updated != 2 || !reflect.DeepEqual(sum.Changes, want) {
		t.Errorf("import: updated %d, changes %+v; want 2, %+v", sum.Updated, sum.Changes, want)
	}
	var ann, bo map[string]any
	s.call(t, http.MethodGet, "/api/v1/customers/10000000", nil, http.StatusOK, &ann)
	s.call(t, http.MethodGet, "/api/v1/customers/10000001", nil, http.StatusOK, &bo)
	if ann["company"] != "Acme" || bo["company"] != "Umbrella" || bo["comments"] != nil && bo["comments"] != "" {
		t.Errorf("after the import: Ann %v, Bo %v; want Acme kept, Umbrella filled, Bo's comment cleared", ann, bo)
	}

	again := s.mustUpload(t, "again.csv", []byte(file))
	if again.OnDuplicate != crm.DuplicateUpdate || again.UpdateRules.Default != crm.RuleFillEmpty || again.UpdateRules.Fields["comments"] != crm.RuleOverwrite ||
		!again.KeepRecord || again.Country != "GB" {
		t.Errorf("a file with the header of the import before comes with options %s, %+v; want that import's", again.OnDuplicate, again.UpdateRules)
	}
	id = again.ID
	e := s.fail(t, http.MethodPut, fmt.Sprintf("/api/v1/imports/%d/mapping", id),
		map[string]any{"on_duplicate": "update", "update_rules": map[string]any{"fields": map[string]string{"account_number": "keep"}}}, http.StatusBadRequest, "invalid")
	if !strings.Contains(e.Message, "Account Number finds the customer to update") {
		t.Errorf("a rule for the account number: %q", e.Message)
	}
	s.fail(t, http.MethodPut, fmt.Sprintf("/api/v1/imports/%d/mapping", id),
		map[string]any{"update_rules": map[string]any{"always": "keep"}}, http.StatusBadRequest, "invalid")
}

// TestAPIImportUploadChoices: a column that could be two fields is left
// for the user, with both named and the reason why.
func TestAPIImportUploadChoices(t *testing.T) {
	s := newTestServer(t)
	up := s.mustUpload(t, "choices.csv", []byte("First Name,Last Name,Phone/Fax\nAnn,Lee,555 0100\n"))
	if got := up.Choices["Phone/Fax"]; !reflect.DeepEqual(got, []string{"voice", "fax"}) {
		t.Errorf("choices for Phone/Fax = %q, want voice and fax", got)
	}
	if up.SuggestedMapping["Phone/Fax"] != "" || !strings.Contains(up.Reasons["Phone/Fax"], "could be Voice or Fax") {
		t.Errorf("Phone/Fax: mapped to %q, reason %q; want it left to the user, saying why", up.SuggestedMapping["Phone/Fax"], up.Reasons["Phone/Fax"])
	}
}
