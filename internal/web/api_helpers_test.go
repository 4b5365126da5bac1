package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"localcrm/internal/auth"
	"localcrm/internal/crm"
	"localcrm/internal/importer"
	"localcrm/internal/store"
)

// apiTestServer is the whole site over a real SQLite database in a
// temporary folder, served over real HTTP.
type apiTestServer struct {
	URL      string // sends the admin's token with a request that names no caller
	Raw      string // the same site, as it is: no token added
	Token    string // the admin's API token
	Store    *store.Store
	Importer *importer.Importer
	Runner   *importer.Runner
	Dir      string // the data folder: database and import files
	log      *apiSyncBuffer
	deps     Deps
}

// newTestServer starts a server on a new, empty database. Cleanup stops
// the imports it runs, then the server, then closes the database.
func newTestServer(t *testing.T) *apiTestServer {
	t.Helper()
	return newTestServerWith(t, nil)
}

// newTestServerWith is newTestServer with a chance to change the
// dependencies (such as MaxUpload) before the handler is built.
func newTestServerWith(t *testing.T, configure func(*Deps)) *apiTestServer {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "localcrm.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	s := &apiTestServer{Store: st, Importer: importer.New(st, dir), Dir: dir, log: &apiSyncBuffer{}}
	s.Token = mustToken(t, st, crm.RoleAdmin)
	s.deps = Deps{Store: st, Importer: s.Importer, Log: slog.New(slog.NewTextHandler(s.log, nil))}
	if configure != nil {
		configure(&s.deps)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", s.log.String())
		}
	})
	s.serve(t)
	return s
}

// serve starts a new runner and HTTP server on the test server's database,
// as a restarted process would.
func (s *apiTestServer) serve(t *testing.T) {
	t.Helper()
	s.Runner = importer.NewRunner(s.Importer, s.deps.Log)
	d := s.deps
	d.Runner = s.Runner
	h := New(d)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" && r.Header.Get("Cookie") == "" {
			r.Header.Set("Authorization", "Bearer "+s.Token)
		}
		h.ServeHTTP(w, r)
	}))
	s.URL = srv.URL
	t.Cleanup(srv.Close)
	raw := httptest.NewServer(h)
	s.Raw = raw.URL
	t.Cleanup(raw.Close)
	runner := s.Runner
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := runner.Shutdown(ctx); err != nil {
			t.Errorf("shut down the runner: %v", err)
		}
	})
}

// mustToken creates an API token with the role and returns its secret.
func mustToken(t *testing.T, st *store.Store, role crm.Role) string {
	t.Helper()
	secret, err := auth.NewSecret(auth.TokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(context.Background(), &crm.Token{Name: "tests", Role: role}, auth.Hash(secret)); err != nil {
		t.Fatal(err)
	}
	return secret
}

// restart shuts down the runner, interrupting the imports it runs, and
// serves the same database with a new runner.
func (s *apiTestServer) restart(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Runner.Shutdown(ctx); err != nil {
		t.Fatalf("shut down the runner: %v", err)
	}
	s.serve(t)
}

// request sends a request with body (nil: none; string or []byte: as is;
// anything else: as JSON) and returns the status and the response body.
func (s *apiTestServer) request(t *testing.T, method, path string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode request: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return apiSend(t, req)
}

func apiSend(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read response: %v", req.Method, req.URL.Path, err)
	}
	return resp, b
}

// call sends a request, fails the test unless the status is want, and
// decodes the JSON response into out (unless out is nil).
func (s *apiTestServer) call(t *testing.T, method, path string, body any, want int, out any) *http.Response {
	t.Helper()
	resp, b := s.request(t, method, path, body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body: %s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return resp
}

// fail sends a request that must fail with the status and error code, and
// returns the error's details.
func (s *apiTestServer) fail(t *testing.T, method, path string, body any, status int, code string) apiErrorDetail {
	t.Helper()
	resp, b := s.request(t, method, path, body)
	return apiCheckError(t, method+" "+path, resp, b, status, code)
}

func apiCheckError(t *testing.T, what string, resp *http.Response, b []byte, status int, code string) apiErrorDetail {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d; body: %s", what, resp.StatusCode, status, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type %q, want JSON", what, ct)
	}
	var e apiErrorBody
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("%s: the error is not {\"error\": {...}}: %v; body: %s", what, err, b)
	}
	if e.Error.Code != code {
		t.Errorf("%s: code %q, want %q; body: %s", what, e.Error.Code, code, b)
	}
	if e.Error.Message == "" {
		t.Errorf("%s: the error has no message", what)
	}
	if e.Error.Fields == nil {
		t.Errorf("%s: the error has no fields object", what)
	}
	return e.Error
}

