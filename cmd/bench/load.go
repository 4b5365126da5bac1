//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The load test of issue 9: imports running while agents read the file.
const (
	loadImports   = 4
	loadPerImport = 50_000
	loadReaders   = 20
	loadP99       = 200 * time.Millisecond
)

// runLoad starts the real server on loopback, runs four imports of 50,000
// records at once, and beside them loadReaders clients that list, search
// and get customers through the API for d. It prints the reads' latency,
// the failed requests and the server's memory over time.
func runLoad(dir string, d time.Duration) error {
	bin := filepath.Join(dir, "localcrm")
	logf("building %s", bin)
	if err := command("go", "build", "-o", bin, "localcrm/cmd/localcrm").Run(); err != nil {
		return fmt.Errorf("build localcrm: %w", err)
	}
	db := filepath.Join(dir, "load.db")
	freshDB(db, false)
	out, err := exec.Command(bin, "--db", db, "tokens", "create", "--role", "manager", "--name", "bench").Output()
	if err != nil {
		return fmt.Errorf("tokens create: %w", err)
	}
	token := strings.TrimSpace(string(out))

	files, err := loadFiles(dir)
	if err != nil {
		return err
	}
	srv := exec.Command(bin, "--db", db, "serve", "--addr", "127.0.0.1:0")
	stderr, err := srv.StderrPipe()
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { srv.Process.Signal(os.Interrupt); srv.Wait() }()
	base, err := serverURL(stderr)
	if err != nil {
		return err
	}
	c := &loadClient{base: base, token: token, http: &http.Client{Timeout: time.Minute}}

	// Four imports at once, each uploaded and started through the API.
	var ids []int64
	for _, f := range files {
		id, err := c.startImport(f)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	logf("started imports %v; %d readers for %s", ids, loadReaders, d)

	start := time.Now()
	deadline := start.Add(d)
	var rss []int64 // the server's resident memory, a sample a second
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			if kb, err := residentKB(srv.Process.Pid); err == nil {
				rss = append(rss, kb)
			}
			select {
			case <-stopSampling:
				return
			case <-t.C:
			}
		}
	}()

	var (
		mu       sync.Mutex
		lat      []time.Duration
		failures []string
		wg       sync.WaitGroup
	)
	for i := range loadReaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(i)))
			accounts := []int64{}
			for time.Now().Before(deadline) {
				took, err := c.read(r, &accounts)
				mu.Lock()
				if err != nil {
					failures = append(failures, err.Error())
				} else {
					lat = append(lat, took)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(stopSampling)
	<-sampled

	done := 0
	for _, id := range ids {
		var s struct {
			Status  string `json:"status"`
			Created int    `json:"created"`
		}
		if err := c.getJSON(fmt.Sprintf("/api/v1/imports/%d", id), &s); err != nil {
			return err
		}
		logf("import %d: %s, %s created", id, s.Status, thousands(s.Created))
		if strings.HasPrefix(s.Status, "completed") {
			done++
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	half := len(rss) / 2
	fmt.Printf("\n| readers | seconds | reads | failed | p50 ms | p95 ms | p99 ms | max ms | imports completed | server RSS MB first half max | second half max | target |\n")
	fmt.Printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|\n")
	fmt.Printf("| %d | %.0f | %s | %d | %.1f | %.1f | %.1f | %.1f | %d of %d | %.1f | %.1f | no failure, p99 ≤ %d ms, memory flat: %s |\n",
		loadReaders, d.Seconds(), thousands(len(lat)), len(failures),
		ms(pct(.5)), ms(pct(.95)), ms(pct(.99)), ms(pct(1)), done, len(ids),
		float64(slices.Max(rss[:max(half, 1)]))/1024, float64(slices.Max(rss[half:]))/1024,
		loadP99.Milliseconds(), passFail(len(failures) == 0 && pct(.99) <= loadP99))
	for i, f := range failures {
		if i == 10 {
			fmt.Printf("… and %d more failures\n", len(failures)-10)
			break
		}
		fmt.Println("failure:", f)
	}
	if len(failures) > 0 {
		return errors.New("some requests failed")
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "FAIL"
}

// loadFiles generates loadImports files of loadPerImport records with no
// email in common: one generated file, dealt out in turn.
func loadFiles(dir string) ([]string, error) {
	all := filepath.Join(dir, "load-all.csv")
	if err := generate(all, loadImports*loadPerImport); err != nil {
		return nil, err
	}
	in, err := os.Open(all)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	r := csv.NewReader(bufio.NewReader(in))
	header, err := r.Read()
	if err != nil {
		return nil, err
	}
	var names []string
	var writers []*csv.Writer
	var closers []*os.File
	for i := range loadImports {
		name := filepath.Join(dir, fmt.Sprintf("load-%d.csv", i+1))
		f, err := os.Create(name)
		if err != nil {
			return nil, err
		}
		closers = append(closers, f)
		w := csv.NewWriter(f)
		w.Write(header)
		names, writers = append(names, name), append(writers, w)
	}
	for i := 0; ; i++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		writers[i%loadImports].Write(rec)
	}
	for i, w := range writers {
		w.Flush()
		if err := errors.Join(w.Error(), closers[i].Close()); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// serverURL reads the server's log until it says where it listens, then
// keeps draining it so that the server never blocks on a full pipe.
func serverURL(stderr io.Reader) (string, error) {
	re := regexp.MustCompile(`url=(http://\S+)`)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, stderr)
			return m[1], nil
		}
	}
	return "", errors.New("the server stopped before saying where it listens")
}

// residentKB reads a process's resident memory from /proc.
func residentKB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		}
	}
	return 0, errors.New("no VmRSS")
}

