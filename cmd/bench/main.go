//go:build unix

// Command bench measures localcrm's CSV import against its physical anchor:
// sqlite3's own .import of the same file into a table of the same columns
// with a unique index on email. Nothing puts a CSV file into SQLite much
// faster than that, so the ratio shows what parsing, validating, batching
// and reporting cost on top of the database work itself.
//
// Beside it, sqlite3 loads the same rows in transactions of the batch size,
// as localcrm commits them: the part of the ratio that committing every
// 100 records costs SQLite itself, whatever the importer does.
//
// For each size it generates a realistic file, imports it with the real
// binary at the default batch size and at 10,000, each into a fresh
// database, and prints wall time, records/s, peak RSS and the time to the
// first progress line beside the anchor's, against the targets:
//
//	go run ./cmd/bench [-sizes 50000,1000000] [-runs 3] [-load 2m] [-postgres URL] [-dir DIR] [-keep]
//
// Each load runs -runs times, the anchor and localcrm taking turns, and the
// table shows median times and the median of each round's ratio.
//
// Then the load test (load.go): the real server on loopback runs four
// imports of 50,000 records at once while 20 clients list, search and read
// customers through the API for -load, and the table shows the reads'
// latency, failed requests and the server's memory over time. An empty
// -sizes= runs the load test alone.
//
// Beside each localcrm import, the same import into a database whose
// search index was dropped (the index's triggers and table): the table
// shows it as "no index s", and the median ratio of the two as the index's
// cost, which issue 11 allows to be 25 % at a million records.
//
// Then the search test (search.go): a million records imported, and the
// real server timing caller lookups by phone, email and account number,
// and searches of words, as agents make them (-search N; 0 skips it).
//
// With -postgres, the same files are loaded into PostgreSQL too, beside
// psql's \copy (postgres.go).
//
// scripts/bench does the same after installing sqlite3 when it is missing,
// and starts a throwaway PostgreSQL cluster for -postgres.
// The exit status is 1 when a run did not load every record; a missed
// target is shown, not fatal, since timings on a shared machine vary.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	_ "modernc.org/sqlite" // to count what each side loaded

	"localcrm/internal/crm"
)

// Targets from the issue. MB here is 2^20 bytes.
const (
	maxRSS        = 64 << 20
	firstProgress = time.Second
	// rssTolerance is how much more a larger file's peak RSS may be than the
	// smallest file's and still count as "the same": GC pacing moves it by a
	// few MB between runs, while memory that grows with the file shows as a
	// multiple.
	rssTolerance = 1.25
	bigBatch     = crm.MaxBatchSize
)

// ratioTarget is the most localcrm may take, as a multiple of sqlite3's
// time, or 0 when the issue sets no target. Default settings load at most
// crm.DefaultMaxRecords records, so the 3.0× target covers files up to that
// size; the 1.5× target is for a million records with the largest batches.
func ratioTarget(size, batch int) float64 {
	switch {
	case batch == crm.DefaultBatchSize && size <= crm.DefaultMaxRecords:
		return 3.0
	case batch == bigBatch && size >= 1_000_000:
		return 1.5
	}
	return 0
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == rssOf {
		os.Exit(runRSSOf(os.Args[2:]))
	}
	sizesFlag := flag.String("sizes", "50000,1000000", "record counts of the files to import, comma-separated")
	dirFlag := flag.String("dir", "", "where to put the binary, files and databases (default: a new temporary directory)")
	keep := flag.Bool("keep", false, "keep the generated files and databases")
	runs := flag.Int("runs", 3, "how many times to time each load; the table shows the median")
	load := flag.Duration("load", 2*time.Minute, "how long the load test reads while four imports run; 0 skips it")
	searchN := flag.Int("search", 1_000_000, "customers the search test loads before timing lookups and searches; 0 skips it")
	pg := flag.String("postgres", "", "a PostgreSQL cluster's URL (a role that may create databases): also load each size there, beside psql's \\copy")
	sqlite := flag.Bool("sqlite", true, "load each size into SQLite and run the revert test; false times PostgreSQL alone")
	flag.Parse()
	sizes, err := parseSizes(*sizesFlag)
	if err != nil || flag.NArg() > 0 || *runs < 1 || *load < 0 || *searchN < 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./cmd/bench [-sizes 50000,1000000] [-runs 3] [-load 2m] [-search 1000000] [-postgres URL] [-sqlite=false] [-dir DIR] [-keep]")
		os.Exit(2)
	}
	if len(sizes) > 0 && *sqlite {
		if err := run(sizes, *runs, *dirFlag, *keep); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
	if len(sizes) > 0 && *pg != "" {
		dir, err := os.MkdirTemp("", "localcrm-pgbench-")
		if err == nil {
			err = runPostgres(*pg, dir, sizes, *runs)
			os.RemoveAll(dir)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: postgres:", err)
			os.Exit(1)
		}
	}
	if *searchN > 0 {
		dir, err := os.MkdirTemp("", "localcrm-search-")
		if err == nil {
			err = runSearch(dir, *searchN)
			os.RemoveAll(dir)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: search:", err)
			os.Exit(1)
		}
	}
	if *load > 0 {
		dir, err := os.MkdirTemp("", "localcrm-load-")
		if err == nil {
			err = runLoad(dir, *load)
			os.RemoveAll(dir)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: load:", err)
			os.Exit(1)
		}
	}
}