// upload posts a CSV file as multipart/form-data, with the form fields
// before it.
func (s *apiTestServer) upload(t *testing.T, name string, content []byte, fields ...string) (*http.Response, []byte) {
	t.Helper()
	var form apiMultipart
	for i := 0; i+1 < len(fields); i += 2 {
		form.field(fields[i], fields[i+1])
	}
	form.file("file", name, content)
	return form.post(t, s.URL+"/api/v1/imports")
}

// apiMultipart builds a multipart/form-data body part by part, in order.
type apiMultipart struct {
	body bytes.Buffer
	mw   *multipart.Writer
}

func (m *apiMultipart) writer() *multipart.Writer {
	if m.mw == nil {
		m.mw = multipart.NewWriter(&m.body)
	}
	return m.mw
}

func (m *apiMultipart) field(name, value string) { m.writer().WriteField(name, value) }

func (m *apiMultipart) file(field, name string, content []byte) {
	fw, _ := m.writer().CreateFormFile(field, name)
	fw.Write(content)
}

// post sends the form.
func (m *apiMultipart) post(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	mw := m.writer()
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, &m.body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return apiSend(t, req)
}

// mustUpload uploads a file that must be accepted.
func (s *apiTestServer) mustUpload(t *testing.T, name string, content []byte, fields ...string) apiUploadResponse {
	t.Helper()
	resp, b := s.upload(t, name, content, fields...)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload %s: status %d, want 201; body: %s", name, resp.StatusCode, b)
	}
	var up apiUploadResponse
	if err := json.Unmarshal(b, &up); err != nil {
		t.Fatalf("upload %s: decode %s: %v", name, b, err)
	}
	return up
}

// prepare uploads a file and sets its options; it returns the import ID.
func (s *apiTestServer) prepare(t *testing.T, content []byte, options map[string]any) int64 {
	t.Helper()
	up := s.mustUpload(t, "customers.csv", content)
	s.call(t, http.MethodPut, fmt.Sprintf("/api/v1/imports/%d/mapping", up.ID), options, http.StatusOK, nil)
	return up.ID
}

// waitImport polls the import until ok says so, and returns it then.
func (s *apiTestServer) waitImport(t *testing.T, id int64, what string, ok func(importer.Summary) bool) importer.Summary {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var sum importer.Summary
		s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/imports/%d", id), nil, http.StatusOK, &sum)
		if ok(sum) {
			return sum
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %d: still not %s: status %s, %d of %d records", id, what, sum.Status, sum.Records, sum.Total)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitFinished polls the import until it is neither pending, queued nor
// running.
func (s *apiTestServer) waitFinished(t *testing.T, id int64) importer.Summary {
	t.Helper()
	return s.waitImport(t, id, "finished", func(sum importer.Summary) bool {
		return sum.Status != crm.ImportPending && !sum.Status.Active()
	})
}

// apiGeneratedCSV writes n customers; every badEvery-th one (when
// badEvery > 0) has an invalid email. Record i (from 1) is on line i+1.
func apiGeneratedCSV(n, badEvery int) []byte {
	var b bytes.Buffer
	b.WriteString("First Name,Last Name,Email\n")
	for i := 1; i <= n; i++ {
		email := fmt.Sprintf("person%d@example.com", i)
		if badEvery > 0 && i%badEvery == 0 {
			email = fmt.Sprintf("not-an-email-%d", i)
		}
		fmt.Fprintf(&b, "First%d,Last%d,%s\n", i, i, email)
	}
	return b.Bytes()
}

// apiEvent is one Server-Sent Event as a client reads it.
type apiEvent struct {
	ID, Name, Data string
}

// apiReadEvents reads Server-Sent Events from r and sends each to the
// channel, comments as events named ":"; it closes the channel at the end.
func apiReadEvents(r io.Reader, events chan<- apiEvent) {
	defer close(events)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var ev apiEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Name != "" || ev.Data != "" {
				events <- ev
			}
			ev = apiEvent{}
		case strings.HasPrefix(line, ":"):
			events <- apiEvent{Name: ":", Data: strings.TrimSpace(line[1:])}
		default:
			k, v, _ := strings.Cut(line, ":")
			v = strings.TrimPrefix(v, " ")
			switch k {
			case "event":
				ev.Name = v
			case "data":
				ev.Data += v
			case "id":
				ev.ID = v
			}
		}
	}
}

// apiSyncBuffer is a log destination that handlers may write concurrently.
type apiSyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *apiSyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *apiSyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
