package web

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/importer"
	"localcrm/internal/store"
)

// TestServerTimeouts: a client that trickles its headers or its body, or
// keeps a connection open without a request, is cut off by the server's
// limits; before, only the header limit was set, and a body arriving at a
// byte a second was still being accepted at 25 s. The limits here are
// short so the test is quick; each check waits several times longer than
// its limit before failing, so a slow machine cannot fail it.
func TestServerTimeouts(t *testing.T) {
	e := newPageEnv(t)
	srv := httptest.NewUnstartedServer(e.h)
	*srv.Config = *NewServer(e.h, Timeouts{Header: 300 * time.Millisecond, Read: 600 * time.Millisecond, Write: time.Second, Idle: 300 * time.Millisecond, MaxHeaderBytes: 4 << 10})
	srv.Start()
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()

	// closedWithin sends the parts, one every gap, and reports whether the
	// server closed the connection before limit.
	closedWithin := func(t *testing.T, parts []string, gap, limit time.Duration) bool {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		closed := make(chan struct{})
		go func() {
			io.Copy(io.Discard, conn) // returns when the server closes
			close(closed)
		}()
		for _, p := range parts {
			select {
			case <-closed:
				return time.Since(start) < limit
			case <-time.After(gap):
			}
			conn.Write([]byte(p))
		}
		select {
		case <-closed:
			return time.Since(start) < limit
		case <-time.After(limit - time.Since(start)):
			return false
		}
	}
	trickle := func(s string) []string { return strings.Split(s, "") }

	t.Run("slow headers", func(t *testing.T) {
		parts := trickle("GET /signin HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + strings.Repeat("a", 200))
		if !closedWithin(t, parts, 50*time.Millisecond, 5*time.Second) {
			t.Error("a client sending its headers a byte at a time kept the connection open")
		}
	})
	t.Run("slow body", func(t *testing.T) {
		head := "POST /signin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
		parts := append([]string{head}, trickle(strings.Repeat("x", 1000))...)
		if !closedWithin(t, parts, 50*time.Millisecond, 5*time.Second) {
			t.Error("a client sending its body a byte at a time kept the connection open")
		}
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.Write([]byte("GET /signin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
		br := bufio.NewReader(conn)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := br.ReadByte(); err != io.EOF {
			t.Errorf("an idle kept-alive connection was not closed: %v", err)
		}
	})
	t.Run("header size", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/signin", nil)
		req.Header.Set("X-Big", strings.Repeat("b", 16<<10))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("16 KB of headers: status %d, want 431", res.StatusCode)
		}
	})
}

// TestSlowUploadIsAnswered: an upload may take far longer than the
// server's read and write limits (a large file over a slow office line),
// and still gets its answer. The limits here are short; the file arrives
// over about three seconds, three times the write limit.
func TestSlowUploadIsAnswered(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "localcrm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	token := mustToken(t, st, crm.RoleManager)
	h := New(Deps{Store: st, Importer: importer.New(st, dir), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewUnstartedServer(h)
	*srv.Config = *NewServer(h, Timeouts{Header: 300 * time.Millisecond, Read: 600 * time.Millisecond, Write: time.Second, Idle: 300 * time.Millisecond, MaxHeaderBytes: 4 << 10})
	srv.Start()
	t.Cleanup(srv.Close)

	var form apiMultipart
	form.file("file", "people.csv", apiGeneratedCSV(30, 0))
	mw := form.writer()
	mw.Close()
	body, w := io.Pipe()
	go func() {
		data := form.body.Bytes()
		const parts = 30
		for i := range parts {
			time.Sleep(100 * time.Millisecond)
			w.Write(data[i*len(data)/parts : (i+1)*len(data)/parts])
		}
		w.Close()
	}()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/imports", body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(form.body.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("a slow upload got no answer: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("a slow upload: status %d, want 201; %s", res.StatusCode, b)
	}
}