// parseSizes reads -sizes; an empty list runs no import benchmark.
func parseSizes(s string) ([]int, error) {
	var sizes []int
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(strings.ReplaceAll(f, "_", "")))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad size %q", f)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// row is one import of one file at one batch size, beside the anchor's
// load of the same file and sqlite3's own load of it in commits of the
// same size, each the median of the runs.
type row struct {
	size, batch  int
	local        measurement
	bare         measurement // localcrm without the search index; wall 0 if not measured
	indexCost    float64     // the median over the runs of localcrm's time over bare's, less 1
	anchor       measurement
	commits      measurement // sqlite3 in transactions of batch rows; wall 0 if not measured
	ratio        float64     // the median over the runs of localcrm's time over sqlite3's
	commitsRatio float64     // the same for sqlite3 in transactions of batch rows
	err          error
}

func run(sizes []int, runs int, dir string, keep bool) error {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		return errors.New("sqlite3 is not installed; scripts/bench installs it")
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "localcrm-bench-")
		if err != nil {
			return err
		}
		dir = d
		if !keep {
			defer os.RemoveAll(dir)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dir, _ = filepath.Abs(dir)
	bin := filepath.Join(dir, "localcrm")
	logf("building %s", bin)
	if err := command("go", "build", "-o", bin, "localcrm/cmd/localcrm").Run(); err != nil {
		return fmt.Errorf("build localcrm: %w", err)
	}
	// Fail before generating a million records if the import is not there.
	if out, err := exec.Command(bin, "help", "import").CombinedOutput(); err != nil {
		return fmt.Errorf("%s has no working import command: %w\n%s", bin, err, out)
	}

	var rows []row
	failed := false
	for _, n := range sizes {
		file := filepath.Join(dir, fmt.Sprintf("customers-%d.csv", n))
		start := time.Now()
		if err := generate(file, n); err != nil {
			return fmt.Errorf("generate %s: %w", file, err)
		}
		fi, _ := os.Stat(file)
		logf("generated %s: %s records, %.1f MB, in %.1f s", file, thousands(n), mb(fi.Size()), time.Since(start).Seconds())

		// The runs take turns, anchor then localcrm, so that each ratio
		// compares loads made under the same conditions: on a shared
		// machine the same load's time varies by half from minute to
		// minute.
		batches := []int{crm.DefaultBatchSize, bigBatch}
		var anchors []measurement
		locals, commits := make([][]measurement, len(batches)), make([][]measurement, len(batches))
		bares := make([][]measurement, len(batches))
		errs := make([]error, len(batches))
		var aerr error
		for i := 0; i < runs && aerr == nil; i++ {
			var a measurement
			if a, aerr = runAnchor(dir, file, n, keep); aerr != nil {
				logf("sqlite3 .import of %s records failed: %v", thousands(n), aerr)
				break
			}
			logf("sqlite3 .import %s records: %.2f s, %.1f MB", thousands(n), a.wall.Seconds(), mb(a.rss))
			anchors = append(anchors, a)
			for j, batch := range batches {
				if errs[j] != nil {
					continue
				}
				if c, err := runCommits(dir, file, n, batch, keep); err != nil {
					logf("sqlite3 in commits of %d failed: %v", batch, err)
				} else {
					logf("sqlite3 %s records in commits of %d: %.2f s", thousands(n), batch, c.wall.Seconds())
					commits[j] = append(commits[j], c)
				}
				if b, err := runImport(bin, dir, file, n, batch, keep, true); err != nil {
					logf("localcrm without the search index, batch %d, failed: %v", batch, err)
				} else {
					logf("localcrm import %s records, batch %d, without the search index: %.2f s", thousands(n), batch, b.wall.Seconds())
					bares[j] = append(bares[j], b)
				}
				l, err := runImport(bin, dir, file, n, batch, keep, false)
				if err != nil {
					errs[j] = err
					logf("localcrm %s records, batch %d failed: %v", thousands(n), batch, err)
					continue
				}
				logf("localcrm import %s records, batch %d: %.2f s, %s records/s, %.1f MB, first progress %d ms",
					thousands(n), batch, l.wall.Seconds(), thousands(rate(n, l.wall)), mb(l.rss), l.first.Milliseconds())
				locals[j] = append(locals[j], l)
			}
		}
		for j, batch := range batches {
			r := row{size: n, batch: batch, err: cmp.Or(aerr, errs[j])}
			if r.err == nil {
				r.anchor, r.local = median(anchors), median(locals[j])
				r.ratio = medianRatio(locals[j], anchors)
				if len(commits[j]) == len(anchors) {
					r.commits, r.commitsRatio = median(commits[j]), medianRatio(commits[j], anchors)
				}
				if len(bares[j]) == len(locals[j]) {
					r.bare, r.indexCost = median(bares[j]), medianRatio(locals[j], bares[j])-1
				}
			}
			failed = failed || r.err != nil
			rows = append(rows, r)
		}
		if !keep {
			os.Remove(file)
			os.Remove(filepath.Join(dir, fmt.Sprintf("stage-%d.db", n)))
		}
	}

	printTable(os.Stdout, rows)
	fmt.Println()
	printMarkdown(os.Stdout, rows)
	if err := runRevert(bin, dir, runs); err != nil {
		return err
	}
	if failed {
		return errors.New("some runs did not load every record")
	}
	return nil
}

