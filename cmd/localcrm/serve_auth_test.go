package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// served is a `localcrm serve` process and what it has logged so far.
type served struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	log []string
}

// logged waits until a line of the log matches re and returns its first
// submatch.
func (s *served) logged(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		for _, line := range s.log {
			if m := re.FindStringSubmatch(line); m != nil {
				s.mu.Unlock()
				return m[1]
			}
		}
		s.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Fatalf("localcrm serve never logged %s; its log:\n%s", re, strings.Join(s.log, "\n"))
	return ""
}

func (s *served) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.log, "\n")
}

// serveProcess starts `localcrm serve` with args on c's database.
func serveProcess(t *testing.T, c *cli, args ...string) *served {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"--db", c.db, "serve"}, args...)...)
	cmd.Dir = c.dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &served{cmd: cmd}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.mu.Lock()
			s.log = append(s.log, sc.Text())
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill(); <-done; cmd.Wait() })
	return s
}

var (
	urlRE   = regexp.MustCompile(`url=(https?://\S+)`)
	setupRE = regexp.MustCompile(`setup_link="?(https?://[^"\s]+)`)
)

// TestServeRefusesPlainHTTPOffLoopback: a non-loopback address needs TLS,
// or --insecure-http for a proxy in front, and then says so in its log.
func TestServeRefusesPlainHTTPOffLoopback(t *testing.T) {
	c := newCLI(t)
	r := c.do("serve", "--addr", "0.0.0.0:0")
	if r.code != 2 || !strings.Contains(r.stderr, "not a loopback address") || !strings.Contains(r.stderr, "--tls-cert") {
		t.Fatalf("serve on 0.0.0.0 without TLS: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if r := c.do("serve", "--tls-cert", "x.pem"); r.code != 2 || !strings.Contains(r.stderr, "go together") {
		t.Errorf("--tls-cert alone: exit %d, stderr:\n%s", r.code, r.stderr)
	}

	s := serveProcess(t, c, "--addr", "0.0.0.0:0", "--insecure-http")
	s.logged(t, regexp.MustCompile(`level=WARN msg="(serving plain HTTP on a non-loopback address)`))
	s.logged(t, regexp.MustCompile(`level=WARN msg="(no --host given)`))
	base := s.logged(t, urlRE)
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("the URL for people is %s, want loopback when no --host is given", base)
	}
	res, err := http.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /signin: %d", res.StatusCode)
	}
}

// TestServeFirstAdminOverTLS runs the newcomer's path on HTTPS: the setup
// link in the log creates the first admin once, the session cookie is
// __Host- and Secure, and the password never reaches the log.
func TestServeFirstAdminOverTLS(t *testing.T) {
	c := newCLI(t)
	cert, key := selfSigned(t, c.dir)
	s := serveProcess(t, c, "--addr", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key)
	base := s.logged(t, urlRE)
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("serving at %s, want https", base)
	}
	link := s.logged(t, setupRE)
	if !strings.HasPrefix(link, base+"/setup?token=") {
		t.Fatalf("setup link %s does not lead to %s/setup", link, base)
	}
	client := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	res, err := client.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET setup link: %d", res.StatusCode)
	}
	u, _ := url.Parse(link)
	const password = "a long first admin password"
	form := url.Values{"token": {u.Query().Get("token")}, "name": {"root"}, "password": {password}, "confirm": {password}}
	post := func() *http.Response {
		req, _ := http.NewRequest(http.MethodPost, base+"/setup", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	res = post()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /setup: %d, want 303", res.StatusCode)
	}
	var cookie *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "__Host-localcrm_session" {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.Secure || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
		t.Fatalf("session cookie over TLS: %+v, want __Host-, Secure, HttpOnly, SameSite=Lax, Path=/", res.Cookies())
	}
	if res := post(); res.StatusCode != http.StatusNotFound {
		t.Errorf("the setup link worked twice: %d", res.StatusCode)
	}
	if strings.Contains(s.text(), password) || strings.Contains(s.text(), cookie.Value) {
		t.Errorf("the log holds the password or the session id:\n%s", s.text())
	}
	// The admin now exists for the command line too.
	if out := c.ok("users", "list"); !strings.Contains(out, "root") || !strings.Contains(out, "admin") {
		t.Errorf("users list after setup:\n%s", out)
	}
	// A restarted server on a database with users prints no setup link.
	s.cmd.Process.Kill()
	s.cmd.Wait()
	again := serveProcess(t, c, "--addr", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key)
	again.logged(t, urlRE)
	time.Sleep(200 * time.Millisecond) // the setup link would follow the URL at once
	if strings.Contains(again.text(), "setup_link") {
		t.Errorf("a database with an admin got a setup link:\n%s", again.text())
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their paths.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localcrm test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for file, block := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}