// loadClient talks to the server's API as a script with a token would.
type loadClient struct {
	base, token string
	http        *http.Client
}

func (c *loadClient) do(req *http.Request) (*http.Response, []byte, error) {
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res, b, err
}

func (c *loadClient) getJSON(path string, v any) error {
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	res, b, err := c.do(req)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, res.Status, b)
	}
	return json.Unmarshal(b, v)
}

// startImport uploads file and starts its import with the mapping the
// server proposes.
func (c *loadClient) startImport(file string) (int64, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, _ := mw.CreateFormFile("file", filepath.Base(file))
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(part, f)
	f.Close()
	if err != nil {
		return 0, err
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+"/api/v1/imports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, b, err := c.do(req)
	if err != nil {
		return 0, err
	}
	var up struct {
		ID int64 `json:"id"`
	}
	if res.StatusCode != http.StatusCreated || json.Unmarshal(b, &up) != nil {
		return 0, fmt.Errorf("upload %s: %s: %s", file, res.Status, b)
	}
	req, _ = http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/imports/%d/start", c.base, up.ID), nil)
	if res, b, err = c.do(req); err != nil {
		return 0, err
	}
	if res.StatusCode != http.StatusAccepted {
		return 0, fmt.Errorf("start import %d: %s: %s", up.ID, res.Status, b)
	}
	return up.ID, nil
}

// read makes one read an agent would: a page of the list, a search by a
// name, or one customer seen in an earlier answer. A failure is a transport
// error or a status other than 200 (404 for a customer never seen cannot
// happen: only seen ones are asked for).
func (c *loadClient) read(r *rand.Rand, accounts *[]int64) (time.Duration, error) {
	var path string
	switch op := r.IntN(3); {
	case op == 0:
		path = fmt.Sprintf("/api/v1/customers?limit=50&offset=%d", r.IntN(1000))
	case op == 1 || len(*accounts) == 0:
		path = "/api/v1/customers?limit=20&search=" + url.QueryEscape(firstNames[r.IntN(len(firstNames))])
	default:
		path = fmt.Sprintf("/api/v1/customers/%d", (*accounts)[r.IntN(len(*accounts))])
	}
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	start := time.Now()
	res, b, err := c.do(req)
	took := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", path, err)
	}
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s: %.200s", path, res.Status, b)
	}
	var page struct {
		Customers []struct {
			Account int64 `json:"account_number"`
		} `json:"customers"`
	}
	if json.Unmarshal(b, &page) == nil {
		for _, cu := range page.Customers {
			if len(*accounts) < 10000 {
				*accounts = append(*accounts, cu.Account)
			}
		}
	}
	return took, nil
}