// median returns the measurement of median wall time, with the highest
// peak RSS and the latest first progress of them all, since those are
// limits.
func median(ms []measurement) measurement {
	ms = slices.Clone(ms)
	slices.SortFunc(ms, func(a, b measurement) int { return cmp.Compare(a.wall, b.wall) })
	m := ms[len(ms)/2]
	for _, o := range ms {
		m.rss, m.first = max(m.rss, o.rss), max(m.first, o.first)
	}
	return m
}

// medianRatio is the median of the ratios of the runs' wall times, each
// over the anchor's of the same round.
func medianRatio(ms, anchors []measurement) float64 {
	ratios := make([]float64, len(ms))
	for i := range ms {
		ratios[i] = ms[i].wall.Seconds() / anchors[i].wall.Seconds()
	}
	slices.Sort(ratios)
	return ratios[len(ratios)/2]
}

// runImport imports file with the real binary into a fresh database in a
// directory of its own (the importer keeps its copy of the file and its
// report beside the database), and checks that every record arrived.
// bare drops the search index first, untimed, to time the import without
// it: its triggers and its table, after which the store writes no search
// words either.
func runImport(bin, dir, file string, n, batch int, keep, bare bool) (measurement, error) {
	runDir := filepath.Join(dir, fmt.Sprintf("localcrm-%d-batch%d", n, batch))
	if err := os.RemoveAll(runDir); err != nil {
		return measurement{}, err
	}
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return measurement{}, err
	}
	if !keep {
		defer os.RemoveAll(runDir)
	}
	db := filepath.Join(runDir, "localcrm.db")
	if bare {
		if err := dropSearchIndex(bin, db); err != nil {
			return measurement{}, err
		}
	}
	m, err := measure(exec.Command(bin, importArgs(db, file, n, batch, "--progress")...), fmt.Sprintf("localcrm %d/%d", n, batch))
	if err != nil {
		return m, err
	}
	return m, checkCount(db, n)
}

// dropSearchIndex makes the database at path, and drops its search index:
// what the bench times an import without.
func dropSearchIndex(bin, path string) error {
	if out, err := exec.Command(bin, "--db", path, "fields", "list").CombinedOutput(); err != nil {
		return fmt.Errorf("create %s: %w\n%s", path, err, out)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range []string{`DROP TRIGGER customer_search_update`, `DROP TRIGGER customer_search_delete`, `DROP TABLE customer_search`} {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("drop the search index of %s: %w", path, err)
		}
	}
	return nil
}

// anchorTable and anchorIndex are the anchor's table: localcrm's columns for
// the file's fields as plain text, and the one index any customer file needs.
const (
	anchorTable = `CREATE TABLE customers (first_name TEXT, last_name TEXT, email TEXT, company TEXT, voice TEXT,
	alternative TEXT, addr1_street1 TEXT, addr1_city TEXT, addr1_state TEXT, addr1_zip TEXT, addr1_country TEXT,
	comments TEXT);
`
	anchorIndex = "CREATE UNIQUE INDEX customers_email ON customers(email);\n"
)

// freshDB removes the SQLite database at path with its WAL files, and
// returns what removes them again once it has been measured (nothing when
// the databases are kept).
func freshDB(path string, keep bool) (cleanup func()) {
	remove := func() {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
	}
	remove()
	if keep {
		return func() {}
	}
	return remove
}

// runAnchor loads file with the sqlite3 shell's .import, which runs in one
// transaction with no parsing beyond CSV and no checks beyond the index.
// WAL and synchronous=NORMAL are localcrm's own settings, so that both sides
// pay for durability alike: this is the anchor's best case.
func runAnchor(dir, file string, n int, keep bool) (measurement, error) {
	if strings.ContainsAny(file, "'\n") {
		return measurement{}, fmt.Errorf("the path %q cannot be quoted for the sqlite3 shell", file)
	}
	db := filepath.Join(dir, fmt.Sprintf("anchor-%d.db", n))
	defer freshDB(db, keep)()
	script := "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n" + anchorTable + anchorIndex +
		".mode csv\n.import --skip 1 '" + file + "' customers\n"
	cmd := exec.Command("sqlite3", "-batch", "-bail", db)
	cmd.Stdin = strings.NewReader(script)
	m, err := measure(cmd, "")
	if err != nil {
		return m, err
	}
	if len(m.tail) > 0 { // .import warns on stderr about rows it loaded wrongly
		return m, fmt.Errorf("sqlite3 complained:\n%s", strings.Join(m.tail, ""))
	}
	return m, checkCount(db, n)
}

// runCommits loads file into the anchor's table in transactions of batch
// rows each, as localcrm commits them, with the sqlite3 shell: what SQLite
// itself costs at that commit size, nothing of localcrm's included. The
// rows are first staged in a database of their own, untimed; the timed
// run copies them over, batch by batch.
func runCommits(dir, file string, n, batch int, keep bool) (measurement, error) {
	stage := filepath.Join(dir, fmt.Sprintf("stage-%d.db", n))
	if _, err := os.Stat(stage); err != nil {
		script := anchorTable + ".mode csv\n.import --skip 1 '" + file + "' customers\n"
		cmd := exec.Command("sqlite3", "-batch", "-bail", stage)
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
			os.Remove(stage)
			return measurement{}, fmt.Errorf("stage %s: %v\n%s", file, err, out)
		}
	}
	db := filepath.Join(dir, fmt.Sprintf("commits-%d-%d.db", n, batch))
	defer freshDB(db, keep)()
	var script strings.Builder
	script.WriteString("PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n" + anchorTable + anchorIndex)
	fmt.Fprintf(&script, "ATTACH '%s' AS stage;\n", stage)
	for first := 1; first <= n; first += batch {
		fmt.Fprintf(&script, "BEGIN IMMEDIATE; INSERT INTO customers SELECT * FROM stage.customers WHERE rowid BETWEEN %d AND %d; COMMIT;\n", first, first+batch-1)
	}
	cmd := exec.Command("sqlite3", "-batch", "-bail", db)
	cmd.Stdin = strings.NewReader(script.String())
	m, err := measure(cmd, "")
	if err != nil {
		return m, err
	}
	return m, checkCount(db, n)
}

// checkCount checks that the database at path holds exactly n customers.
func checkCount(path string, n int) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var got int
	if err := db.QueryRow(`SELECT count(*) FROM customers`).Scan(&got); err != nil {
		return fmt.Errorf("count customers in %s: %w", path, err)
	}
	if got != n {
		return fmt.Errorf("%s holds %d customers, not %d", path, got, n)
	}
	return nil
}

// measurement is what one child process cost.
type measurement struct {
	wall  time.Duration
	rss   int64         // peak resident set size, bytes
	first time.Duration // from start to its first line on stderr; -1 if none
	tail  []string      // its last lines on stderr, for error messages
}

// measure runs cmd, reading its stderr line by line as it comes so that
// the first line can be timed. With a label, it echoes a line every ten
// seconds, so that a long run shows it is alive.
func measure(cmd *exec.Cmd, label string) (measurement, error) {
	m := measurement{first: -1}
	// The command runs under this program again (runRSSOf), which reports
	// its peak memory: Go starts a command sharing the starter's memory
	// until the exec, and Linux counts the starter's peak in the command's
	// (this program's, 73 MB once it had compared exports, was reported
	// for every import after that).
	self, err := os.Executable()
	if err != nil {
		return m, err
	}
	rssR, rssW, err := os.Pipe()
	if err != nil {
		return m, err
	}
	defer rssR.Close()
	shown := strings.Join(cmd.Args, " ")
	cmd.Args = append([]string{self, rssOf, cmd.Path}, cmd.Args[1:]...)
	cmd.Path, cmd.ExtraFiles = self, []*os.File{rssW}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		rssW.Close()
		return m, err
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	start := time.Now()
	err = cmd.Start()
	rssW.Close()
	if err != nil {
		return m, err
	}
	var echoed time.Time
	br := bufio.NewReader(stderr)
	for {
		line, rerr := br.ReadString('\n')
		if line != "" {
			now := time.Now()
			if m.first < 0 {
				m.first = now.Sub(start)
			}
			m.tail = append(m.tail, line)
			if len(m.tail) > 10 {
				m.tail = m.tail[1:]
			}
			if label != "" && now.Sub(echoed) >= 10*time.Second {
				echoed = now
				fmt.Fprintf(os.Stderr, "    %s %5.1fs %s", label, now.Sub(start).Seconds(), line)
			}
		}
		if rerr != nil {
			if !errors.Is(rerr, io.EOF) {
				err = rerr
			}
			break
		}
	}
	// Wait only after stderr is drained: it closes the pipe.
	werr := cmd.Wait()
	m.wall = time.Since(start)
	if b, rerr := io.ReadAll(rssR); rerr == nil {
		m.rss, _ = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	}
	if err = errors.Join(werr, err); err != nil {
		return m, fmt.Errorf("%s: %w\n%s%s", shown, err, stdout.String(), strings.Join(m.tail, ""))
	}
	return m, nil
}

// check is one target of one row and whether the row met it.
type check struct {
	target string
	ok     bool
}

// checks returns the targets that apply to r. The flat-RSS target compares
// r with the smallest file imported at the same batch size.
func checks(r row, rows []row) []check {
	var cs []check
	if t := ratioTarget(r.size, r.batch); t > 0 {
		cs = append(cs, check{fmt.Sprintf("≤%.1f×", t), r.ratio <= t})
	}
	cs = append(cs, check{fmt.Sprintf("≤%d MB", maxRSS>>20), r.local.rss <= maxRSS})
	for _, base := range rows {
		if base.batch == r.batch && base.size < r.size && base.err == nil {
			cs = append(cs, check{"RSS as at " + thousands(base.size),
				float64(r.local.rss) <= float64(base.local.rss)*rssTolerance})
			break // rows are in size order: the first is the smallest
		}
	}
	cs = append(cs, check{"progress ≤1 s", r.local.first >= 0 && r.local.first <= firstProgress})
	if r.size >= 1_000_000 && r.bare.wall > 0 {
		cs = append(cs, check{fmt.Sprintf("index ≤+%.0f%%", maxIndexCost*100), r.indexCost <= maxIndexCost})
	}
	return cs
}

// maxIndexCost is the most the search index may add to an import of a
// million records (issue 11): a quarter of its time without the index.
const maxIndexCost = 0.25

var columns = []string{"records", "batch", "localcrm s", "records/s", "peak RSS MB", "first progress ms",
	"no index s", "index cost", "sqlite3 s", "sqlite3 RSS MB", "ratio", "sqlite3 in batches s", "its ratio", "target", "pass/fail"}

// cells formats a row for both tables.
func cells(r row, rows []row) []string {
	if r.err != nil {
		return []string{thousands(r.size), strconv.Itoa(r.batch), "error", "", "", "", "", "", "", "", "", "", "", "", "FAIL"}
	}
	var targets, results []string
	for _, c := range checks(r, rows) {
		targets = append(targets, c.target)
		results = append(results, map[bool]string{true: "pass", false: "FAIL"}[c.ok])
	}
	first := "none"
	if r.local.first >= 0 {
		first = thousands(int(r.local.first.Milliseconds()))
	}
	bare, cost := "error", ""
	if r.bare.wall > 0 {
		bare, cost = fmt.Sprintf("%.2f", r.bare.wall.Seconds()), fmt.Sprintf("%+.0f%%", r.indexCost*100)
	}
	commits, commitsRatio := "error", ""
	if r.commits.wall > 0 {
		commits = fmt.Sprintf("%.2f", r.commits.wall.Seconds())
		commitsRatio = fmt.Sprintf("%.2f×", r.commitsRatio)
	}
	return []string{
		thousands(r.size), strconv.Itoa(r.batch),
		fmt.Sprintf("%.2f", r.local.wall.Seconds()), thousands(rate(r.size, r.local.wall)),
		fmt.Sprintf("%.1f", mb(r.local.rss)), first, bare, cost,
		fmt.Sprintf("%.2f", r.anchor.wall.Seconds()), fmt.Sprintf("%.1f", mb(r.anchor.rss)),
		fmt.Sprintf("%.2f×", r.ratio), commits, commitsRatio,
		strings.Join(targets, ", "), strings.Join(results, ", "),
	}
}

func printTable(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(columns, "\t")+"\t")
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(cells(r, rows), "\t")+"\t")
	}
	tw.Flush()
}

// printMarkdown writes the table for the README, with the machine it ran on.
func printMarkdown(w io.Writer, rows []row) {
	version, _ := exec.Command("sqlite3", "--version").Output()
	v, _, _ := strings.Cut(string(version), " ")
	fmt.Fprintf(w, "%s/%s, %d CPUs, sqlite3 %s, %s:\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), v, time.Now().Format(time.DateOnly))
	fmt.Fprintf(w, "| %s |\n", strings.Join(columns, " | "))
	fmt.Fprintf(w, "|%s\n", strings.Repeat("---:|", len(columns)-2)+":---|:---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells(r, rows), " | "))
	}
}

func rate(n int, d time.Duration) int { return int(float64(n) / d.Seconds()) }

func mb(bytes int64) float64 { return float64(bytes) / (1 << 20) }

// thousands writes n with comma separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// command is exec.Command with the child's output shown to the user.
func command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// rssOf is the first argument that runs this program as runRSSOf.
const rssOf = "-rss-of"

// runRSSOf runs the command args with this program's standard files, writes
// the command's peak resident memory in bytes to file 3, and returns its
// exit status. This program is small when it starts the command, so the
// command's peak is its own (see measure).
func runRSSOf(args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss := int64(ru.Maxrss) * 1024 // KiB on Linux
		if runtime.GOOS == "darwin" {
			rss = int64(ru.Maxrss) // bytes on macOS
		}
		fmt.Fprintln(os.NewFile(3, "rss"), rss)
	}
	return cmd.ProcessState.ExitCode()
}

// importArgs are the arguments of localcrm's import of file, n records in
// commits of batch, into the database db, then more. Beyond the default
// limit of records an admin must raise it, which changes nothing else.
func importArgs(db, file string, n, batch int, more ...string) []string {
	args := []string{"--db", db, "import", file, "--batch-size", strconv.Itoa(batch)}
	if n > crm.DefaultMaxRecords {
		args = append(args, "--max-records", strconv.Itoa(n))
	}
	return append(args, more...)
}
